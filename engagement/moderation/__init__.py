"""The moderation queue: moderators verify organizations and review missions."""

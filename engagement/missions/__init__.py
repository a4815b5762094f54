"""Missions and their slots: publishing, moderation states, search and discovery, places."""

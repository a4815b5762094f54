"""Participations: signing up for a slot, waiting lists, confirmations, attendance, calendars."""

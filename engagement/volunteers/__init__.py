"""Volunteers: their profile (causes, skills, availability, home area) and their data (GDPR)."""

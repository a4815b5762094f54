"""Engagement: what volunteers do.

Causes and skills, organizations and their members, missions and slots, participations, volunteer
profiles, search, moderation and hours; with their pages and API. Tenancy, accounts and billing
live in their own apps.
"""

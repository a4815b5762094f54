"""Saved searches and their alerts: a volunteer keeps the filters of a search (place and radius,
causes, skills, weekly availability, words, remote) under a name, and receives a daily or weekly
e-mail of the missions published since the last one that match them.

A saved search holds the filters of engagement.missions.search.MissionSearchFilters, so it finds
exactly what the search page and GET /api/v1/missions/ find with the same filters. What belongs
here: the saved searches (models, services, selectors, pages, API), the evaluation of new
matches and the alert e-mails. What does not: the search itself (engagement.missions.search),
the sending machinery and preferences (engagement.emails.delivery).
"""

"""Engagement: what volunteers do. One Django app, split into domain packages.

- taxonomy/        causes and skills
- organizations/   organizations, members, invitations, logos
- missions/        missions and their slots, search and discovery
- places/          geocoding (offline gazetteer, BAN, Nominatim) and place suggestions
- participations/  sign-ups, waiting lists, confirmations, attendance, calendar files
- volunteers/      profiles, and a volunteer's data (GDPR export and deletion)
- emails/          rendering and sending the e-mails that notifications.py schedules
- moderation/      the moderation queue's pages
- demo/            demo content, used only by the `seed_demo` command

Each domain package has the same rooms: models, services (writes and rules), selectors (reads),
access (who may see or change its objects), api, serializers, forms, views (resident pages),
views_organization (the organization space), templates. Shared pieces sit at this level: errors,
validation, sanitizing, limits, access (roles), links, notifications, form_fields, the API's
plumbing (api/), and the URL tables. See docs/architecture.md.
"""

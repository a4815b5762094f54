"""The tenant's back office at /gestion/: what tenant admins (and, for moderation, moderators)
run themselves, in the product's own pages rather than Django's admin."""

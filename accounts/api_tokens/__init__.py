"""API tokens of a tenant's integrations (the back office's integrations page).

A tenant admin creates a token with a name, a scope (read, or read and write) and an expiry of at
most a year; it is shown once, as `ent_<tenant tag>_<secret>`, and only its SHA-256 is kept. The
token acts as the admin who created it, for as long as that person is an active tenant admin:
suspended or no longer an admin, and their tokens stop working. Revoked or expired: refused.

A Django app of its own (label `api_tokens`) so that its table exists in tenant schemas only:
`accounts` is also a shared app, whose tables the public schema gets too. The API reads tokens
through accounts.authentication.ApiTokenAuthentication.
"""

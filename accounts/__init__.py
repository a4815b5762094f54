"""Accounts: the people of one tenant (or the platform staff, in the public schema).

The custom e-mail-login User and its roles (`permissions.py`), allauth adapters (tenant login
rules, SSO enforcement), the tenant's sign-in policy and identity providers (`sso/`), and the
account's half of the GDPR export and deletion (the volunteer's half, which asks this one, is
engagement/volunteers/privacy.py). A user exists in exactly one schema: the same e-mail in Paris and
in Acme Corp is two separate accounts. Accounts never imports engagement.
"""

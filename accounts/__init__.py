"""Accounts: the people of one tenant (or the platform staff, in the public schema).

The custom e-mail-login User, roles and the access helpers (`permissions.py`), allauth adapters
(tenant login rules, SSO enforcement) and GDPR export/delete. A user exists in exactly one schema:
the same e-mail in Paris and in Acme Corp is two separate accounts.
"""

"""Provisioning from the company's directory: SCIM 2.0 at /scim/v2/ (users ↔ accounts, groups ↔
teams), its per-tenant bearer token (created, rotated and revoked from the back office), and the
profile attributes the company's identity provider sends at each sign-in.

What is here: the directory's identifiers of the people it provisions (`DirectoryIdentity`, so that
the account model shared with the public schema keeps no SCIM columns), the token, the services
that apply what the directory says, the SCIM adapters and views (django-scim2's views and errors,
our own adapters and schemas), the back office page. What is not: the teams and profiles
themselves (engagement.programmes), sessions and roles (accounts).
"""

"""The tenant's legal and accessibility pages, and who accepted which terms of use.

Five documents per tenant (legal notice, privacy policy, terms of use, accessibility statement,
cookies), each a list of numbered versions: every save publishes a new version, old ones are
kept, the public page shows the latest. New tenants start with a default text of each (a
provisioning step); tenant admins edit them in the back office (engagement/backoffice/
views_legal.py). Signed-in people accept the latest terms of use: at sign-up (accounts' sign-up
form) or, when a new version is published or their account was made without the form (SSO,
Facebook, an admin), on the page the middleware sends them to before the next page they open.

Why here, in the core, and not in engagement or accounts: accounts needs the terms at sign-up,
and accounts may not import engagement; the documents themselves are not about accounts (the
accessibility statement or the legal notice name the tenant, not a user), and the pages are
served on every tenant host like the tenant's branding. So this is a tenant-schema app beside
the audit trail (tenants/audit/), which accounts (sign-up, the GDPR export) and engagement (the
back office) both use. It imports neither of them: a user is `settings.AUTH_USER_MODEL`.

What does not belong here: the back-office pages (engagement/backoffice/views_legal.py), the
sign-up form's checkbox (accounts/forms.py).

Bodies are stored as sanitized HTML (tenants/sanitizing.py, the policy of mission
descriptions plus second-level headings), so pages render them as they are.
"""

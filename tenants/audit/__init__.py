"""The audit trail: who did what to which object of a tenant, and when.

Services of every app write here (`audit_record(...)` in tenants/audit/services.py) for changes a
tenant admin would want to see; tenant admins read it, read-only, in their Django admin. One table
per tenant schema (the app is in TENANT_APPS). The table kept the name it had when the model lived
in engagement (engagement_auditevent): the move was a change of Django's state only.
"""

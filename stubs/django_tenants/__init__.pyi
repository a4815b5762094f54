"""Stubs for the parts of django-tenants 4.0 the checked code uses (it ships no types).

Typed for this project's configuration: TENANT_MODEL is tenants.Tenant, TENANT_DOMAIN_MODEL is
tenants.Domain, so the connection's tenant is a Tenant (or, in the public schema and after
schema_context(), django-tenants' FakeTenant, which carries a schema name only).
"""

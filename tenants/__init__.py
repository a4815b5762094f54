"""Tenants: who a request belongs to.

Tenant and Domain (public schema), host → tenant routing, the tenant context helpers used by every
other app (tasks, cache keys, storage, logging), provisioning and deprovisioning, the platform
console and API, and their management commands. Nothing about volunteering or billing lives here.
"""

"""Errors raised by tenancy and provisioning."""

from enum import StrEnum


class TenantErrorCode(StrEnum):
    SLUG_INVALID = "slug_invalid"
    SLUG_RESERVED = "slug_reserved"
    SLUG_TAKEN = "slug_taken"
    DOMAIN_INVALID = "domain_invalid"
    DOMAIN_TAKEN = "domain_taken"
    EMAIL_INVALID = "email_invalid"
    TEMPLATE_MISSING = "template_missing"
    TEMPLATE_STALE = "template_stale"
    CLONE_FAILED = "clone_failed"
    TENANT_NOT_FOUND = "tenant_not_found"
    EXPORT_FAILED = "export_failed"
    # Lifecycle (tenants/lifecycle.py).
    TENANT_NOT_ACTIVE = "tenant_not_active"
    TENANT_BEING_ARCHIVED = "tenant_being_archived"
    ARCHIVE_NOT_FOUND = "archive_not_found"
    ARCHIVE_INVALID = "archive_invalid"
    ARCHIVE_TOO_NEW = "archive_too_new"
    SCHEMA_IN_USE = "schema_in_use"
    RESTORE_FAILED = "restore_failed"
    REASON_INVALID = "reason_invalid"


class TenantContextMissing(RuntimeError):
    """Tenant-scoped code ran in the public schema."""


class ProvisioningError(Exception):
    """Provisioning or deprovisioning refused or failed; nothing was left half-created."""

    def __init__(self, message: str, *, code: TenantErrorCode, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

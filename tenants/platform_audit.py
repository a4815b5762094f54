"""The platform audit: every action of platform staff on tenants (console, API, commands)."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import QuerySet

from tenants.models import PlatformAuditEntry

logger = logging.getLogger(__name__)


class Action:
    """The actions recorded (PlatformAuditEntry.action)."""

    PROVISION = "tenant.provision"
    SUSPEND = "tenant.suspend"
    REACTIVATE = "tenant.reactivate"
    ARCHIVE = "tenant.archive"
    RESTORE = "tenant.restore"
    USAGE_REFRESH = "usage.refresh"
    MFA_ENROL = "staff.mfa_enrol"


def audit_record(
    *,
    actor: Any | None,
    action: str,
    source: str,
    tenant_slug: str = "",
    details: dict[str, Any] | None = None,
) -> PlatformAuditEntry:
    """Write one entry; `actor` is a platform user (public schema) or None (a command)."""
    entry = PlatformAuditEntry.objects.create(
        actor_id=getattr(actor, "pk", None),
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        source=source,
        tenant_slug=tenant_slug,
        details=details or {},
    )
    logger.info(
        "platform.audit",
        extra={
            "action": action,
            "tenant": tenant_slug,
            "source": source,
            "actor_id": entry.actor_id,
        },
    )
    return entry


def audit_list(
    *, tenant_slug: str | None = None, action: str | None = None
) -> QuerySet[PlatformAuditEntry]:
    entries = PlatformAuditEntry.objects.all()
    if tenant_slug:
        entries = entries.filter(tenant_slug=tenant_slug)
    if action:
        entries = entries.filter(action=action)
    return entries

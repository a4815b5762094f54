"""Writes on the audit trail: a row per change an admin wants to see, and the retention purge."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, models, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.audit.models import USER_AGENT_MAX_LENGTH, AuditEvent
from tenants.client_ip import client_ip
from tenants.context import current_request, current_tenant
from tenants.db import connection
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# Rows deleted per statement by the purge, so that no statement holds a long lock.
PURGE_BATCH_SIZE = 5000
# The attribute an API authentication sets on the request it authenticated with a token
# (accounts.authentication): rows written for that request name the token.
API_TOKEN_ATTRIBUTE = "entraide_api_token_id"


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target: models.Model,
    data: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Record who did what to which object (inside the caller's transaction).

    From where: inside a request, the client's address and browser are read from the request
    being answered (tenants.context.current_request); a task or a command records neither.
    """
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    details = dict(data or {})
    request = current_request()
    ip = None
    user_agent = ""
    if request is not None:
        ip = client_ip(request)
        user_agent = _printable(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX_LENGTH]
        token_id = getattr(request, API_TOKEN_ATTRIBUTE, None)
        if token_id is not None:
            details.setdefault("api_token_id", token_id)
    return AuditEvent.objects.create(
        actor_id=actor_id,
        action=action,
        target_type=target._meta.model_name or target.__class__.__name__.lower(),
        target_id=target.pk,
        data=details,
        ip=ip,
        user_agent=user_agent,
    )


def _printable(text: str) -> str:
    return "".join(character for character in str(text) if character.isprintable())


def audit_retention_cutoff(*, now: datetime | None = None) -> datetime:
    """Rows created before this moment are past the retention period (AUDIT_RETENTION_DAYS)."""
    return (now or timezone.now()) - timedelta(days=int(settings.AUDIT_RETENTION_DAYS))


def audit_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the current tenant's rows older than the retention period; the number deleted."""
    cutoff = audit_retention_cutoff(now=now)
    expired = AuditEvent.objects.filter(created_at__lt=cutoff)
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(expired.order_by("id").values_list("pk", flat=True)[:PURGE_BATCH_SIZE])
            if not batch:
                break
            deleted += AuditEvent.objects.filter(pk__in=batch).delete()[0]
    return deleted


def audit_purge_all_tenants(*, now: datetime | None = None) -> dict[str, int]:
    """Run the purge in every tenant's schema (the daily task); rows deleted per schema.

    A schema that fails (being deprovisioned, not migrated yet) is logged and skipped: the next
    run tries again, and the other tenants are purged meanwhile.
    """
    public = get_public_schema_name()
    connection.set_schema_to_public()
    schemas = list(
        Tenant.objects.exclude(schema_name=public)
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )
    results: dict[str, int] = {}
    for schema in schemas:
        try:
            with schema_context(schema):
                results[schema] = audit_purge_expired(now=now)
        except DatabaseError:
            logger.exception("audit.purge_failed", extra={"schema": schema})
    connection.set_schema_to_public()
    purged = {schema: count for schema, count in results.items() if count}
    logger.info(
        "audit.purged",
        extra={"schemas": len(results), "rows": sum(purged.values())},
    )
    return results


def audit_log_exported(
    *, actor: AbstractBaseUser, filters: Mapping[str, Any], rows: int | None = None
) -> AuditEvent:
    """An admin downloads the audit log (with these filters): recorded before the file is sent,
    so that reading the trail leaves a trace in it too."""
    data: dict[str, Any] = {"filters": dict(filters)}
    if rows is not None:
        data["rows"] = rows
    return audit_record(actor=actor, action="audit.exported", target=current_tenant(), data=data)

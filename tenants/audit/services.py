"""Writes on the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models

from tenants.audit.models import AuditEvent


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target: models.Model,
    data: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Record who did what to which object (inside the caller's transaction)."""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor_id=actor_id,
        action=action,
        target_type=target._meta.model_name or target.__class__.__name__.lower(),
        target_id=target.pk,
        data=dict(data or {}),
    )

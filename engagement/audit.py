"""The audit trail of engagement: who did what to which object, and when."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models

# --- Audit --------------------------------------------------------------------------------------


class AuditEvent(models.Model):
    """A change a tenant admin may want to see: who did what to which object, and when."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=40)
    target_id = models.BigIntegerField()
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id}"


logger = logging.getLogger("engagement.services")


def audit_record(
    *, actor: Any, action: str, target: models.Model, data: Mapping[str, Any] | None = None
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

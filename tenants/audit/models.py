from __future__ import annotations

from django.conf import settings
from django.db import models

# What a browser says about itself is kept this long (enough to tell browsers and scripts apart).
USER_AGENT_MAX_LENGTH = 200


class AuditEvent(models.Model):
    """A change a tenant admin may want to see: who did what to which object, when and from
    where (the client's address and browser, when it happened in a request)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=40)
    target_id = models.BigIntegerField()
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The client's address (tenants.client_ip: the trusted proxies' view), None outside a request.
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=USER_AGENT_MAX_LENGTH, blank=True, default="")

    class Meta:
        # Created by engagement's first migration, before the model moved here.
        db_table = "engagement_auditevent"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            # The audit log page: one person's events, newest first.
            models.Index(fields=["actor", "-created_at"], name="audit_actor_created"),
            # The audit log page: a kind of event (`action LIKE 'auth.%'`), newest first. The
            # pattern operator class serves LIKE prefixes whatever the database's collation.
            models.Index(
                fields=["action", "-created_at"],
                name="audit_action_created",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id}"

"""One row per task to send; it lives in the schema whose transaction wrote it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """A task call waiting to reach the broker, or sent and not yet done.

    The consumer deletes the row in the transaction of its effect (tenants/outbox/consumer.py):
    a row that is gone means "done", so a second delivery of the message does nothing, and the
    table holds only work in flight.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        # Given up after OUTBOX_MAX_ATTEMPTS sends, or its task no longer exists: kept for an
        # operator, never sent again by the sweep.
        DEAD = "dead", "dead"

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    # Not before this moment (a countdown): the sweep leaves the row alone until then.
    available_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "outbox_message"
        indexes = [
            # The sweep's probe: in-flight rows only (done rows are deleted, dead ones excluded).
            models.Index(
                fields=["available_at"],
                name="outbox_in_flight_idx",
                condition=models.Q(status__in=["pending", "sent"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.task_name} {self.status}"

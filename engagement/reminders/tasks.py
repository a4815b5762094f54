"""Reminders' tasks: the beat's fan-out over tenants, each tenant's planning run, and the e-mail
chunks it schedules (engagement/reminders/services.py)."""

from __future__ import annotations

from celery import shared_task

from engagement.reminders import services
from tenants.context import PublicTask, TenantScopedTask


# Every 15 minutes (CELERY_BEAT_SCHEDULE): one planning run per active tenant.
@shared_task(base=PublicTask, name="engagement.reminders_send_due")
def reminders_send_due() -> int:
    return services.reminders_fan_out()


# Commits batch by batch (each claims its rows with their e-mail tasks): outside the outbox's
# transaction, and safe to run twice since a reminder is claimed once.
@shared_task(base=TenantScopedTask, name="engagement.reminders_plan", outbox_atomic=False)
def reminders_plan() -> int:
    return services.reminders_plan()


# Each reminder in its own transaction (locked with SKIP LOCKED, marked sent with its delivery).
@shared_task(
    base=TenantScopedTask,
    name="engagement.reminders_email_send",
    outbox_atomic=False,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def reminders_email_send(reminder_ids: list[int]) -> int:
    return services.reminders_send(reminder_ids=reminder_ids)

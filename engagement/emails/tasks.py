"""Digests of kept e-mails: the hourly beat task that looks at every tenant's clock, and the
tenant's task that sends its digests (engagement/emails/digests.py)."""

from __future__ import annotations

from celery import shared_task

from engagement.emails import digests
from tenants.context import PublicTask, TenantScopedTask


# Hourly (CELERY_BEAT_SCHEDULE): schedules the digests of the tenants where it is the hour.
@shared_task(base=PublicTask, name="engagement.email_digests_schedule")
def email_digests_schedule() -> int:
    return digests.digests_schedule_everywhere()


@shared_task(
    base=TenantScopedTask,
    name="engagement.email_digests_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def email_digests_send(frequency: str, day: str) -> int:
    return digests.digests_send(frequency=frequency, day=day)

"""Background work of calendars: the notices of a changed date (run inside the tenant that
scheduled them, safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from engagement.calendars import services
from tenants.context import TenantScopedTask

RETRY_ON = (OSError,)


@shared_task(
    base=TenantScopedTask,
    name="engagement.slot_change_notices_send",
    autoretry_for=RETRY_ON,
    retry_backoff=True,
    max_retries=5,
)
def slot_change_notices_send(slot_id: int, sequence: int, change: str) -> int:
    return services.slot_change_notices_send(slot_id=slot_id, sequence=sequence, change=change)

"""Alert runs of saved searches (engagement/alerts/services.py): thin tasks, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from engagement.alerts import services
from tenants.context import PublicTask, TenantScopedTask


# Hourly (CELERY_BEAT_SCHEDULE): each tenant where it is the alerts' local hour gets its run.
@shared_task(base=PublicTask, name="engagement.saved_search_alerts_schedule")
def saved_search_alerts_schedule() -> int:
    return services.saved_search_alerts_schedule_everywhere()


@shared_task(base=TenantScopedTask, name="engagement.saved_search_alerts_run")
def saved_search_alerts_run() -> int:
    return services.saved_search_alerts_run().searches


@shared_task(
    base=TenantScopedTask,
    name="engagement.saved_search_alerts_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def saved_search_alerts_send(saved_search_ids: list[int]) -> int:
    return services.saved_search_alerts_send(saved_search_ids=saved_search_ids)

"""Mission sharing's tasks: the beat's fan-out over companies, each subscription's mirror
refresh and each company's sync of its employees' participations (engagement.sharing.services).
Thin and safe to run twice: a refresh rewrites the mirror, a sync copies what the city says."""

from __future__ import annotations

from celery import shared_task

from engagement.sharing import services
from tenants.context import PublicTask, TenantScopedTask


# Every 30 minutes (CELERY_BEAT_SCHEDULE): each company's subscriptions and participations.
@shared_task(base=PublicTask, name="engagement.sharing_refresh_everywhere")
def sharing_refresh_everywhere() -> int:
    return services.sharing_refresh_everywhere()


@shared_task(base=TenantScopedTask, name=services.REFRESH_TASK)
def sharing_subscription_refresh(subscription_id: int) -> int:
    return services.shared_missions_refresh(subscription_id=subscription_id)


@shared_task(base=TenantScopedTask, name=services.SYNC_TASK)
def sharing_participations_sync() -> int:
    return services.shared_participations_sync()

"""Sending a campaign's announcement, one batch of members per task."""

from __future__ import annotations

from celery import shared_task

from engagement.campaigns import services
from tenants.context import TenantScopedTask


@shared_task(
    base=TenantScopedTask,
    name="engagement.campaign_announcement_deliver",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def campaign_announcement_deliver(campaign_id: int, first_user_id: int, last_user_id: int) -> int:
    return services.campaign_announcement_deliver(
        campaign_id=campaign_id, first_user_id=first_user_id, last_user_id=last_user_id
    )

"""Sending the e-mails of an organization's message, one batch of recipients per task."""

from __future__ import annotations

from celery import shared_task

from engagement.organization_messages import services
from tenants.context import TenantScopedTask


@shared_task(
    base=TenantScopedTask,
    name="engagement.organization_message_deliver",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def organization_message_deliver(message_id: int, start: int) -> int:
    return services.organization_message_deliver(message_id=message_id, start=start)

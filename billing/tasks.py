"""Billing background work (public schema). Thin: ids in, one service call, safe to run twice."""

from __future__ import annotations

from typing import TypedDict

from celery import shared_task

from billing import services
from billing.locks import LockBusy
from billing.stripe_client import StripeUnavailable
from tenants.context import PublicTask
from tenants.models import Tenant


class BillingTask(PublicTask):
    """Billing work runs in the public schema, where tenants and their billing rows live."""

    abstract = True


class _RetryOptions(TypedDict):
    autoretry_for: tuple[type[Exception], ...]
    retry_backoff: int
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int


_RETRY: _RetryOptions = {
    "autoretry_for": (StripeUnavailable, LockBusy),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 10,
}


@shared_task(base=BillingTask, **_RETRY)
def stripe_event_process(event_pk: int) -> str:
    return str(services.stripe_event_process(event_pk=event_pk).status)


@shared_task(base=BillingTask, **_RETRY)
def seats_sync(tenant_id: int) -> int | None:
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return None
    sync = services.seats_sync(tenant=tenant)
    return sync.seats if sync is not None else None


@shared_task(base=BillingTask)
def billing_deadlines_enforce() -> int:
    return len(services.billing_deadlines_enforce())


@shared_task(base=BillingTask)
def stripe_events_retry_stale() -> int:
    return services.stripe_events_retry_stale()

"""Tenant billing state follows Stripe: the sync, and the scheduled deadline check."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing import locks, selectors, state, stripe_client
from billing.models import LIVE_STRIPE_STATUSES, BillingAccount, StripeStatus
from billing.plans import plan_for_price_id
from billing.services.common import (
    TENANT_BILLING_FIELDS,
    Action,
    Source,
    _account_ensure,
    _audit,
    _jsonable,
    _tenant_fields_set,
)
from billing.stripe_client import SubscriptionSnapshot
from tenants.models import Tenant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    tenant: Tenant
    tenant_changes: dict[str, list[Any]] = field(default_factory=dict)
    account_changes: dict[str, list[Any]] = field(default_factory=dict)
    applied: bool = True

    @property
    def changed(self) -> bool:
        return bool(self.tenant_changes or self.account_changes)


def _account_values(
    *, account: BillingAccount, subscription: SubscriptionSnapshot | None, tenant: Tenant
) -> dict[str, Any]:
    if subscription is None:
        return {
            "stripe_subscription_id": "",
            "stripe_subscription_item_id": "",
            "stripe_status": StripeStatus.NONE,
            "cancel_at_period_end": False,
            "current_period_end": None,
        }
    values: dict[str, Any] = {
        "stripe_subscription_id": subscription.id,
        "stripe_subscription_item_id": subscription.item_id,
        "stripe_status": subscription.status,
        "cancel_at_period_end": subscription.cancel_at_period_end,
        "current_period_end": subscription.current_period_end,
        "seats": subscription.quantity,
    }
    mapped = plan_for_price_id(subscription.price_id)
    if mapped is not None and mapped[0].kind == tenant.kind:
        values["plan_code"] = mapped[0].code
        values["interval"] = str(mapped[1])
    else:
        logger.warning(
            "billing.sync.price_unknown",
            extra={"tenant_id": tenant.pk, "price_id": subscription.price_id},
        )
    return values


def subscription_sync(
    *,
    tenant: Tenant,
    source: str,
    stripe_event_id: str = "",
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> SyncResult:
    """Make the tenant's billing state follow what Stripe says now.

    Lists the customer's subscriptions (whatever event triggered this, and in whatever order
    events arrived), picks the one that governs, decides the access state and applies it.
    """
    with locks.tenant_billing_lock(tenant.pk):
        account = _account_ensure(tenant=tenant)
        subscriptions = (
            stripe_client.subscriptions_for_customer(account.stripe_customer_id)
            if account.stripe_customer_id
            else []
        )
        governing = state.governing_subscription(
            sub for sub in subscriptions if sub.customer_id == account.stripe_customer_id
        )
        now = now or timezone.now()
        with transaction.atomic():
            locked_tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
            account = BillingAccount.objects.select_for_update().get(pk=account.pk)
            decision = state.billing_decide(
                subscription=governing,
                current_state=locked_tenant.billing_state,
                grace_until=locked_tenant.billing_grace_until,
                trial_ends_at=locked_tenant.billing_trial_ends_at,
                now=now,
                grace_days=settings.BILLING_GRACE_DAYS,
                ever_subscribed=bool(account.stripe_subscription_id),
            )
            account_values = _account_values(
                account=account, subscription=governing, tenant=locked_tenant
            )
            account_changes = {
                name: [_jsonable(getattr(account, name)), _jsonable(value)]
                for name, value in account_values.items()
                if getattr(account, name) != value
            }
            tenant_values = {
                "billing_state": decision.state,
                "billing_grace_until": decision.grace_until,
                "billing_trial_ends_at": decision.trial_ends_at,
                "billing_plan": account_values.get("plan_code", account.plan_code),
            }
            if dry_run:
                tenant_changes = {
                    name: [_jsonable(getattr(locked_tenant, name)), _jsonable(value)]
                    for name, value in tenant_values.items()
                    if getattr(locked_tenant, name) != value
                }
                return SyncResult(tenant, tenant_changes, account_changes, applied=False)

            for name, value in account_values.items():
                setattr(account, name, value)
            account.synced_at = now
            account.full_clean()
            account.save()
            tenant_changes = _tenant_fields_set(tenant=locked_tenant, values=tenant_values)
            if "billing_state" in tenant_changes:
                _audit(
                    tenant=locked_tenant,
                    action=Action.STATE_CHANGED,
                    source=source,
                    stripe_event_id=stripe_event_id,
                    changes={
                        key: tenant_changes[key]
                        for key in ("billing_state", "billing_grace_until")
                        if key in tenant_changes
                    }
                    | {"stripe_status": account.stripe_status},
                )
            if "billing_plan" in tenant_changes:
                _audit(
                    tenant=locked_tenant,
                    action=Action.PLAN_CHANGED,
                    source=source,
                    stripe_event_id=stripe_event_id,
                    changes={"billing_plan": tenant_changes["billing_plan"]},
                )
            preview_key = selectors.invoice_preview_key(account)
            # Robust: a cache outage must not fail a sync that is committed already.
            transaction.on_commit(lambda: locks.value_delete(preview_key), robust=True)
    for name in TENANT_BILLING_FIELDS:
        setattr(tenant, name, getattr(locked_tenant, name))
    if tenant_changes or account_changes:
        logger.info(
            "billing.sync.changed",
            extra={
                "tenant_id": tenant.pk,
                "source": source,
                "state": locked_tenant.billing_state,
                "stripe_status": account.stripe_status,
            },
        )
    return SyncResult(tenant, tenant_changes, account_changes, applied=True)


def billing_deadlines_enforce(*, now: dt.datetime | None = None) -> list[SyncResult]:
    """Suspend tenants whose grace period, or whose trial without a subscription, is over.

    Runs on a schedule; the middleware already enforces an expired grace period at request time,
    this makes the stored state (banners, billing page, console) agree.
    """
    now = now or timezone.now()
    due = Tenant.objects.filter(
        billing_state=Tenant.BillingState.PAST_DUE, billing_grace_until__lte=now
    ) | Tenant.objects.filter(
        billing_state=Tenant.BillingState.TRIALING, billing_trial_ends_at__lte=now
    ).exclude(billing_account__stripe_status__in=LIVE_STRIPE_STATUSES)
    results = []
    for tenant_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            tenant = Tenant.objects.select_for_update().get(pk=tenant_id)
            grace_over = (
                tenant.billing_state == Tenant.BillingState.PAST_DUE
                and tenant.billing_grace_until is not None
                and tenant.billing_grace_until <= now
            )
            trial_over = (
                tenant.billing_state == Tenant.BillingState.TRIALING
                and tenant.billing_trial_ends_at is not None
                and tenant.billing_trial_ends_at <= now
                and not BillingAccount.objects.filter(
                    tenant=tenant, stripe_status__in=LIVE_STRIPE_STATUSES
                ).exists()
            )
            if not (grace_over or trial_over):
                continue
            changes = _tenant_fields_set(
                tenant=tenant, values={"billing_state": Tenant.BillingState.SUSPENDED}
            )
            _audit(
                tenant=tenant,
                action=Action.STATE_CHANGED,
                source=Source.SCHEDULE,
                changes=changes | {"reason": "grace_over" if grace_over else "trial_over"},
            )
        logger.info(
            "billing.tenant.suspended",
            extra={"tenant_id": tenant_id, "reason": "grace_over" if grace_over else "trial_over"},
        )
        results.append(SyncResult(tenant, changes, {}))
    return results

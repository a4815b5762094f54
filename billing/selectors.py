"""Billing reads: the billing page's overview, seat counts, banners."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import locks, stripe_client
from billing.entitlements import REGISTRY, EntitlementKind, tenant_plan
from billing.models import BillingAccount, BillingAuditEntry
from billing.plans import Plan, plans_for_kind
from billing.state import PAST_DUE, SUSPENDED, TRIALING, access_state
from billing.stripe_client import InvoicePreview, StripeUnavailable
from tenants.models import Tenant

logger = logging.getLogger(__name__)

INVOICE_PREVIEW_SECONDS = 600
TRIAL_BANNER_DAYS = 7


def billing_account_for_tenant(*, tenant: Tenant) -> BillingAccount:
    """The tenant's billing account (an unsaved blank one if it predates billing)."""
    account = BillingAccount.objects.filter(tenant_id=tenant.pk).first()
    if account is None:
        plan = tenant_plan(tenant)
        account = BillingAccount(tenant_id=tenant.pk, plan_code=plan.code if plan else "")
    return account


def seats_count(*, tenant: Tenant) -> int:
    """Seats a company pays for: the active users of its schema."""
    User = get_user_model()  # billing never imports accounts
    if getattr(connection, "schema_name", None) == tenant.schema_name:
        return User.objects.filter(is_active=True).count()
    with tenant_context(tenant):
        return User.objects.filter(is_active=True).count()


def invoice_preview_key(account: BillingAccount) -> str:
    return f"invoice-preview:{account.tenant_id}:{account.stripe_subscription_id}"


def invoice_next(*, account: BillingAccount) -> InvoicePreview | None:
    """The upcoming invoice (cached a few minutes; None if Stripe cannot say right now)."""
    if not account.has_live_subscription or account.cancel_at_period_end:
        return None
    key = invoice_preview_key(account)
    cached = locks.value_get(key)
    if isinstance(cached, InvoicePreview):
        return cached
    try:
        preview = stripe_client.invoice_preview(
            customer_id=account.stripe_customer_id, subscription_id=account.stripe_subscription_id
        )
    except StripeUnavailable:
        return None
    locks.value_set(key, preview, ttl_seconds=INVOICE_PREVIEW_SECONDS)
    return preview


@dataclass(frozen=True)
class EntitlementLine:
    label: str
    included: bool
    limit: int | None
    is_limit: bool


@dataclass(frozen=True)
class BillingOverview:
    account: BillingAccount
    plan: Plan
    state: str
    trial_ends_at: dt.datetime | None
    grace_until: dt.datetime | None
    seats_active: int
    seats_billed: int
    next_invoice: InvoicePreview | None
    plan_choices: list[Plan]
    entitlements: list[EntitlementLine]
    history: list[BillingAuditEntry]
    can_checkout: bool
    can_open_portal: bool


def billing_overview(*, tenant: Tenant) -> BillingOverview:
    """Everything the tenant admin's billing page shows: 3 queries and at most one (cached)
    Stripe call."""
    account = billing_account_for_tenant(tenant=tenant)
    plan = tenant_plan(tenant)
    assert plan is not None
    entitlements = [
        EntitlementLine(
            label=str(entitlement.label),
            included=(
                key in plan.features
                if entitlement.kind == EntitlementKind.FEATURE
                else plan.limits.get(key, 0) != 0
            ),
            limit=plan.limits.get(key) if entitlement.kind == EntitlementKind.LIMIT else None,
            is_limit=entitlement.kind == EntitlementKind.LIMIT,
        )
        for key, entitlement in REGISTRY.items()
    ]
    return BillingOverview(
        account=account,
        plan=plan,
        state=access_state(tenant, now=timezone.now()),
        trial_ends_at=tenant.billing_trial_ends_at,
        grace_until=tenant.billing_grace_until,
        seats_active=seats_count(tenant=tenant),
        seats_billed=account.seats,
        next_invoice=invoice_next(account=account),
        plan_choices=[
            p for p in plans_for_kind(tenant.kind) if any(p.price_id(i) for i in p.intervals)
        ],
        entitlements=entitlements,
        history=list(BillingAuditEntry.objects.filter(tenant_id=tenant.pk)[:10]),
        can_checkout=not account.has_live_subscription,
        can_open_portal=bool(account.stripe_customer_id),
    )


@dataclass(frozen=True)
class Banner:
    kind: str  # "trial" | "past_due" | "suspended"
    for_admin: bool
    deadline: dt.datetime | None


def billing_banner(
    *, tenant: Tenant, user: AbstractBaseUser | AnonymousUser | None
) -> Banner | None:
    """The banner above every page, if any. No query unless the tenant needs one (then the
    request's user is loaded, as the page does anyway)."""
    if getattr(tenant, "kind", None) is None:
        return None
    now = timezone.now()
    state = access_state(tenant, now=now)
    if state == SUSPENDED:
        is_admin = bool(getattr(user, "is_tenant_admin", False))
        return Banner("suspended", is_admin, None)
    if state == PAST_DUE:
        if getattr(user, "is_tenant_admin", False):
            return Banner("past_due", True, tenant.billing_grace_until)
        return None
    if state == TRIALING:
        ends = tenant.billing_trial_ends_at
        if ends is not None and ends - now <= dt.timedelta(days=TRIAL_BANNER_DAYS):
            if getattr(user, "is_tenant_admin", False):
                return Banner("trial", True, ends)
    return None

"""Stripe Checkout, the return page and the Customer Portal, for a tenant's own customer."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors, stripe_client
from billing.errors import BillingError, BillingErrorCode
from billing.models import BillingAccount
from billing.plans import Plan, plan_get
from billing.services.common import Action, Source, _account_ensure, _audit
from billing.services.sync import SyncResult, subscription_sync
from billing.stripe_client import StripeUnavailable
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# Stripe wants a trial to end at least 48 hours after the checkout starts.
STRIPE_MIN_TRIAL = dt.timedelta(hours=49)


def checkout_plan(*, kind: str, plan_code: str, interval: str) -> tuple[Plan, str]:
    """The plan asked for, checked against the tenant kind and the periods it is sold by, and its
    Stripe Price id (a tenant's checkout and a sign-up's, before any tenant exists)."""
    plan = plan_get(plan_code)
    if plan is None:
        raise BillingError(_("Unknown plan."), code=BillingErrorCode.PLAN_UNKNOWN, field="plan")
    if plan.kind != kind:
        raise BillingError(
            _("This plan is not available for your organisation."),
            code=BillingErrorCode.PLAN_NOT_FOR_KIND,
            field="plan",
        )
    if interval not in plan.intervals:
        raise BillingError(
            _("This billing period is not available for this plan."),
            code=BillingErrorCode.INTERVAL_UNAVAILABLE,
            field="interval",
        )
    price_id = plan.price_id(interval)
    if not price_id:
        raise BillingError(
            _("This plan cannot be bought online yet; please contact us."),
            code=BillingErrorCode.PRICE_NOT_CONFIGURED,
            field="plan",
        )
    return plan, price_id


def _plan_for_checkout(*, tenant: Tenant, plan_code: str, interval: str) -> tuple[Plan, str]:
    return checkout_plan(kind=tenant.kind, plan_code=plan_code, interval=interval)


def _customer_ensure(*, tenant: Tenant) -> str:
    account = _account_ensure(tenant=tenant)
    if account.stripe_customer_id:
        return account.stripe_customer_id
    # A deterministic key: two racing first checkouts get the same Stripe customer.
    customer_id = stripe_client.customer_create(
        tenant_id=tenant.pk,
        name=tenant.name,
        idempotency_key=f"customer:{settings.BASE_DOMAIN}:{tenant.pk}",
    )
    with transaction.atomic():
        account = BillingAccount.objects.select_for_update().get(pk=account.pk)
        if not account.stripe_customer_id:
            account.stripe_customer_id = customer_id
            account.save(update_fields=["stripe_customer_id", "updated_at"])
    return account.stripe_customer_id


def checkout_start(
    *,
    tenant: Tenant,
    plan_code: str,
    interval: str,
    success_url: str,
    cancel_url: str,
    actor_user_id: int | None,
    locale: str = "auto",
) -> str:
    """A Stripe Checkout session (subscription mode) for this tenant; returns its URL.

    The tenant is the session's client reference and the subscription's metadata; a tenant
    still in its trial keeps what is left of it.
    """
    plan, price_id = _plan_for_checkout(tenant=tenant, plan_code=plan_code, interval=interval)
    account = _account_ensure(tenant=tenant)
    if account.has_live_subscription:
        raise BillingError(
            _("You already have a subscription: change it from the billing portal."),
            code=BillingErrorCode.SUBSCRIPTION_EXISTS,
        )
    quantity = max(selectors.seats_count(tenant=tenant), 1) if plan.is_per_seat else 1
    trial_end = None
    now = timezone.now()
    if (
        plan.trial_days
        and tenant.billing_state == Tenant.BillingState.TRIALING
        and tenant.billing_trial_ends_at is not None
        and tenant.billing_trial_ends_at - now >= STRIPE_MIN_TRIAL
    ):
        trial_end = tenant.billing_trial_ends_at
    try:
        customer_id = _customer_ensure(tenant=tenant)
        session = stripe_client.checkout_session_create(
            customer_id=customer_id,
            tenant_id=tenant.pk,
            price_id=price_id,
            quantity=quantity,
            trial_end=trial_end,
            success_url=success_url,
            cancel_url=cancel_url,
            locale=locale,
            idempotency_key=f"checkout:{tenant.pk}:{uuid.uuid4().hex}",
        )
    except StripeUnavailable:
        raise BillingError(
            _("Payment is unavailable right now; please try again in a few minutes."),
            code=BillingErrorCode.STRIPE_UNAVAILABLE,
        ) from None
    with transaction.atomic():
        _audit(
            tenant=tenant,
            action=Action.CHECKOUT_STARTED,
            source=Source.TENANT_ADMIN,
            actor_user_id=actor_user_id,
            changes={"plan": plan.code, "interval": interval, "quantity": quantity},
        )
    logger.info(
        "billing.checkout.started",
        extra={"tenant_id": tenant.pk, "plan": plan.code, "interval": interval},
    )
    return session.url


def checkout_return(*, tenant: Tenant, session_id: str) -> SyncResult:
    """The admin is back from Checkout: check the session is this tenant's, then sync at once
    (the webhook may come later; access follows payment without waiting for it)."""
    account = _account_ensure(tenant=tenant)
    unknown = BillingError(
        _("Unknown checkout session."), code=BillingErrorCode.CHECKOUT_SESSION_UNKNOWN
    )
    if not session_id or not account.stripe_customer_id:
        raise unknown
    try:
        session = stripe_client.checkout_session_get(session_id)
    except StripeUnavailable as error:
        if error.http_status == 404:
            raise unknown from None
        raise BillingError(
            _("Payment is unavailable right now; please try again in a few minutes."),
            code=BillingErrorCode.STRIPE_UNAVAILABLE,
        ) from None
    if (
        session.client_reference_id != str(tenant.pk)
        or session.customer_id != account.stripe_customer_id
    ):
        logger.warning("billing.checkout.foreign_session", extra={"tenant_id": tenant.pk})
        raise unknown
    try:
        return subscription_sync(tenant=tenant, source=Source.TENANT_ADMIN)
    except StripeUnavailable:
        # The webhook will bring the state; the page says it is being confirmed.
        return SyncResult(tenant, applied=False)


def portal_session_create(
    *, tenant: Tenant, return_url: str, actor_user_id: int | None, locale: str = "auto"
) -> str:
    """A Stripe Customer Portal session for this tenant's own customer (cards, invoices,
    cancellation); returns its URL."""
    account = _account_ensure(tenant=tenant)
    if not account.stripe_customer_id:
        raise BillingError(
            _("Subscribe first: the billing portal opens once you have a subscription."),
            code=BillingErrorCode.NO_CUSTOMER,
        )
    try:
        url = stripe_client.portal_session_create(
            customer_id=account.stripe_customer_id,
            return_url=return_url,
            locale=locale,
            idempotency_key=f"portal:{tenant.pk}:{uuid.uuid4().hex}",
        )
    except StripeUnavailable:
        raise BillingError(
            _("Payment is unavailable right now; please try again in a few minutes."),
            code=BillingErrorCode.STRIPE_UNAVAILABLE,
        ) from None
    with transaction.atomic():
        _audit(
            tenant=tenant,
            action=Action.PORTAL_OPENED,
            source=Source.TENANT_ADMIN,
            actor_user_id=actor_user_id,
        )
    return url

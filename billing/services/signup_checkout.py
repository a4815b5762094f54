"""Checkout for a self-serve sign-up: paid (or trial started) before any tenant exists.

The sign-up app (above billing) calls these with plain values; billing never imports it. The
session names the sign-up in its metadata; the webhook's processing re-fetches the session and
its subscription and hands them to the handler the sign-up app registered
(billing/checkout_handlers.py). Once the tenant exists, `billing_signup_attach` makes its billing
account carry the customer and the subscription from that checkout, inside provisioning's
transaction (no Stripe call there: the subscription was fetched before).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import state, stripe_client
from billing.errors import BillingError, BillingErrorCode
from billing.models import BillingAccount
from billing.plans import Plan
from billing.services.checkout import checkout_plan
from billing.services.common import Action, Source, _audit, _tenant_fields_set
from billing.services.sync import _account_values
from billing.stripe_client import (
    CheckoutSessionSnapshot,
    StripeUnavailable,
    SubscriptionSnapshot,
)
from tenants.models import Tenant

logger = logging.getLogger(__name__)


def signup_plan(*, kind: str, plan_code: str, interval: str) -> Plan:
    """The plan a sign-up asked for, checked against its kind and the periods it is sold by."""
    return checkout_plan(kind=kind, plan_code=plan_code, interval=interval)[0]


def signup_checkout_start(
    *,
    signup_id: str,
    kind: str,
    name: str,
    email: str,
    plan_code: str,
    interval: str,
    customer_id: str,
    success_url: str,
    cancel_url: str,
    locale: str = "auto",
    attempt: str = "0",
) -> CheckoutSessionSnapshot:
    """A Stripe customer (unless the sign-up has one already) and a Checkout session in
    subscription mode with the plan's price and its free trial. Network calls only: the caller
    stores the ids. Idempotency keys derive from the sign-up (and the attempt, so going back from
    Checkout and trying again opens a new session)."""
    plan = signup_plan(kind=kind, plan_code=plan_code, interval=interval)
    base = settings.BASE_DOMAIN
    try:
        if not customer_id:
            customer_id = stripe_client.signup_customer_create(
                signup_id=signup_id,
                name=name,
                email=email,
                idempotency_key=f"signup-customer:{base}:{signup_id}",
            )
        session = stripe_client.signup_checkout_session_create(
            customer_id=customer_id,
            signup_id=signup_id,
            price_id=plan.price_id(interval),
            quantity=1,
            trial_days=plan.trial_days,
            success_url=success_url,
            cancel_url=cancel_url,
            locale=locale,
            idempotency_key=f"signup-checkout:{base}:{signup_id}:{attempt}",
        )
    except StripeUnavailable:
        raise BillingError(
            _("Payment is unavailable right now; please try again in a few minutes."),
            code=BillingErrorCode.STRIPE_UNAVAILABLE,
        ) from None
    logger.info(
        "billing.signup_checkout.started",
        extra={"signup_id": signup_id, "plan": plan.code, "interval": interval},
    )
    return session


def signup_subscription_get(subscription_id: str) -> SubscriptionSnapshot:
    """The sign-up's subscription as Stripe has it now (raises StripeUnavailable)."""
    return stripe_client.subscription_get(subscription_id)


def billing_signup_attach(
    *, tenant: Tenant, customer_id: str, subscription: SubscriptionSnapshot
) -> BillingAccount:
    """The new tenant's billing account takes the sign-up's Stripe customer and subscription,
    and its access state follows that subscription (its trial). Call inside provisioning's
    transaction, after the billing.trial step created the account; no network call."""
    now = timezone.now()
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        account = BillingAccount.objects.select_for_update().get(tenant=locked)
        values = _account_values(account=account, subscription=subscription, tenant=locked)
        for name, value in values.items():
            setattr(account, name, value)
        account.stripe_customer_id = customer_id
        account.synced_at = now
        account.full_clean(validate_unique=False)
        account.save()
        decision = state.billing_decide(
            subscription=subscription,
            current_state=locked.billing_state,
            grace_until=locked.billing_grace_until,
            trial_ends_at=locked.billing_trial_ends_at,
            now=now,
            grace_days=settings.BILLING_GRACE_DAYS,
        )
        changes = _tenant_fields_set(
            tenant=locked,
            values={
                "billing_state": decision.state,
                "billing_grace_until": decision.grace_until,
                "billing_trial_ends_at": decision.trial_ends_at,
                "billing_plan": account.plan_code,
            },
        )
        _audit(
            tenant=locked,
            action=Action.CHECKOUT_STARTED,
            source=Source.PLATFORM,
            changes={"signup": True, "subscription": subscription.id, **changes},
        )
    tenant.refresh_from_db()
    return account

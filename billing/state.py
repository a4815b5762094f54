"""How payment decides access: pure functions, no database, no Stripe.

- `governing_subscription`: among a customer's subscriptions (a second checkout, an old canceled
  one…), the one that decides the tenant's state.
- `billing_decide`: Stripe's current subscription (or none) + the tenant's current deadlines →
  the tenant's billing state, grace deadline and trial end.
- `access_state`: the state to enforce *now*, from the Tenant fields only (the host-routing cache
  carries them), so the middleware needs no query: a past_due tenant whose grace period is over is
  suspended at that instant, even before the scheduled task writes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from billing.models import StripeStatus
from billing.stripe_client import SubscriptionSnapshot
from tenants.models import Tenant

TRIALING = "trialing"
ACTIVE = "active"
PAST_DUE = "past_due"
SUSPENDED = "suspended"

# Lower rank wins: a subscription Stripe is billing beats one it has given up on.
_RANK: dict[str, int] = {
    StripeStatus.ACTIVE: 0,
    StripeStatus.TRIALING: 0,
    StripeStatus.PAST_DUE: 0,
    StripeStatus.UNPAID: 1,
    StripeStatus.PAUSED: 1,
    StripeStatus.INCOMPLETE: 2,
    StripeStatus.CANCELED: 3,
    StripeStatus.INCOMPLETE_EXPIRED: 4,
}


def governing_subscription(
    subscriptions: Iterable[SubscriptionSnapshot],
) -> SubscriptionSnapshot | None:
    candidates = list(subscriptions)
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda sub: (_RANK.get(sub.status, 5), -sub.created.timestamp()),
    )


@dataclass(frozen=True)
class BillingDecision:
    state: str
    grace_until: dt.datetime | None
    trial_ends_at: dt.datetime | None


def billing_decide(
    *,
    subscription: SubscriptionSnapshot | None,
    current_state: str,
    grace_until: dt.datetime | None,
    trial_ends_at: dt.datetime | None,
    now: dt.datetime,
    grace_days: int,
    ever_subscribed: bool = False,
) -> BillingDecision:
    status = subscription.status if subscription is not None else ""

    if status == StripeStatus.TRIALING:
        return BillingDecision(TRIALING, None, subscription.trial_end if subscription else None)
    if status == StripeStatus.ACTIVE:
        return BillingDecision(ACTIVE, None, None)
    if status == StripeStatus.PAST_DUE:
        # The grace period starts when we first see the failure and is never extended by later
        # events about the same failure (a suspended tenant stays suspended until it pays).
        if current_state not in {PAST_DUE, SUSPENDED} or grace_until is None:
            grace_until = now + dt.timedelta(days=grace_days)
        state = SUSPENDED if now >= grace_until else PAST_DUE
        return BillingDecision(state, grace_until, trial_ends_at)
    if status in {
        StripeStatus.UNPAID,
        StripeStatus.CANCELED,
        StripeStatus.INCOMPLETE_EXPIRED,
        StripeStatus.PAUSED,
    }:
        return BillingDecision(SUSPENDED, None, trial_ends_at)

    if subscription is None and ever_subscribed:
        # The subscription Stripe had is gone (deleted customer): nothing pays for access.
        return BillingDecision(SUSPENDED, None, trial_ends_at)
    # No subscription yet (or its first payment is still incomplete): the local trial decides.
    # A trial without an end date is open-ended (granted by platform staff).
    if trial_ends_at is None or now < trial_ends_at:
        return BillingDecision(TRIALING, None, trial_ends_at)
    return BillingDecision(SUSPENDED, None, trial_ends_at)


def access_state(tenant: Tenant, *, now: dt.datetime) -> str:
    """The state to enforce for this request (no query)."""
    state = getattr(tenant, "billing_state", ACTIVE) or ACTIVE
    if state == PAST_DUE:
        grace_until = getattr(tenant, "billing_grace_until", None)
        if grace_until is not None and now >= grace_until:
            return SUSPENDED
    return state

"""Billing writes and rules: trials, checkout, portal, Stripe events, state sync, seats.

Rules that hold everywhere here:
- No Stripe call inside a database transaction: fetch first, then open a short transaction,
  lock the rows (`select_for_update`) and apply.
- "Fetch from Stripe, then apply" for one tenant runs under `locks.tenant_billing_lock`, so the
  last writer has always fetched last: the order in which Stripe's events arrive does not matter.
- Only these services write the Tenant's billing fields, through `Tenant.save` (the host-routing
  cache is invalidated on save).
"""

from billing.services.checkout import checkout_return, checkout_start, portal_session_create
from billing.services.events import (
    HANDLED_EVENT_TYPES,
    stripe_event_process,
    stripe_event_receive,
    stripe_events_requeue,
    stripe_events_retry_stale,
)
from billing.services.seats import seats_sync
from billing.services.signup_checkout import (
    billing_signup_attach,
    signup_checkout_start,
    signup_plan,
    signup_subscription_get,
)
from billing.services.sync import SyncResult, billing_deadlines_enforce, subscription_sync
from billing.services.trial import billing_trial_provision, billing_trial_start, plan_assign

__all__ = [
    "HANDLED_EVENT_TYPES",
    "SyncResult",
    "billing_deadlines_enforce",
    "billing_signup_attach",
    "billing_trial_provision",
    "billing_trial_start",
    "checkout_return",
    "checkout_start",
    "plan_assign",
    "portal_session_create",
    "seats_sync",
    "signup_checkout_start",
    "signup_plan",
    "signup_subscription_get",
    "stripe_event_process",
    "stripe_event_receive",
    "stripe_events_requeue",
    "stripe_events_retry_stale",
    "subscription_sync",
]

"""The decision table from Stripe's subscription to the tenant's access state (no database)."""

import datetime as dt

import pytest

from billing.state import access_state, billing_decide, governing_subscription
from billing.stripe_client import SubscriptionSnapshot

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def snapshot(status: str, *, created_days_ago: int = 10, trial_end=None) -> SubscriptionSnapshot:
    return SubscriptionSnapshot(
        id=f"sub_{status}_{created_days_ago}",
        customer_id="cus_1",
        status=status,
        price_id="price_test_city_essential_month",
        item_id="si_1",
        quantity=1,
        trial_end=trial_end,
        current_period_end=NOW + 20 * DAY,
        cancel_at_period_end=False,
        created=NOW - created_days_ago * DAY,
        claimed_tenant_id=1,
    )


def decide(subscription, *, state="active", grace_until=None, trial_ends_at=None, **kw):
    return billing_decide(
        subscription=subscription,
        current_state=state,
        grace_until=grace_until,
        trial_ends_at=trial_ends_at,
        now=NOW,
        grace_days=14,
        **kw,
    )


def test_active_subscription_gives_full_access_and_clears_grace():
    decision = decide(snapshot("active"), state="past_due", grace_until=NOW + DAY)

    assert (decision.state, decision.grace_until, decision.trial_ends_at) == ("active", None, None)


def test_stripe_trial_sets_the_trial_end_from_stripe():
    decision = decide(snapshot("trialing", trial_end=NOW + 5 * DAY), state="trialing")

    assert (decision.state, decision.trial_ends_at) == ("trialing", NOW + 5 * DAY)


def test_first_past_due_starts_a_grace_period_of_the_configured_length():
    decision = decide(snapshot("past_due"), state="active")

    assert (decision.state, decision.grace_until) == ("past_due", NOW + 14 * DAY)


def test_later_past_due_events_keep_the_first_grace_deadline():
    decision = decide(snapshot("past_due"), state="past_due", grace_until=NOW + 3 * DAY)

    assert (decision.state, decision.grace_until) == ("past_due", NOW + 3 * DAY)


def test_past_due_after_the_grace_period_is_suspended():
    decision = decide(snapshot("past_due"), state="past_due", grace_until=NOW - DAY)

    assert (decision.state, decision.grace_until) == ("suspended", NOW - DAY)


def test_suspended_for_another_reason_gets_a_fresh_grace_period_on_a_new_failure():
    decision = decide(snapshot("past_due"), state="suspended", grace_until=None)

    assert (decision.state, decision.grace_until) == ("past_due", NOW + 14 * DAY)


@pytest.mark.parametrize("status", ["unpaid", "canceled", "incomplete_expired", "paused"])
def test_unpaid_canceled_expired_or_paused_is_suspended(status):
    decision = decide(snapshot(status), state="active", grace_until=NOW + DAY)

    assert (decision.state, decision.grace_until) == ("suspended", None)


def test_no_subscription_within_the_local_trial_is_trialing():
    decision = decide(None, state="trialing", trial_ends_at=NOW + DAY)

    assert (decision.state, decision.trial_ends_at) == ("trialing", NOW + DAY)


def test_no_subscription_after_the_local_trial_is_suspended():
    assert decide(None, state="trialing", trial_ends_at=NOW - DAY).state == "suspended"


def test_incomplete_first_payment_keeps_the_local_trial():
    assert decide(snapshot("incomplete"), state="trialing", trial_ends_at=NOW + DAY).state == (
        "trialing"
    )


def test_a_subscription_that_vanished_from_stripe_is_suspended():
    decision = decide(None, state="active", trial_ends_at=None, ever_subscribed=True)

    assert decision.state == "suspended"


def test_the_subscription_stripe_bills_governs_over_older_or_dead_ones():
    old_canceled = snapshot("canceled", created_days_ago=1)
    billed = snapshot("active", created_days_ago=30)
    incomplete = snapshot("incomplete", created_days_ago=0)

    assert governing_subscription([old_canceled, billed, incomplete]) == billed
    assert governing_subscription([]) is None


def test_between_two_canceled_subscriptions_the_newest_governs():
    older, newer = (
        snapshot("canceled", created_days_ago=9),
        snapshot("canceled", created_days_ago=2),
    )

    assert governing_subscription([older, newer]) == newer


class _Tenant:
    def __init__(self, state, grace_until=None):
        self.billing_state = state
        self.billing_grace_until = grace_until


def test_access_state_suspends_at_the_end_of_the_grace_period_without_a_write():
    assert access_state(_Tenant("past_due", NOW + DAY), now=NOW) == "past_due"
    assert access_state(_Tenant("past_due", NOW), now=NOW) == "suspended"
    assert access_state(_Tenant("active"), now=NOW) == "active"
    assert access_state(_Tenant("suspended"), now=NOW) == "suspended"

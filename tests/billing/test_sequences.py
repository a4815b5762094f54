"""Event sequences: access follows what Stripe says now, whatever order the events arrive in."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import BillingAccount, BillingAuditEntry
from billing.services import billing_deadlines_enforce, subscription_sync

pytestmark = pytest.mark.django_db


def _deliver_subscription_event(stripe_fake, deliver, event_type, obj, *, created=None):
    response = deliver(stripe_fake, stripe_fake.event(event_type, obj, created=created))
    assert response.status_code == 200
    return response


def test_checkout_completed_links_the_subscription_and_follows_its_status(
    paris, subscribe, stripe_fake
):
    subscription = subscribe(paris)

    account = BillingAccount.objects.get(tenant=paris)
    assert account.stripe_subscription_id == subscription["id"]
    assert account.stripe_customer_id == subscription["customer"]
    assert account.stripe_status == "trialing"  # Paris's remaining trial was carried over
    assert paris.billing_state == "trialing"
    assert paris.billing_trial_ends_at == dt.datetime.fromtimestamp(
        subscription["trial_end"], tz=dt.UTC
    )


def test_out_of_order_deleted_before_updated_leaves_the_tenant_suspended(
    paris, subscribe, stripe_fake, deliver
):
    subscription = subscribe(paris)
    stripe_fake.subscription_status_set(subscription["id"], "active")
    updated_snapshot = stripe_fake.snapshot(subscription["id"])  # as sent at t1: active
    stripe_fake.subscription_status_set(subscription["id"], "canceled")
    deleted_snapshot = stripe_fake.snapshot(subscription["id"])  # as sent at t2: canceled
    now = int(timezone.now().timestamp())

    # t2's "deleted" arrives first, t1's "updated" (still saying active) arrives last.
    _deliver_subscription_event(
        stripe_fake, deliver, "customer.subscription.deleted", deleted_snapshot, created=now
    )
    paris.refresh_from_db()
    assert paris.billing_state == "suspended"
    _deliver_subscription_event(
        stripe_fake, deliver, "customer.subscription.updated", updated_snapshot, created=now - 60
    )

    paris.refresh_from_db()
    assert paris.billing_state == "suspended"
    assert BillingAccount.objects.get(tenant=paris).stripe_status == "canceled"


def test_out_of_order_created_after_updated_ends_active(paris, subscribe, stripe_fake, deliver):
    subscription = subscribe(paris)
    stripe_fake.subscription_status_set(subscription["id"], "active")
    created_snapshot = stripe_fake.snapshot(subscription["id"]) | {"status": "incomplete"}

    _deliver_subscription_event(
        stripe_fake,
        deliver,
        "customer.subscription.updated",
        stripe_fake.snapshot(subscription["id"]),
    )
    _deliver_subscription_event(
        stripe_fake, deliver, "customer.subscription.created", created_snapshot
    )

    paris.refresh_from_db()
    assert paris.billing_state == "active"


def test_payment_failed_grace_suspended_paid_active(
    paris, subscribe, stripe_fake, deliver, tenant_admin, user_in, signed_in, settings
):
    settings.BILLING_GRACE_DAYS = 14
    subscription = subscribe(paris)
    stripe_fake.subscription_status_set(subscription["id"], "active")
    subscription_sync(tenant=paris, source="reconcile")
    admin = tenant_admin(paris)
    volunteer = signed_in(paris, user_in(paris))

    # 1. The renewal payment fails: past_due, 14 days of grace, a banner for admins only.
    stripe_fake.subscription_status_set(subscription["id"], "past_due")
    before = timezone.now()
    deliver(
        stripe_fake,
        stripe_fake.event(
            "invoice.payment_failed", stripe_fake.invoice(subscription["id"], paid=False)
        ),
    )

    paris.refresh_from_db()
    assert paris.billing_state == "past_due"
    assert before + dt.timedelta(days=14) <= paris.billing_grace_until
    assert paris.billing_grace_until <= timezone.now() + dt.timedelta(days=14)
    assert b'data-billing-banner="past_due"' in admin.get("/").content
    assert b"data-billing-banner" not in volunteer.get("/").content
    assert admin.get("/").status_code == 200

    # 2. Another event about the same failure does not extend the grace period.
    grace_until = paris.billing_grace_until
    deliver(
        stripe_fake,
        stripe_fake.event(
            "customer.subscription.updated", stripe_fake.snapshot(subscription["id"])
        ),
    )
    paris.refresh_from_db()
    assert paris.billing_grace_until == grace_until

    # 3. The grace period ends: suspended (by the schedule; requests already enforce it).
    results = billing_deadlines_enforce(now=grace_until + dt.timedelta(seconds=1))

    assert "paris" in {r.tenant.slug for r in results}
    paris.refresh_from_db()
    assert paris.billing_state == "suspended"
    assert admin.get("/").status_code == 302
    assert admin.get("/")["Location"] == "/billing/"
    assert volunteer.get("/").status_code == 200
    assert b'data-billing-banner="suspended"' in volunteer.get("/").content

    # 4. The customer pays (portal): invoice.paid → active at once, grace cleared.
    stripe_fake.subscription_status_set(subscription["id"], "active")
    deliver(
        stripe_fake,
        stripe_fake.event("invoice.paid", stripe_fake.invoice(subscription["id"], paid=True)),
    )

    paris.refresh_from_db()
    assert (paris.billing_state, paris.billing_grace_until) == ("active", None)
    assert admin.get("/").status_code == 200
    assert b"data-billing-banner" not in admin.get("/").content
    actions = list(
        BillingAuditEntry.objects.filter(tenant=paris, source__in=["stripe_event", "schedule"])
        .order_by("pk")
        .values_list("action", "changes__billing_state")
    )
    assert actions == [
        ("state_changed", ["active", "past_due"]),
        ("payment_failed", None),
        ("state_changed", ["past_due", "suspended"]),
        ("state_changed", ["suspended", "active"]),
        ("payment_succeeded", None),
    ]


def test_unpaid_after_retries_is_suspended_and_nothing_is_deleted(
    paris, subscribe, stripe_fake, deliver, user_in
):
    from accounts.models import User

    user_in(paris)
    with tenant_context(paris):
        users_before = User.objects.count()
    subscription = subscribe(paris)
    stripe_fake.subscription_status_set(subscription["id"], "unpaid")

    deliver(
        stripe_fake,
        stripe_fake.event(
            "customer.subscription.updated", stripe_fake.snapshot(subscription["id"])
        ),
    )

    paris.refresh_from_db()
    assert paris.billing_state == "suspended"
    with tenant_context(paris):
        assert User.objects.count() == users_before
    assert BillingAccount.objects.get(tenant=paris).stripe_subscription_id == subscription["id"]


def test_a_new_subscription_after_cancellation_reactivates(paris, subscribe, stripe_fake, deliver):
    first = subscribe(paris)
    stripe_fake.subscription_status_set(first["id"], "canceled")
    deliver(
        stripe_fake,
        stripe_fake.event("customer.subscription.deleted", stripe_fake.snapshot(first["id"])),
    )
    paris.refresh_from_db()
    assert paris.billing_state == "suspended"

    second = stripe_fake.subscription_create(
        customer=first["customer"], price="price_test_city_premium_year", tenant_id=paris.pk
    )
    deliver(stripe_fake, stripe_fake.event("customer.subscription.created", second))

    paris.refresh_from_db()
    assert (paris.billing_state, paris.billing_plan) == ("active", "city_premium")
    account = BillingAccount.objects.get(tenant=paris)
    assert (account.stripe_subscription_id, account.interval) == (second["id"], "year")


def test_trial_will_end_emails_the_tenant_admins(
    acme, subscribe, stripe_fake, deliver, user_in, mailoutbox
):
    user_in(acme, role="admin", email="second-admin@acme.example")
    user_in(acme, role="volunteer", email="employee@acme.example")
    subscription = subscribe(acme)
    mail.outbox.clear()

    deliver(
        stripe_fake,
        stripe_fake.event(
            "customer.subscription.trial_will_end", stripe_fake.snapshot(subscription["id"])
        ),
    )

    assert sorted(m.to[0] for m in mail.outbox) == [
        "admin@acme.example",
        "second-admin@acme.example",
    ]
    assert mail.outbox[0].subject == "Your Entraide trial ends soon"
    assert "http://acme.entraide.test" in mail.outbox[0].body
    assert BillingAuditEntry.objects.filter(tenant=acme, action="trial_will_end").count() == 1


def test_local_trial_without_subscription_ends_suspended(paris):
    ends = paris.billing_trial_ends_at

    early = billing_deadlines_enforce(now=ends - dt.timedelta(seconds=1))
    assert "paris" not in {r.tenant.slug for r in early}
    paris.refresh_from_db()
    assert paris.billing_state == "trialing"

    results = billing_deadlines_enforce(now=ends + dt.timedelta(seconds=1))

    assert "paris" in {r.tenant.slug for r in results}
    paris.refresh_from_db()
    assert paris.billing_state == "suspended"
    entry = BillingAuditEntry.objects.filter(tenant=paris, source="schedule").get()
    assert entry.changes == {"billing_state": ["trialing", "suspended"], "reason": "trial_over"}


def test_deadline_check_leaves_a_stripe_trial_to_stripe(paris, subscribe):
    subscribe(paris)  # trialing in Stripe, with Paris's remaining trial

    results = billing_deadlines_enforce(now=paris.billing_trial_ends_at + dt.timedelta(hours=1))

    assert "paris" not in {r.tenant.slug for r in results}
    paris.refresh_from_db()
    assert paris.billing_state == "trialing"

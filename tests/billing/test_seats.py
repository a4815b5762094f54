"""Company seats (active employees) follow to Stripe: debounced, with idempotency keys."""

import pytest
from django_tenants.utils import tenant_context

from billing import tasks
from billing.entitlements import seats_are_billed
from billing.models import BillingAccount, BillingAuditEntry, SeatSync
from billing.services import seats_sync
from billing.stripe_client import StripeUnavailable
from tenants.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def paying_acme(acme, subscribe, stripe_fake):
    subscription = subscribe(acme)  # 1 seat: the admin
    stripe_fake.subscription_status_set(subscription["id"], "active")
    stripe_fake.requests.clear()
    return acme, subscription


def _add_employee(tenant, email, django_capture_on_commit_callbacks):
    from accounts.services import user_create

    with django_capture_on_commit_callbacks(execute=True):
        with tenant_context(tenant):
            return user_create(email=email)


def test_a_new_employee_updates_the_seat_count_in_stripe(
    paying_acme, stripe_fake, django_capture_on_commit_callbacks
):
    acme, subscription = paying_acme

    _add_employee(acme, "new@acme.example", django_capture_on_commit_callbacks)

    (call,) = stripe_fake.calls("POST", "/v1/subscription_items/")
    item_id = subscription["items"]["data"][0]["id"]
    assert call.path == f"/v1/subscription_items/{item_id}"
    assert call.params == {"quantity": "2", "proration_behavior": "create_prorations"}
    sync = SeatSync.objects.get()
    assert call.headers["idempotency-key"] == sync.idempotency_key
    assert sync.idempotency_key.startswith(f"seats:{acme.pk}:")
    assert (sync.seats_before, sync.seats, sync.status) == (1, 2, "synced")
    assert BillingAccount.objects.get(tenant=acme).seats == 2
    assert stripe_fake.snapshot(subscription["id"])["items"]["data"][0]["quantity"] == 2
    entry = BillingAuditEntry.objects.get(tenant=acme, action="seats_synced")
    assert entry.changes == {"seats": [1, 2]}


def test_changes_in_a_burst_schedule_one_delayed_sync(
    paying_acme, stripe_fake, monkeypatch, settings, django_capture_on_commit_callbacks
):
    acme, subscription = paying_acme
    settings.BILLING_SEAT_SYNC_DELAY_SECONDS = 60
    scheduled = []
    monkeypatch.setattr(
        tasks.seats_sync,
        "apply_async",
        lambda args=None, kwargs=None, **options: scheduled.append((args, options["countdown"])),
    )

    for index in range(3):
        _add_employee(acme, f"burst{index}@acme.example", django_capture_on_commit_callbacks)

    assert scheduled == [([acme.pk], 60)]
    assert stripe_fake.calls("POST", "/v1/subscription_items/") == []
    with tenant_context(acme):
        (message,) = OutboxMessage.objects.all()

    # The delayed task runs once, with the count at that moment, as the broker delivers it.
    tasks.seats_sync.apply(
        args=[acme.pk],
        headers={"_outbox_id": message.pk, "_outbox_schema": acme.schema_name},
    ).get()

    (call,) = stripe_fake.calls("POST", "/v1/subscription_items/")
    assert call.params["quantity"] == "4"
    with tenant_context(acme):
        assert not OutboxMessage.objects.exists()
    # Done: the next change schedules the next sync.
    _add_employee(acme, "later@acme.example", django_capture_on_commit_callbacks)
    assert scheduled == [([acme.pk], 60), ([acme.pk], 60)]


def test_a_failed_update_is_retried_with_the_same_idempotency_key(
    paying_acme, stripe_fake, user_in
):
    acme, subscription = paying_acme
    user_in(acme, email="new@acme.example")
    stripe_fake.fail_next("POST", "/v1/subscription_items/", status=500)

    with pytest.raises(StripeUnavailable):
        seats_sync(tenant=acme)

    pending = SeatSync.objects.get()
    assert (pending.status, pending.seats) == ("pending", 2)
    assert BillingAccount.objects.get(tenant=acme).seats == 1

    seats_sync(tenant=acme)

    first, second = stripe_fake.requests
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert (first.status, second.status) == (500, 200)
    pending.refresh_from_db()
    assert pending.status == "synced"
    assert BillingAccount.objects.get(tenant=acme).seats == 2


def test_a_replayed_request_is_not_applied_twice(paying_acme, stripe_fake, user_in):
    acme, subscription = paying_acme
    user_in(acme, email="new@acme.example")
    seats_sync(tenant=acme)
    sync = SeatSync.objects.get()
    # Stripe applied the change, but the answer was lost: the same change is sent again.
    SeatSync.objects.filter(pk=sync.pk).update(status="pending")
    BillingAccount.objects.filter(tenant=acme).update(seats=1)

    seats_sync(tenant=acme)

    assert [r.replayed for r in stripe_fake.requests] == [False, True]
    assert len(stripe_fake.calls("POST", "/v1/subscription_items/")) == 1
    assert BillingAccount.objects.get(tenant=acme).seats == 2


def test_going_back_to_an_earlier_count_uses_a_new_key(paying_acme, stripe_fake, user_in):
    from accounts.models import User

    acme, subscription = paying_acme
    newcomer = user_in(acme, email="new@acme.example")
    seats_sync(tenant=acme)
    with tenant_context(acme):
        User.objects.filter(pk=newcomer.pk).update(is_active=False)

    seats_sync(tenant=acme)

    up, down = stripe_fake.calls("POST", "/v1/subscription_items/")
    assert (up.params["quantity"], down.params["quantity"]) == ("2", "1")
    assert up.headers["idempotency-key"] != down.headers["idempotency-key"]
    assert BillingAccount.objects.get(tenant=acme).seats == 1


def test_a_pending_change_is_superseded_by_a_newer_count(paying_acme, stripe_fake, user_in):
    acme, subscription = paying_acme
    user_in(acme, email="one@acme.example")
    stripe_fake.fail_next("POST", "/v1/subscription_items/", status=500)
    with pytest.raises(StripeUnavailable):
        seats_sync(tenant=acme)
    user_in(acme, email="two@acme.example")

    seats_sync(tenant=acme)

    assert list(SeatSync.objects.order_by("pk").values_list("seats", "status")) == [
        (2, "superseded"),
        (3, "synced"),
    ]
    assert stripe_fake.calls("POST", "/v1/subscription_items/")[-1].params["quantity"] == "3"


def test_no_change_no_call(paying_acme, stripe_fake):
    acme, subscription = paying_acme

    assert seats_sync(tenant=acme) is None
    assert stripe_fake.requests == []
    assert SeatSync.objects.count() == 0


def test_flat_priced_cities_never_sync_seats(
    paris, stripe_fake, monkeypatch, django_capture_on_commit_callbacks
):
    scheduled = []
    monkeypatch.setattr(tasks.seats_sync, "apply_async", lambda *a, **k: scheduled.append(a))

    _add_employee(paris, "new@paris.example", django_capture_on_commit_callbacks)

    assert seats_are_billed(paris) is False
    assert scheduled == []
    with tenant_context(paris):
        assert not OutboxMessage.objects.filter(task_name="billing.tasks.seats_sync").exists()
    assert seats_sync(tenant=paris) is None
    assert stripe_fake.requests == []


def test_a_company_on_its_local_trial_has_nothing_to_sync(acme, stripe_fake, user_in):
    user_in(acme, email="new@acme.example")

    assert seats_sync(tenant=acme) is None
    assert stripe_fake.requests == []


def test_a_platform_user_outside_any_tenant_schedules_no_seat_sync(
    db, django_capture_on_commit_callbacks
):
    from django.db import connection

    from accounts.models import User
    from accounts.services import user_signup_record

    staff = User.objects.create_user(email="staff@entraide.example")  # public schema

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user_signup_record(user=staff, method="email")

    assert seats_are_billed(connection.tenant) is False
    assert callbacks == []
    assert not OutboxMessage.objects.exists()

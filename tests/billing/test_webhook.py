"""POST /billing/stripe/webhook/ on the public host: verified, stored once, processed once."""

import datetime as dt
import time

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from billing.models import BillingAuditEntry, StripeEvent
from billing.services import stripe_event_process, subscription_sync
from config.celery import app
from tenants.outbox.models import OutboxMessage
from tenants.outbox.services import outbox_sweep
from tests.billing.conftest import WEBHOOK_URL
from tests.tenants.private_redis import RedisServer, pointed_at
from tests.tenants.private_redis import deliver as run_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_paris(paris, subscribe, stripe_fake):
    """Paris with a paid (active) Stripe subscription."""
    subscription = subscribe(paris)
    stripe_fake.subscription_status_set(subscription["id"], "active")
    subscription_sync(tenant=paris, source="reconcile")
    assert paris.billing_state == "active"
    # Start each test from an empty event log and request record.
    StripeEvent.objects.all().delete()
    stripe_fake.requests.clear()
    return paris, subscription


def _event(stripe_fake, subscription, event_type="customer.subscription.updated"):
    return stripe_fake.event(event_type, stripe_fake.snapshot(subscription["id"]))


def test_valid_event_is_stored_once_and_processed(active_paris, stripe_fake, deliver):
    paris, subscription = active_paris
    payload = _event(stripe_fake, subscription)

    response = deliver(stripe_fake, payload)

    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    event = StripeEvent.objects.get()
    assert (event.type, event.status, event.tenant_id, event.attempts) == (
        "customer.subscription.updated",
        "processed",
        paris.pk,
        1,
    )
    assert event.subscription_id == subscription["id"]
    # Processing re-fetched the subscription from Stripe rather than trusting the payload.
    assert len(stripe_fake.calls("GET", "/v1/subscriptions")) == 1
    paris.refresh_from_db()
    assert paris.billing_state == "active"


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param("t=1,v1=deadbeef", id="forged"),
        pytest.param("", id="missing"),
        pytest.param("garbage", id="malformed"),
    ],
)
def test_bad_signature_is_400_and_nothing_is_stored(active_paris, stripe_fake, deliver, signature):
    paris, subscription = active_paris
    stripe_fake.subscription_status_set(subscription["id"], "canceled")
    payload = _event(stripe_fake, subscription, "customer.subscription.deleted")

    response = deliver(stripe_fake, payload, signature=signature)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid signature.",
        "code": "stripe_signature_invalid",
        "fields": {},
    }
    assert StripeEvent.objects.count() == 0
    assert stripe_fake.requests == []
    paris.refresh_from_db()
    assert paris.billing_state == "active"


def test_event_signed_with_another_secret_is_400(active_paris, stripe_fake, deliver):
    paris, subscription = active_paris
    payload = _event(stripe_fake, subscription)

    response = deliver(
        stripe_fake, payload, signature=stripe_fake.sign(payload, secret="whsec_attacker")
    )

    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0


def test_tampered_body_is_400(active_paris, stripe_fake, deliver):
    paris, subscription = active_paris
    payload = _event(stripe_fake, subscription)
    signature = stripe_fake.sign(payload)

    response = deliver(
        stripe_fake, payload.replace(b'"active"', b'"canceled"'), signature=signature
    )

    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0


def test_stale_timestamp_is_400_and_nothing_is_stored(active_paris, stripe_fake, deliver):
    paris, subscription = active_paris
    payload = _event(stripe_fake, subscription)
    six_minutes_ago = int(time.time()) - 360

    response = deliver(
        stripe_fake, payload, signature=stripe_fake.sign(payload, timestamp=six_minutes_ago)
    )

    assert response.status_code == 400
    assert response.json()["code"] == "stripe_signature_invalid"
    assert StripeEvent.objects.count() == 0


def test_future_timestamp_is_400_and_nothing_is_stored(active_paris, stripe_fake, deliver):
    paris, subscription = active_paris
    payload = _event(stripe_fake, subscription)
    in_ten_minutes = int(time.time()) + 600

    response = deliver(
        stripe_fake, payload, signature=stripe_fake.sign(payload, timestamp=in_ten_minutes)
    )

    assert response.status_code == 400
    assert response.json()["code"] == "stripe_signature_invalid"
    assert StripeEvent.objects.count() == 0


def test_timestamp_slightly_ahead_inside_the_tolerance_is_accepted(
    active_paris, stripe_fake, deliver
):
    paris, subscription = active_paris
    payload = _event(stripe_fake, subscription)
    in_four_minutes = int(time.time()) + 240

    response = deliver(
        stripe_fake, payload, signature=stripe_fake.sign(payload, timestamp=in_four_minutes)
    )

    assert response.status_code == 200
    assert StripeEvent.objects.count() == 1


def test_timestamp_inside_the_tolerance_is_accepted(active_paris, stripe_fake, deliver):
    paris, subscription = active_paris
    payload = _event(stripe_fake, subscription)
    four_minutes_ago = int(time.time()) - 240

    response = deliver(
        stripe_fake, payload, signature=stripe_fake.sign(payload, timestamp=four_minutes_ago)
    )

    assert response.status_code == 200


def test_signed_body_that_is_not_an_event_is_400(stripe_fake, deliver, db):
    payload = b'{"hello": "world"}'

    response = deliver(stripe_fake, payload)

    assert response.status_code == 400
    assert response.json()["code"] == "stripe_payload_invalid"
    assert StripeEvent.objects.count() == 0


def test_duplicate_is_200_and_processed_once(active_paris, stripe_fake, deliver):
    paris, subscription = active_paris
    stripe_fake.subscription_status_set(subscription["id"], "past_due")
    payload = _event(stripe_fake, subscription)

    first = deliver(stripe_fake, payload)
    second = deliver(stripe_fake, payload)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["duplicate"] is False
    assert second.json()["duplicate"] is True
    assert StripeEvent.objects.count() == 1
    assert StripeEvent.objects.get().attempts == 1
    assert len(stripe_fake.calls("GET", "/v1/subscriptions")) == 1
    assert (
        BillingAuditEntry.objects.filter(
            tenant=paris, action="state_changed", source="stripe_event"
        ).count()
        == 1
    )


def test_unhandled_event_type_is_stored_as_ignored_without_a_stripe_call(
    active_paris, stripe_fake, deliver
):
    payload = stripe_fake.event("customer.updated", {"id": "cus_x", "object": "customer"})

    response = deliver(stripe_fake, payload)

    assert response.status_code == 200
    assert StripeEvent.objects.get().status == "ignored"
    assert stripe_fake.requests == []


def test_event_of_an_unknown_customer_is_ignored(stripe_fake, deliver, paris):
    subscription = stripe_fake.subscription_create(
        customer="cus_stranger", price="price_test_city_essential_month"
    )
    payload = stripe_fake.event("customer.subscription.updated", subscription)

    response = deliver(stripe_fake, payload)

    assert response.status_code == 200
    event = StripeEvent.objects.get()
    assert (event.status, event.tenant_id, event.error) == ("ignored", None, "unknown customer")
    paris.refresh_from_db()
    assert paris.billing_state == "trialing"


def test_failed_processing_is_retried_by_a_redelivery(active_paris, stripe_fake, deliver):
    paris, subscription = active_paris
    stripe_fake.subscription_status_set(subscription["id"], "past_due")
    payload = _event(stripe_fake, subscription)

    stripe_fake.fail_next("GET", "/v1/subscriptions", status=500)
    # Eager Celery hands the task's failure (a retry) back to the caller.
    with pytest.raises(Retry):
        deliver(stripe_fake, payload)
    event = StripeEvent.objects.get()
    assert (event.status, event.attempts) == ("failed", 1)
    paris.refresh_from_db()
    assert paris.billing_state == "active"

    response = deliver(stripe_fake, payload)

    assert response.status_code == 200
    event.refresh_from_db()
    assert event.status == "processed"
    paris.refresh_from_db()
    assert paris.billing_state == "past_due"


def test_processing_failure_marks_the_event_failed_and_changes_nothing(
    active_paris, stripe_fake, django_capture_on_commit_callbacks, client_for
):
    from billing.services import stripe_event_receive
    from billing.stripe_client import StripeUnavailable, webhook_event_construct

    paris, subscription = active_paris
    stripe_fake.subscription_status_set(subscription["id"], "past_due")
    payload = _event(stripe_fake, subscription)
    record, created = stripe_event_receive(
        event=webhook_event_construct(payload, stripe_fake.sign(payload))
    )
    stripe_fake.fail_next("GET", "/v1/subscriptions", status=503)

    with pytest.raises(StripeUnavailable):
        stripe_event_process(event_pk=record.pk)

    record.refresh_from_db()
    assert (record.status, record.error, record.attempts) == ("failed", "StripeUnavailable", 1)
    paris.refresh_from_db()
    assert paris.billing_state == "active"

    stripe_event_process(event_pk=record.pk)

    record.refresh_from_db()
    assert (record.status, record.attempts) == ("processed", 2)
    paris.refresh_from_db()
    assert paris.billing_state == "past_due"


def test_processing_an_already_processed_event_does_nothing(active_paris, stripe_fake, deliver):
    paris, subscription = active_paris
    deliver(stripe_fake, _event(stripe_fake, subscription))
    event = StripeEvent.objects.get()
    calls = len(stripe_fake.requests)

    stripe_event_process(event_pk=event.pk)

    event.refresh_from_db()
    assert (event.status, event.attempts) == ("processed", 1)
    assert len(stripe_fake.requests) == calls


def test_webhook_is_not_served_on_a_tenant_host(active_paris, stripe_fake, client_for):
    paris, subscription = active_paris
    payload = _event(stripe_fake, subscription)

    response = client_for(paris).post(
        WEBHOOK_URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_fake.sign(payload),
    )

    assert response.status_code == 404
    assert StripeEvent.objects.count() == 0


@pytest.mark.parametrize("form", ["multipart", "urlencoded"])
def test_a_form_body_is_400_and_nothing_is_stored(client_for, db, form):
    client = client_for(None)
    if form == "multipart":
        response = client.post(WEBHOOK_URL, {"type": "invoice.paid"})
    else:
        response = client.post(
            WEBHOOK_URL, "type=invoice.paid", content_type="application/x-www-form-urlencoded"
        )

    assert response.status_code == 400
    assert response.json()["code"] == "stripe_payload_invalid"
    assert StripeEvent.objects.count() == 0


def test_webhook_answers_only_post(client_for, db):
    assert client_for(None).get(WEBHOOK_URL).status_code == 405
    assert StripeEvent.objects.count() == 0


def test_events_left_unprocessed_are_picked_up_by_the_schedule(
    active_paris, stripe_fake, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    from billing import tasks
    from billing.services import stripe_event_receive
    from billing.stripe_client import webhook_event_construct

    paris, subscription = active_paris
    stripe_fake.subscription_status_set(subscription["id"], "past_due")
    payload = _event(stripe_fake, subscription)
    # Stored, but its task was lost (no on_commit run here: a worker died, say).
    record, _ = stripe_event_receive(
        event=webhook_event_construct(payload, stripe_fake.sign(payload))
    )
    fresh = tasks.stripe_events_retry_stale.delay().get()
    assert fresh == 0  # too recent: its own task may still be on its way
    StripeEvent.objects.filter(pk=record.pk).update(
        received_at=timezone.now() - dt.timedelta(minutes=11)
    )

    # Re-scheduled through the outbox: sent once the schedule's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.stripe_events_retry_stale.delay().get() == 1

    record.refresh_from_db()
    assert record.status == "processed"
    paris.refresh_from_db()
    assert paris.billing_state == "past_due"


def test_scheduled_deadline_task_suspends_expired_grace_periods(active_paris, stripe_fake, deliver):
    import datetime as dt

    from django.utils import timezone

    from billing import tasks

    paris, subscription = active_paris
    stripe_fake.subscription_status_set(subscription["id"], "past_due")
    deliver(stripe_fake, _event(stripe_fake, subscription))
    Tenant = type(paris)
    paris.refresh_from_db()
    paris.billing_grace_until = timezone.now() - dt.timedelta(seconds=1)
    paris.save(update_fields=["billing_grace_until"])

    assert tasks.billing_deadlines_enforce.delay().get() >= 1

    assert Tenant.objects.get(pk=paris.pk).billing_state == "suspended"


def test_an_event_stored_while_the_broker_is_down_is_sent_by_the_next_sweep(
    active_paris, stripe_fake, deliver, settings, tmp_path
):
    """Not the 10-minute schedule: its task is in the outbox, written with the event."""

    paris, subscription = active_paris
    stripe_fake.subscription_status_set(subscription["id"], "past_due")
    payload = _event(stripe_fake, subscription)
    later = timezone.now() + dt.timedelta(minutes=1)
    broker = RedisServer(str(tmp_path))
    broker.start()
    try:
        with pointed_at(broker, settings):
            broker.stop()
            first = deliver(stripe_fake, payload)
            # Stripe delivers it again while it is still unprocessed: scheduled again.
            again = deliver(stripe_fake, payload)

            assert first.json() == {"received": True, "duplicate": False}
            assert again.json() == {"received": True, "duplicate": True}
            event = StripeEvent.objects.get()
            assert event.status == "received"
            assert list(OutboxMessage.objects.values_list("task_name", "args", "status")) == [
                ("billing.tasks.stripe_event_process", [event.pk], "pending"),
                ("billing.tasks.stripe_event_process", [event.pk], "pending"),
            ]

            broker.start()
            assert outbox_sweep(tasks=app.tasks, now=later, full=True).sent == 2
            for message in broker.queue(settings.CELERY_TASK_DEFAULT_QUEUE):
                run_message(message)
    finally:
        broker.stop()

    event.refresh_from_db()
    assert (event.status, event.attempts) == ("processed", 1)
    assert len(stripe_fake.calls("GET", "/v1/subscriptions")) == 1
    paris.refresh_from_db()
    assert paris.billing_state == "past_due"
    assert not OutboxMessage.objects.exists()
    # Once processed, a redelivery schedules nothing.
    assert deliver(stripe_fake, payload).json()["duplicate"] is True
    assert not OutboxMessage.objects.exists()

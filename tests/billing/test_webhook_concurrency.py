"""Two copies of one event at the same moment, on two connections: one stored, one processed,
both answered 200.

The copies must see each other's writes, so the work runs on other threads' connections
(committed data), and the fixture puts everything back afterwards.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from billing.models import BillingAccount, BillingAuditEntry, StripeEvent
from billing.services import subscription_sync
from billing.services.checkout import _customer_ensure
from tenants.models import Tenant
from tests.billing.conftest import WEBHOOK_URL

# The marker makes the session create the test database; the committed work itself runs on
# other threads' connections, outside this test's transaction.
pytestmark = pytest.mark.django_db

TENANT_FIELDS = ("billing_state", "billing_grace_until", "billing_trial_ends_at", "billing_plan")
ACCOUNT_FIELDS = (
    "stripe_customer_id",
    "stripe_subscription_id",
    "stripe_subscription_item_id",
    "stripe_status",
    "cancel_at_period_end",
    "current_period_end",
    "seats",
    "synced_at",
    "plan_code",
    "interval",
)


def in_thread(function: Callable[[], Any]) -> Any:
    """Run on a connection of its own (autocommit, outside this test's transaction)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            connection.set_schema_to_public()
            outcome["value"] = function()
        except BaseException as error:  # noqa: BLE001 - re-raised below
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.fixture
def committed_subscription(stripe_fake):
    """Paris with an active subscription, committed; everything is put back afterwards."""
    state: dict[str, Any] = {}

    def setup() -> tuple[Tenant, dict[str, Any]]:
        paris = Tenant.objects.get(slug="paris")
        account = BillingAccount.objects.get(tenant=paris)
        state["account_pk"] = account.pk
        state["tenant"] = {name: getattr(paris, name) for name in TENANT_FIELDS}
        state["account"] = {name: getattr(account, name) for name in ACCOUNT_FIELDS}
        state["last_audit"] = (
            BillingAuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )
        state["customer_id"] = _customer_ensure(tenant=paris)
        subscription = stripe_fake.subscription_create(
            customer=state["customer_id"],
            price="price_test_city_essential_month",
            tenant_id=paris.pk,
        )
        subscription_sync(tenant=paris, source="reconcile")
        return paris, subscription

    def teardown() -> None:
        if "customer_id" in state:
            StripeEvent.objects.filter(customer_id=state["customer_id"]).delete()
        BillingAuditEntry.objects.filter(pk__gt=state["last_audit"]).delete()
        BillingAccount.objects.filter(pk=state["account_pk"]).update(**state["account"])
        paris = Tenant.objects.get(slug="paris")
        for name, value in state["tenant"].items():
            setattr(paris, name, value)
        paris.save(update_fields=[*TENANT_FIELDS, "updated_at"])

    try:
        paris, subscription = in_thread(setup)
        stripe_fake.requests.clear()
        yield paris, subscription
    finally:
        if "account_pk" in state:
            in_thread(teardown)


def test_two_copies_at_the_same_moment_store_and_process_the_event_once(
    committed_subscription, stripe_fake, monkeypatch
):
    paris, subscription = committed_subscription
    stripe_fake.subscription_status_set(subscription["id"], "past_due")
    payload = stripe_fake.event(
        "invoice.payment_failed", stripe_fake.invoice(subscription["id"], paid=False)
    )
    signature = stripe_fake.sign(payload)

    # Both requests reach the INSERT together; the first to insert holds its transaction open a
    # moment, so the second one's INSERT waits on the unique index and then fails.
    arrived = threading.Barrier(2, timeout=10)
    original_save = StripeEvent.save

    def save(self: StripeEvent, *args: Any, **kwargs: Any) -> None:
        if self.pk is None:
            arrived.wait()
            original_save(self, *args, **kwargs)
            time.sleep(0.3)
            return
        original_save(self, *args, **kwargs)

    monkeypatch.setattr(StripeEvent, "save", save)
    responses: list[Any] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            client = Client(HTTP_HOST=settings.BASE_DOMAIN)
            responses.append(
                client.post(
                    WEBHOOK_URL,
                    data=payload,
                    content_type="application/json",
                    HTTP_STRIPE_SIGNATURE=signature,
                )
            )
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(r.status_code for r in responses) == [200, 200]
    assert sorted(r.json()["duplicate"] for r in responses) == [False, True]

    def committed() -> tuple[list[tuple[str, str, int]], int, str]:
        events = list(StripeEvent.objects.filter(customer_id=subscription["customer"]))
        audits = BillingAuditEntry.objects.filter(
            tenant_id=paris.pk, action="payment_failed", stripe_event_id=events[0].event_id
        ).count()
        state = Tenant.objects.get(pk=paris.pk).billing_state
        return [(e.type, e.status, e.attempts) for e in events], audits, state

    events, audits, state = in_thread(committed)
    assert events == [("invoice.payment_failed", "processed", 1)]
    assert audits == 1
    assert state == "past_due"
    assert len(stripe_fake.calls("GET", "/v1/subscriptions")) == 1

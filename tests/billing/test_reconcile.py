"""manage.py billing_reconcile: compares every tenant with Stripe, fixes drift, prints changes."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing.models import BillingAccount, BillingAuditEntry

pytestmark = pytest.mark.django_db


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("billing_reconcile", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def drifted_paris(paris, acme, subscribe, stripe_fake):
    """Paris paid, then canceled in Stripe while the webhook was lost; Acme is in sync."""
    paris_subscription = subscribe(paris)
    stripe_fake.subscription_status_set(paris_subscription["id"], "active")
    subscribe(acme)
    from billing.services import subscription_sync

    subscription_sync(tenant=paris, source="reconcile")
    stripe_fake.subscription_status_set(paris_subscription["id"], "canceled")
    BillingAuditEntry.objects.filter(source="reconcile").delete()
    return paris


def test_reconcile_fixes_drift_and_prints_it(drifted_paris, stripe_fake):
    out, err = _run()

    assert out.splitlines() == [
        "paris: billing_state active → suspended; stripe_status active → canceled",
        "Checked 3 tenant(s): 1 changed, 0 failed.",
    ]
    assert err == ""
    drifted_paris.refresh_from_db()
    assert drifted_paris.billing_state == "suspended"
    assert BillingAccount.objects.get(tenant=drifted_paris).stripe_status == "canceled"
    entry = BillingAuditEntry.objects.get(source="reconcile")
    assert (entry.tenant_id, entry.action, entry.changes["billing_state"]) == (
        drifted_paris.pk,
        "state_changed",
        ["active", "suspended"],
    )


def test_reconcile_twice_changes_nothing_the_second_time(drifted_paris):
    _run()

    out, _ = _run()

    assert out.splitlines() == ["Checked 3 tenant(s): 0 changed, 0 failed."]


def test_dry_run_prints_and_writes_nothing(drifted_paris):
    out, _ = _run("--dry-run")

    assert out.splitlines() == [
        "paris: billing_state active → suspended; stripe_status active → canceled",
        "Checked 3 tenant(s): 1 changed, 0 failed (dry run: nothing written).",
    ]
    drifted_paris.refresh_from_db()
    assert drifted_paris.billing_state == "active"
    assert BillingAccount.objects.get(tenant=drifted_paris).stripe_status == "active"
    assert BillingAuditEntry.objects.filter(source="reconcile").count() == 0


def test_reconcile_one_tenant(drifted_paris, stripe_fake):
    stripe_fake.requests.clear()

    out, _ = _run("--tenant", "acme", "--verbosity", "2")

    assert out.splitlines() == ["acme: in sync", "Checked 1 tenant(s): 0 changed, 0 failed."]
    assert len(stripe_fake.calls("GET", "/v1/subscriptions")) == 1


def test_unknown_tenant_is_an_error(db):
    with pytest.raises(CommandError, match="No tenant with slug: atlantis"):
        _run("--tenant", "atlantis")


def test_stripe_down_for_one_tenant_is_reported_and_fails_the_command(drifted_paris, stripe_fake):
    stripe_fake.fail_next("GET", "/v1/subscriptions", status=503)
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="1 tenant"):
        call_command("billing_reconcile", stdout=out, stderr=err)

    assert err.getvalue().startswith("acme: Stripe unavailable")
    assert "paris: billing_state active → suspended" in out.getvalue()


def test_tenants_without_a_stripe_customer_are_checked_without_a_call(paris, stripe_fake):
    out, _ = _run("--tenant", "paris")

    assert out.splitlines() == ["Checked 1 tenant(s): 0 changed, 0 failed."]
    assert stripe_fake.requests == []


def test_reconcile_brings_a_companys_seats_in_line(acme, subscribe, stripe_fake, user_in):
    subscription = subscribe(acme)  # billed for 1 seat: the admin
    stripe_fake.subscription_status_set(subscription["id"], "active")
    from billing.services import subscription_sync

    subscription_sync(tenant=acme, source="reconcile")
    user_in(acme, email="one@acme.example")  # its seat sync was lost
    user_in(acme, email="two@acme.example")

    dry, _ = _run("--tenant", "acme", "--dry-run")
    out, _ = _run("--tenant", "acme")

    assert dry.splitlines()[0] == "acme: seats 1 → 3"
    assert out.splitlines() == ["acme: seats 1 → 3", "Checked 1 tenant(s): 1 changed, 0 failed."]
    assert BillingAccount.objects.get(tenant=acme).seats == 3
    assert stripe_fake.snapshot(subscription["id"])["items"]["data"][0]["quantity"] == 3
    assert _run("--tenant", "acme")[0].splitlines() == ["Checked 1 tenant(s): 0 changed, 0 failed."]

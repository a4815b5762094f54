"""Billing in the platform console (public host, platform staff only)."""

import pytest

from billing.models import BillingAccount, StripeEvent

pytestmark = pytest.mark.django_db

PAGES = [
    "/console/billing/billingaccount/",
    "/console/billing/stripeevent/",
    "/console/billing/seatsync/",
    "/console/billing/billingauditentry/",
]


@pytest.fixture
def staff(client_for):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User

    user = User.objects.create_superuser(email="staff@entraide.test", password="x" * 12)
    client = client_for(None)
    client.force_login(user)
    # The console needs the second factor too (tenants/platform_staff.py).
    device = TOTPDevice.objects.create(user=user, name="console", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.mark.parametrize("path", PAGES)
def test_console_lists_billing_records(staff, paris, path, django_assert_max_num_queries):
    staff.get(path)  # warm the session and content types

    with django_assert_max_num_queries(12):
        response = staff.get(path)

    assert response.status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_console_billing_is_not_for_tenant_users(client_for, tenant_admin, paris, path):
    assert client_for(None).get(path).status_code == 302  # to the console's login
    assert tenant_admin(paris).get(path).status_code == 404  # no console on tenant hosts


def test_console_sync_action_fixes_drift(staff, paris, subscribe, stripe_fake):
    subscription = subscribe(paris)
    stripe_fake.subscription_status_set(subscription["id"], "unpaid")
    account = BillingAccount.objects.get(tenant=paris)

    response = staff.post(
        "/console/billing/billingaccount/",
        {"action": "sync_from_stripe", "_selected_action": [account.pk]},
    )

    assert response.status_code == 302
    paris.refresh_from_db()
    assert paris.billing_state == "suspended"


def test_console_can_process_an_event_again(
    staff, paris, subscribe, stripe_fake, django_capture_on_commit_callbacks
):
    subscribe(paris)
    event = StripeEvent.objects.get()
    calls = len(stripe_fake.calls("GET", "/v1/subscriptions"))

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            "/console/billing/stripeevent/",
            {"action": "process_again", "_selected_action": [event.pk]},
        )

    event.refresh_from_db()
    assert (event.status, event.attempts) == ("processed", 2)
    assert len(stripe_fake.calls("GET", "/v1/subscriptions")) == calls + 1

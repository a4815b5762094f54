"""The whole sign-up without a browser: form → e-mail (SMTP) → Checkout (fake Stripe) → webhook →
provisioning (eager task) → progress page → hand-off on the new tenant."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_exists

from billing.models import BillingAccount, StripeEvent
from signup.models import SignupRequest
from signup.services import signup_retry
from tenants.models import Domain, Tenant
from tests.signup.conftest import form_data

pytestmark = pytest.mark.django_db


def test_unverified_sign_up_has_no_checkout(public_client: Any, smtp_inbox: Any) -> None:
    response = public_client.post("/signup/", form_data())
    assert response.status_code == 302
    signup = SignupRequest.objects.get(slug="testville")
    assert signup.status == SignupRequest.Status.EMAIL_SENT
    response = public_client.get(f"/signup/{signup.public_id}/checkout/")
    assert response.status_code == 400
    assert not Tenant.objects.filter(slug="testville").exists()


def test_verification_e_mail_goes_over_smtp_and_its_link_verifies(
    signup_verified: Callable[..., Any], smtp_inbox: Any
) -> None:
    client, signup = signup_verified()
    [email] = smtp_inbox.to("maire@testville.example")
    assert "testville.entraide.test" in email.text
    signup.refresh_from_db()
    assert signup.status == SignupRequest.Status.VERIFIED
    assert signup.email_verified_at is not None


def test_forged_or_foreign_verification_links_are_refused(public_client: Any, paris: Any) -> None:
    from tenants.signing import tenant_dumps

    response = public_client.get("/signup/verify/garbage/")
    assert response.status_code == 400
    # Signed in a tenant's scope: not valid on the base domain.
    token = tenant_dumps(
        "signup_email", {"s": "00000000-0000-0000-0000-000000000000"}, tenant=paris
    )
    connection.set_schema_to_public()
    assert public_client.get(f"/signup/verify/{token}/").status_code == 400


def test_checkout_starts_with_the_plan_and_its_trial(
    signup_verified: Callable[..., Any], stripe_fake: Any
) -> None:
    client, signup = signup_verified(
        kind="company", slug="globexcorp", plan="company_standard", interval="year"
    )
    response = client.get(f"/signup/{signup.public_id}/checkout/")
    assert response.status_code == 302
    [call] = stripe_fake.calls("POST", "/v1/checkout/sessions")
    params = call.params
    assert params["mode"] == "subscription"
    assert params["metadata"] == {"signup_id": str(signup.public_id)}
    assert params["client_reference_id"] == f"signup_{signup.public_id}"
    assert params["line_items"] == [{"price": "price_test_company_standard_year", "quantity": "1"}]
    assert (
        params["subscription_data"]["trial_period_days"] == "30"
        or int(params["subscription_data"]["trial_period_days"]) > 0
    )
    assert params["success_url"].endswith(
        f"/signup/{signup.public_id}/progress/?session_id={{CHECKOUT_SESSION_ID}}"
    )
    [customer] = stripe_fake.calls("POST", "/v1/customers")
    assert customer.params["email"] == "maire@testville.example"
    signup.refresh_from_db()
    assert signup.status == SignupRequest.Status.CHECKOUT
    assert not Tenant.objects.filter(slug="globexcorp").exists()


def test_the_whole_walk_provisions_a_tenant_with_the_checkout_subscription(
    signup_paid: Callable[..., Any], stripe_fake: Any, smtp_inbox: Any, client_for: Any
) -> None:
    client, signup, _payload = signup_paid()
    assert signup.status == SignupRequest.Status.READY, signup.error
    tenant = Tenant.objects.get(slug="testville")
    assert signup.tenant == tenant
    assert tenant.name == "Ville de Testville"
    account = BillingAccount.objects.get(tenant=tenant)
    assert account.stripe_customer_id == signup.stripe_customer_id
    assert account.stripe_subscription_id == signup.stripe_subscription_id
    assert account.stripe_status == "trialing"
    assert tenant.billing_state == Tenant.BillingState.TRIALING
    # The set-password e-mail, so the admin can sign in again later.
    [ready] = [
        m
        for m in smtp_inbox.to("maire@testville.example")
        if "/accounts/password/reset/key/" in m.text
    ]
    assert "testville.entraide.test" in ready.text

    # The progress page (this browser only) sends the admin on, signed in, once.
    progress = client.get(f"/signup/{signup.public_id}/progress/")
    assert progress.status_code == 302
    assert progress["Location"] == f"/signup/{signup.public_id}/go/"
    htmx = client.get(f"/signup/{signup.public_id}/progress/", HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == f"/signup/{signup.public_id}/go/"
    go = client.get(f"/signup/{signup.public_id}/go/")
    assert go.status_code == 302
    handoff = go["Location"]
    assert handoff.startswith("http://testville.entraide.test")
    tenant_client = client_for(tenant)
    path = "/" + handoff.split("/", 3)[3]
    landed = tenant_client.get(path)
    assert landed.status_code == 302
    assert landed["Location"] == "/gestion/bienvenue/"
    connection.set_schema_to_public()
    # Signed in as the admin: the back office asks them to set up two-factor authentication
    # (admins must), where an anonymous visitor would be sent to the sign-in page.
    backoffice = tenant_client.get("/gestion/")
    assert backoffice.status_code == 302
    assert backoffice["Location"].startswith("/accounts/2fa/")
    connection.set_schema_to_public()
    # Single use.
    assert client_for(tenant).get(path).status_code == 404
    connection.set_schema_to_public()
    again = client.get(f"/signup/{signup.public_id}/go/")
    assert again.status_code == 200
    assert "/accounts/login/" in again.content.decode()


def test_progress_page_is_for_the_browser_that_signed_up_only(
    signup_paid: Callable[..., Any], client_for: Any
) -> None:
    _client, signup, _payload = signup_paid()
    stranger = client_for(None)
    assert stranger.get(f"/signup/{signup.public_id}/progress/").status_code == 404
    assert stranger.get(f"/signup/{signup.public_id}/go/").status_code == 404
    assert stranger.get(f"/signup/{signup.public_id}/checkout/").status_code == 404


def test_replayed_webhook_creates_nothing_more(
    signup_paid: Callable[..., Any], stripe_fake: Any, deliver: Any
) -> None:
    _client, signup, payload = signup_paid()
    tenants = Tenant.objects.count()
    response = deliver(stripe_fake, payload)
    assert response.status_code == 200
    # Another event for the same session (Stripe sends several; an attacker could too).
    session = stripe_fake.sessions[signup.stripe_checkout_session_id]
    assert (
        deliver(stripe_fake, stripe_fake.event("checkout.session.completed", session)).status_code
        == 200
    )
    assert Tenant.objects.count() == tenants
    signup.refresh_from_db()
    assert signup.attempts == 1
    assert StripeEvent.objects.filter(type="checkout.session.completed").count() == 2


def test_forged_webhook_is_refused_and_creates_nothing(
    signup_verified: Callable[..., Any], stripe_fake: Any, deliver: Any
) -> None:
    client, signup = signup_verified()
    response = client.get(f"/signup/{signup.public_id}/checkout/")
    session_id = response["Location"].rsplit("/", 1)[1]
    stripe_fake.checkout_complete(session_id)
    payload = stripe_fake.event("checkout.session.completed", stripe_fake.sessions[session_id])
    forged = stripe_fake.sign(payload, secret="whsec_not_ours")
    assert deliver(stripe_fake, payload, signature=forged).status_code == 400
    assert not StripeEvent.objects.exists()
    assert not Tenant.objects.filter(slug="testville").exists()
    signup.refresh_from_db()
    assert signup.status == SignupRequest.Status.CHECKOUT


def test_an_event_for_an_unpaid_session_creates_nothing(
    signup_verified: Callable[..., Any], stripe_fake: Any, deliver: Any
) -> None:
    """A genuine but early event (the session is still open in Stripe): decided from what
    Stripe says now, not from the payload."""
    client, signup = signup_verified()
    response = client.get(f"/signup/{signup.public_id}/checkout/")
    session_id = response["Location"].rsplit("/", 1)[1]
    claimed = dict(stripe_fake.sessions[session_id], status="complete", subscription="sub_forged")
    assert (
        deliver(stripe_fake, stripe_fake.event("checkout.session.completed", claimed)).status_code
        == 200
    )
    assert not Tenant.objects.filter(slug="testville").exists()
    signup.refresh_from_db()
    assert signup.status == SignupRequest.Status.CHECKOUT


def test_an_unverified_sign_up_is_never_provisioned_even_if_paid(
    public_client: Any, smtp_inbox: Any, stripe_fake: Any, deliver: Any
) -> None:
    from billing.services import signup_checkout_start

    public_client.post("/signup/", form_data())
    signup = SignupRequest.objects.get(slug="testville")
    # Someone opens a checkout for it without the e-mail link (straight through the API).
    session = signup_checkout_start(
        signup_id=str(signup.public_id), kind="city", name="x", email=signup.email,
        plan_code="city_essential", interval="month", customer_id="",
        success_url="http://x/?s={CHECKOUT_SESSION_ID}", cancel_url="http://x/",
    )  # fmt: skip
    SignupRequest.objects.filter(pk=signup.pk).update(stripe_customer_id=session.customer_id)
    stripe_fake.checkout_complete(session.id)
    deliver(
        stripe_fake,
        stripe_fake.event("checkout.session.completed", stripe_fake.sessions[session.id]),
    )
    assert not Tenant.objects.filter(slug="testville").exists()
    signup.refresh_from_db()
    assert signup.status == SignupRequest.Status.EMAIL_SENT


def test_replayed_verification_link_after_completion_is_a_readable_page(
    signup_paid: Callable[..., Any], smtp_inbox: Any
) -> None:
    client, signup, _payload = signup_paid()
    email = next(m for m in smtp_inbox.to("maire@testville.example") if "/signup/verify/" in m.text)
    path = "/" + email.text.split("/signup/verify/", 1)[1].split()[0]
    response = client.get("/signup/verify/" + path.strip("/") + "/")
    assert response.status_code == 200
    assert "testville.entraide.test" in response.content.decode()


def test_failed_provisioning_rolls_back_is_retried_reported_and_can_complete_later(
    signup_verified: Callable[..., Any],
    stripe_fake: Any,
    deliver: Any,
    provisioning_step: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    caplog: Any,
    monkeypatch: Any,
    smtp_inbox: Any,
) -> None:
    # Eager tasks re-run on retry only when their errors are not propagated (a worker's way).
    from signup.tasks import signup_provision

    monkeypatch.setitem(signup_provision.app.conf, "CELERY_TASK_EAGER_PROPAGATES", False)
    settings.ADMINS = [("Ops", "ops@entraide.example")]
    broken = {"on": True}

    def flaky(*, tenant: Any, provisioning_input: Any) -> None:
        if broken["on"]:
            raise RuntimeError("the cause")

    provisioning_step("tests.flaky", flaky, order=99)
    client, signup = signup_verified()
    response = client.get(f"/signup/{signup.public_id}/checkout/")
    session_id = response["Location"].rsplit("/", 1)[1]
    stripe_fake.checkout_complete(session_id)
    with caplog.at_level("ERROR"):
        deliver(
            stripe_fake,
            stripe_fake.event("checkout.session.completed", stripe_fake.sessions[session_id]),
        )
    signup.refresh_from_db()
    assert signup.status == SignupRequest.Status.FAILED
    assert signup.attempts == 5  # the first try and 4 retries
    assert "the cause" in signup.error
    # Nothing half-made: no tenant row, no domain, no schema.
    assert not Tenant.objects.filter(slug="testville").exists()
    assert not Domain.objects.filter(domain__startswith="testville.").exists()
    assert not schema_exists("t_testville")
    assert not BillingAccount.objects.filter(stripe_customer_id=signup.stripe_customer_id).exists()
    # Reported.
    assert any(record.message == "signup.provision.failed" for record in caplog.records)
    [report] = smtp_inbox.to("ops@entraide.example")
    assert "testville" in report.subject
    # The progress page says so.
    page = client.get(f"/signup/{signup.public_id}/progress/").content.decode()
    assert 'data-status="failed"' in page

    # Fixed, then retried (the console's action): it completes.
    broken["on"] = False
    with django_capture_on_commit_callbacks(execute=True):
        assert signup_retry(signup=signup)
    signup.refresh_from_db()
    assert signup.status == SignupRequest.Status.READY, signup.error
    assert Tenant.objects.filter(slug="testville").exists()


def test_handoff_of_one_tenant_is_nobody_on_another(
    signup_paid: Callable[..., Any], client_for: Any, paris: Any
) -> None:
    client, signup, _payload = signup_paid()
    go = client.get(f"/signup/{signup.public_id}/go/")
    path = "/" + go["Location"].split("/", 3)[3]
    on_paris = client_for(paris)
    assert on_paris.get(path).status_code == 404
    connection.set_schema_to_public()
    assert on_paris.get("/gestion/").status_code in {302, 403}
    connection.set_schema_to_public()
    # Still unused: it works on its own tenant.
    tenant = Tenant.objects.get(slug="testville")
    assert client_for(tenant).get(path).status_code == 302
    connection.set_schema_to_public()


def test_a_duplicate_delivery_of_the_provisioning_task_does_nothing_while_one_runs(
    signup_verified: Callable[..., Any], stripe_fake: Any
) -> None:
    from signup.services import signup_provision

    _client, signup = signup_verified()
    SignupRequest.objects.filter(pk=signup.pk).update(
        status=SignupRequest.Status.CREATING, stripe_subscription_id="sub_x"
    )
    assert signup_provision(signup_pk=signup.pk).status == SignupRequest.Status.CREATING
    assert not Tenant.objects.filter(slug="testville").exists()
    assert not stripe_fake.calls("GET", "/v1/subscriptions")


def test_progress_page_polls_with_fixed_queries(
    signup_verified: Callable[..., Any], django_assert_num_queries: Any
) -> None:
    """Waiting for Stripe: the page polls itself (htmx, each second; a meta refresh without
    JavaScript), each poll a fixed number of queries: the routing's host, the session, the
    sign-up."""
    client, signup = signup_verified()
    page = client.get(f"/signup/{signup.public_id}/progress/")
    assert page.status_code == 200
    content = page.content.decode()
    assert 'hx-trigger="every 1s"' in content
    assert '<noscript><meta http-equiv="refresh" content="1"></noscript>' in content
    with django_assert_num_queries(3):
        poll = client.get(f"/signup/{signup.public_id}/progress/", HTTP_HX_REQUEST="true")
    assert 'data-status="verified"' in poll.content.decode()
    assert "HX-Redirect" not in poll


def test_handoff_signs_the_admin_in_fresh_enough_to_set_up_the_second_factor(
    signup_paid: Callable[..., Any], client_for: Any
) -> None:
    from django_tenants.utils import tenant_context

    from tenants.audit.models import AuditEvent

    client, signup, _payload = signup_paid()
    go = client.get(f"/signup/{signup.public_id}/go/")
    path = "/" + go["Location"].split("/", 3)[3]
    tenant = Tenant.objects.get(slug="testville")
    on_tenant = client_for(tenant)
    assert on_tenant.get(path)["Location"] == "/gestion/bienvenue/"
    # The admin has no password yet: the e-mail proof just made counts as a fresh sign-in, so
    # setting up the second factor does not ask for one.
    activate = on_tenant.get("/accounts/2fa/totp/activate/")
    assert activate.status_code == 200
    with tenant_context(tenant):
        [event] = AuditEvent.objects.filter(action="auth.sign_in")
        assert event.data == {"methods": ["code:signup_handoff"]}
    connection.set_schema_to_public()

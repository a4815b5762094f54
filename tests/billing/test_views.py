"""The tenant admin's billing pages: permissions, Stripe parameters, cross-tenant isolation.

Paris speaks French, so its messages are asserted in French."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages

from billing.models import BillingAccount, BillingAuditEntry

pytestmark = pytest.mark.django_db

PAGES = [
    ("get", "/billing/", {}),
    ("post", "/billing/checkout/", {"plan": "city_premium", "interval": "month"}),
    ("get", "/billing/return/", {"session_id": "cs_test_x"}),
    ("post", "/billing/portal/", {}),
]


@pytest.mark.parametrize(("method", "path", "data"), PAGES)
def test_anonymous_is_sent_to_sign_in(client_for, paris, stripe_fake, method, path, data):
    response = getattr(client_for(paris), method)(path, data)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/billing/")
    assert stripe_fake.requests == []


@pytest.mark.parametrize(("method", "path", "data"), PAGES)
@pytest.mark.parametrize("role", ["volunteer", "moderator"])
def test_non_admins_are_refused(user_in, signed_in, paris, stripe_fake, method, path, data, role):
    client = signed_in(paris, user_in(paris, role=role))

    response = getattr(client, method)(path, data)

    assert response.status_code == 403
    assert stripe_fake.requests == []
    assert BillingAuditEntry.objects.filter(tenant=paris, source="tenant_admin").count() == 0


def test_billing_is_not_on_the_public_host(client_for, db):
    assert client_for(None).get("/billing/").status_code == 404


def test_admin_sees_plan_status_trial_end_and_entitlements(tenant_admin, paris, stripe_fake):
    response = tenant_admin(paris).get("/billing/")

    assert response.status_code == 200
    overview = response.context["overview"]
    assert (overview.plan.code, overview.state) == ("city_essential", "trialing")
    assert overview.trial_ends_at == paris.billing_trial_ends_at
    assert overview.can_checkout is True
    assert overview.can_open_portal is False
    body = response.content.decode()
    assert 'data-state="trialing"' in body
    assert 'data-field="trial-end"' in body
    assert 'data-action="checkout-city_premium"' in body
    assert 'data-action="checkout-company_standard"' not in body
    assert 'data-action="portal"' not in body
    assert stripe_fake.requests == []  # nothing to preview before a subscription


def test_company_admin_sees_seats_and_next_invoice(
    tenant_admin, user_in, acme, subscribe, stripe_fake
):
    user_in(acme, email="one@acme.example")
    user_in(acme, email="two@acme.example")
    subscription = subscribe(acme)
    stripe_fake.subscription_status_set(subscription["id"], "active")

    response = tenant_admin(acme).get("/billing/")

    overview = response.context["overview"]
    assert (overview.seats_active, overview.seats_billed) == (3, 3)
    assert overview.next_invoice.amount_due == 3 * 4_00
    assert str(overview.next_invoice.amount) == "12"
    body = response.content.decode()
    assert 'data-field="seats"' in body
    assert "12.00 EUR" in body
    assert 'data-action="portal"' in body
    assert "data-checkout" not in body
    # The preview is cached: a second view asks Stripe nothing more.
    tenant_admin(acme).get("/billing/")
    assert len(stripe_fake.calls("POST", "/v1/invoices/create_preview")) == 1


def test_billing_page_costs_a_bounded_number_of_queries(
    tenant_admin, paris, django_assert_max_num_queries
):
    client = tenant_admin(paris)
    for index in range(30):
        BillingAuditEntry.objects.create(
            tenant=paris, tenant_slug="paris", action="portal_opened", source="tenant_admin"
        )

    client.get("/billing/")  # the host → tenant route is cached from now on

    # session, user, search_path, billing account, active users, history
    with django_assert_max_num_queries(6):
        response = client.get("/billing/")

    assert response.status_code == 200
    assert len(response.context["overview"].history) == 10


def test_checkout_sends_stripe_the_tenant_plan_trial_and_idempotency_keys(
    tenant_admin, paris, stripe_fake
):
    response = tenant_admin(paris).post(
        "/billing/checkout/", {"plan": "city_premium", "interval": "year"}
    )

    assert response.status_code == 303
    customer_call, session_call = stripe_fake.requests
    assert (customer_call.method, customer_call.path) == ("POST", "/v1/customers")
    assert customer_call.headers["idempotency-key"] == f"customer:entraide.test:{paris.pk}"
    assert customer_call.params == {"name": "Paris", "metadata": {"tenant_id": str(paris.pk)}}
    customer_id = BillingAccount.objects.get(tenant=paris).stripe_customer_id
    assert customer_id.startswith("cus_")

    assert (session_call.method, session_call.path) == ("POST", "/v1/checkout/sessions")
    assert session_call.headers["idempotency-key"].startswith(f"checkout:{paris.pk}:")
    assert session_call.headers["stripe-version"] == "2026-10-28.endive"
    assert session_call.params == {
        "mode": "subscription",
        "customer": customer_id,
        "client_reference_id": str(paris.pk),
        "line_items": [{"price": "price_test_city_premium_year", "quantity": "1"}],
        "subscription_data": {
            "metadata": {"tenant_id": str(paris.pk)},
            "trial_end": str(int(paris.billing_trial_ends_at.timestamp())),
        },
        "success_url": "http://paris.entraide.test/billing/return/?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://paris.entraide.test/billing/",
        "locale": "fr",
    }
    session_id = response["Location"].rsplit("/", 1)[1]
    assert response["Location"] == f"https://checkout.stripe.test/c/pay/{session_id}"
    entry = BillingAuditEntry.objects.get(tenant=paris, action="checkout_started")
    assert entry.changes == {"plan": "city_premium", "interval": "year", "quantity": 1}


def test_company_checkout_is_per_seat_for_active_employees(
    tenant_admin, user_in, acme, stripe_fake
):
    from django_tenants.utils import tenant_context

    from accounts.models import User

    user_in(acme, email="one@acme.example")
    gone = user_in(acme, email="gone@acme.example")
    with tenant_context(acme):
        User.objects.filter(pk=gone.pk).update(is_active=False)

    tenant_admin(acme).post("/billing/checkout/", {"plan": "company_standard", "interval": "month"})

    (session_call,) = stripe_fake.calls("POST", "/v1/checkout/sessions")
    assert session_call.params["line_items"] == [
        {"price": "price_test_company_standard_month", "quantity": "2"}
    ]
    assert session_call.params["locale"] == "en"


def test_second_checkout_reuses_the_stripe_customer(tenant_admin, paris, stripe_fake):
    client = tenant_admin(paris)
    client.post("/billing/checkout/", {"plan": "city_essential", "interval": "month"})
    client.post("/billing/checkout/", {"plan": "city_essential", "interval": "year"})

    assert len(stripe_fake.calls("POST", "/v1/customers")) == 1
    sessions = stripe_fake.calls("POST", "/v1/checkout/sessions")
    assert len({call.headers["idempotency-key"] for call in sessions}) == 2
    assert len(stripe_fake.customers) == 1


def test_trial_is_not_offered_once_the_trial_is_nearly_over(tenant_admin, paris, stripe_fake):
    from django.utils import timezone

    paris.billing_trial_ends_at = timezone.now() + dt.timedelta(hours=20)
    paris.save(update_fields=["billing_trial_ends_at"])

    tenant_admin(paris).post("/billing/checkout/", {"plan": "city_essential", "interval": "month"})

    (session_call,) = stripe_fake.calls("POST", "/v1/checkout/sessions")
    assert "trial_end" not in session_call.params["subscription_data"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"plan": "company_standard", "interval": "month"},
            "Cette formule n’est pas proposée pour votre organisation.",
        ),
        ({"plan": "nope", "interval": "month"}, "Formule inconnue."),
        (
            {"plan": "city_essential", "interval": "week"},
            "Choisissez une formule et une périodicité.",
        ),
    ],
)
def test_invalid_checkout_is_refused_without_calling_stripe(
    tenant_admin, paris, stripe_fake, data, message
):
    client = tenant_admin(paris)

    response = client.post("/billing/checkout/", data)

    assert response.status_code == 302
    assert response["Location"] == "/billing/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [message]
    assert stripe_fake.requests == []
    assert BillingAuditEntry.objects.filter(tenant=paris, action="checkout_started").count() == 0


def test_checkout_without_a_configured_price_is_refused(tenant_admin, paris, stripe_fake, settings):
    settings.STRIPE_PRICES = {**settings.STRIPE_PRICES, "city_premium:month": ""}

    response = tenant_admin(paris).post(
        "/billing/checkout/", {"plan": "city_premium", "interval": "month"}
    )

    assert response.status_code == 302
    assert stripe_fake.requests == []


def test_checkout_when_already_subscribed_points_to_the_portal(
    tenant_admin, paris, subscribe, stripe_fake
):
    subscribe(paris)
    stripe_fake.requests.clear()

    response = tenant_admin(paris).post(
        "/billing/checkout/", {"plan": "city_premium", "interval": "month"}
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Vous avez déjà un abonnement : modifiez-le depuis le portail de facturation."
    ]
    assert stripe_fake.calls("POST", "/v1/checkout/sessions") == []


@pytest.mark.parametrize("path", ["/v1/customers", "/v1/checkout/sessions"])
def test_checkout_when_stripe_is_down_says_so(tenant_admin, paris, stripe_fake, path):
    stripe_fake.fail_next("POST", path, status=500)

    response = tenant_admin(paris).post(
        "/billing/checkout/", {"plan": "city_essential", "interval": "month"}
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Le paiement est momentanément indisponible ; réessayez dans quelques minutes."
    ]


def test_return_page_activates_at_once_without_waiting_for_the_webhook(
    tenant_admin, paris, stripe_fake
):
    from django.utils import timezone

    paris.billing_state = "suspended"
    paris.billing_trial_ends_at = timezone.now() - dt.timedelta(days=1)
    paris.save(update_fields=["billing_state", "billing_trial_ends_at"])
    client = tenant_admin(paris)
    response = client.post("/billing/checkout/", {"plan": "city_essential", "interval": "month"})
    session_id = response["Location"].rsplit("/", 1)[1]
    stripe_fake.checkout_complete(session_id)

    response = client.get("/billing/return/", {"session_id": session_id})

    assert response.status_code == 200
    assert b'data-billing-return="active"' in response.content
    paris.refresh_from_db()
    assert paris.billing_state == "active"


def test_return_page_with_another_tenants_session_is_404(
    tenant_admin, paris, acme, subscribe, stripe_fake
):
    subscribe(paris)
    acme_session = (
        tenant_admin(acme)
        .post("/billing/checkout/", {"plan": "company_standard", "interval": "month"})["Location"]
        .rsplit("/", 1)[1]
    )
    stripe_fake.checkout_complete(acme_session)
    paris_before = BillingAccount.objects.get(tenant=paris).stripe_subscription_id

    response = tenant_admin(paris).get("/billing/return/", {"session_id": acme_session})

    assert response.status_code == 404
    assert BillingAccount.objects.get(tenant=paris).stripe_subscription_id == paris_before


@pytest.mark.parametrize("query", [{}, {"session_id": "cs_test_unknown"}])
def test_return_page_with_an_unknown_session_is_404(tenant_admin, paris, subscribe, query):
    subscribe(paris)

    assert tenant_admin(paris).get("/billing/return/", query).status_code == 404


def test_portal_opens_for_the_tenants_own_customer(
    tenant_admin, paris, acme, subscribe, stripe_fake
):
    paris_subscription = subscribe(paris)
    acme_subscription = subscribe(acme)
    stripe_fake.requests.clear()

    response = tenant_admin(paris).post("/billing/portal/")

    assert response.status_code == 303
    (call,) = stripe_fake.calls("POST", "/v1/billing_portal/sessions")
    assert call.params == {
        "customer": paris_subscription["customer"],
        "return_url": "http://paris.entraide.test/billing/",
        "locale": "fr",
    }
    assert call.headers["idempotency-key"].startswith(f"portal:{paris.pk}:")
    assert response["Location"].endswith(f"?customer={paris_subscription['customer']}")
    assert acme_subscription["customer"] not in response["Location"]
    assert BillingAuditEntry.objects.filter(tenant=paris, action="portal_opened").count() == 1
    assert BillingAuditEntry.objects.filter(tenant=acme, action="portal_opened").count() == 0


def test_portal_before_any_subscription_explains_why(tenant_admin, paris, stripe_fake):
    response = tenant_admin(paris).post("/billing/portal/")

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Abonnez-vous d’abord : le portail de facturation s’ouvre une fois l’abonnement souscrit."
    ]
    assert stripe_fake.requests == []


def test_billing_page_shows_only_the_tenants_own_subscription(
    tenant_admin, paris, acme, subscribe, stripe_fake
):
    paris_subscription = subscribe(paris)
    acme_subscription = subscribe(acme, plan="company_enterprise")

    response = tenant_admin(paris).get("/billing/")

    overview = response.context["overview"]
    assert overview.account.tenant_id == paris.pk
    assert overview.account.stripe_subscription_id == paris_subscription["id"]
    assert overview.plan.code == "city_essential"
    body = response.content.decode()
    assert acme_subscription["id"] not in body
    assert acme_subscription["customer"] not in body
    assert "Enterprise" not in body
    previews = stripe_fake.calls("POST", "/v1/invoices/create_preview")
    assert [call.params["customer"] for call in previews] == [paris_subscription["customer"]]


def test_a_tenant_admin_session_means_nothing_on_another_tenant(
    tenant_admin, paris, montreal, stripe_fake
):
    client = tenant_admin(paris)

    page = client.get("/billing/", HTTP_HOST=montreal.primary_host)
    portal = client.post("/billing/portal/", HTTP_HOST=montreal.primary_host)

    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/")
    assert portal.status_code == 302
    assert portal["Location"].startswith("/accounts/login/")
    assert stripe_fake.requests == []

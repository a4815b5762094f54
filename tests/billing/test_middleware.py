"""Access follows payment on tenant hosts: read-only when suspended, billing only for admins."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.middleware import BillingAccessMiddleware

pytestmark = pytest.mark.django_db


def _set_state(tenant, state, *, grace_until=None):
    # Test setup only: in the product, billing.services alone writes these fields.
    tenant.billing_state = state
    tenant.billing_grace_until = grace_until
    tenant.save(update_fields=["billing_state", "billing_grace_until", "updated_at"])
    return tenant


@pytest.fixture
def suspended_paris(paris):
    return _set_state(paris, "suspended")


def _user_count(tenant):
    from accounts.models import User

    with tenant_context(tenant):
        return User.objects.count()


def test_residents_of_a_suspended_tenant_can_read(client_for, user_in, signed_in, suspended_paris):
    volunteer = signed_in(suspended_paris, user_in(suspended_paris))

    for client in (client_for(suspended_paris), volunteer):
        response = client.get("/")
        assert response.status_code == 200
        assert b'data-billing-banner="suspended"' in response.content


def test_residents_of_a_suspended_tenant_cannot_write(user_in, signed_in, suspended_paris):
    volunteer = signed_in(suspended_paris, user_in(suspended_paris))

    response = volunteer.post("/profil/", {"first_name": "Changed"})

    assert response.status_code == 403
    assert b'data-billing="read-only"' in response.content
    assert b"lecture seule" in response.content  # Paris speaks French


def test_sign_up_is_closed_while_suspended(client_for, suspended_paris):
    users_before = _user_count(suspended_paris)

    response = client_for(suspended_paris).post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": "a-long-passphrase",
            "password2": "a-long-passphrase",
            "accept_terms": "on",
        },
    )

    assert response.status_code == 403
    assert _user_count(suspended_paris) == users_before


def test_api_writes_are_refused_with_the_error_shape(user_in, signed_in, suspended_paris):
    volunteer = signed_in(suspended_paris, user_in(suspended_paris))

    response = volunteer.post(
        "/api/v1/missions/1/participations/", {}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Ce site est en lecture seule jusqu’au paiement de son abonnement.",
        "code": "tenant_suspended",
        "fields": {},
    }


def test_sign_in_and_out_still_work_while_suspended(client_for, user_in, suspended_paris):
    user_in(suspended_paris, email="resident@example.org")
    client = client_for(suspended_paris)

    signed = client.post(
        "/accounts/login/", {"login": "resident@example.org", "password": "x" * 12}
    )
    assert signed.status_code == 302
    assert client.get("/").wsgi_request.user.is_authenticated is True

    out = client.post("/accounts/logout/")
    assert out.status_code == 302
    assert client.get("/").wsgi_request.user.is_authenticated is False


def test_admins_of_a_suspended_tenant_reach_only_the_billing_page(
    tenant_admin, suspended_paris, stripe_fake
):
    admin = tenant_admin(suspended_paris)

    home = admin.get("/")
    organisation = admin.get("/organisation/")
    api = admin.get("/api/v1/missions/")
    billing = admin.get("/billing/")
    portal = admin.post("/billing/portal/")
    css = admin.get("/static/css/entraide.css")

    assert (home.status_code, home["Location"]) == (302, "/billing/")
    assert (organisation.status_code, organisation["Location"]) == (302, "/billing/")
    assert (api.status_code, api.json()["code"]) == (403, "tenant_suspended")
    assert billing.status_code == 200
    assert b'data-state="suspended"' in billing.content
    assert portal.status_code == 302  # reached the view (no customer yet: back with a message)
    assert portal["Location"] == "/billing/"
    assert css.status_code == 200


def test_grace_period_over_is_enforced_at_request_time_before_any_write(
    client_for, user_in, signed_in, paris
):
    _set_state(paris, "past_due", grace_until=timezone.now() - dt.timedelta(minutes=1))
    volunteer = signed_in(paris, user_in(paris))

    assert volunteer.post("/profil/", {"first_name": "Changed"}).status_code == 403
    assert b'data-billing-banner="suspended"' in volunteer.get("/").content


def test_past_due_within_grace_has_full_access_and_a_banner_for_admins_only(
    tenant_admin, user_in, signed_in, paris
):
    grace_until = timezone.now() + dt.timedelta(days=3)
    _set_state(paris, "past_due", grace_until=grace_until)
    admin = tenant_admin(paris)
    volunteer = signed_in(paris, user_in(paris))

    admin_home = admin.get("/")
    assert admin_home.status_code == 200
    assert b'data-billing-banner="past_due"' in admin_home.content
    volunteer_home = volunteer.get("/")
    assert volunteer_home.status_code == 200
    assert b"data-billing-banner" not in volunteer_home.content
    assert volunteer.post("/profil/", {"first_name": "Changed"}).status_code != 403


def test_trial_banner_shows_in_the_last_week_for_admins(tenant_admin, paris):
    paris.billing_trial_ends_at = timezone.now() + dt.timedelta(days=3)
    paris.save(update_fields=["billing_trial_ends_at"])

    assert b'data-billing-banner="trial"' in tenant_admin(paris).get("/").content


def test_suspension_of_one_tenant_leaves_the_others_alone(
    client_for, suspended_paris, montreal, user_in, signed_in
):
    volunteer = signed_in(montreal, user_in(montreal))

    response = volunteer.get("/")

    assert response.status_code == 200
    assert b"data-billing-banner" not in response.content


def test_health_probes_answer_for_a_suspended_tenant(client_for, suspended_paris):
    assert client_for(suspended_paris).get("/healthz").status_code == 200
    assert client_for(suspended_paris).get("/readyz").status_code == 200


def test_webhook_on_the_public_host_is_never_blocked(client_for, suspended_paris):
    response = client_for(None).post(
        "/billing/stripe/webhook/", b"{}", content_type="application/json"
    )

    assert response.status_code == 400  # signature checked, not refused as suspended


@pytest.mark.parametrize(
    ("state", "grace_days"),
    [("active", None), ("trialing", None), ("past_due", 3), ("suspended", None)],
)
def test_middleware_costs_no_query(paris, django_assert_num_queries, state, grace_days):
    from django.contrib.auth.models import AnonymousUser

    grace_until = timezone.now() + dt.timedelta(days=grace_days) if grace_days else None
    _set_state(paris, state, grace_until=grace_until)
    request = RequestFactory().get("/", HTTP_HOST=paris.primary_host)
    request.tenant = paris
    request.user = AnonymousUser()
    middleware = BillingAccessMiddleware(lambda r: HttpResponse("ok"))

    with django_assert_num_queries(0):
        response = middleware(request)

    assert response.status_code == 200


def _language_of(response) -> tuple[str, str]:
    """(Content-Language header, the page's <html lang> or the API detail's first word)."""
    if response["Content-Type"].startswith("application/json"):
        return response["Content-Language"], response.json()["detail"].split()[0]
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    return response["Content-Language"], match.group(1) if match else ""


@pytest.mark.parametrize(
    ("cookie", "accept_language", "language", "api_word"),
    [
        # Accept-Language never overrides the tenant's default language...
        (None, "en", "fr-ca", "Ce"),
        (None, "fr-ca,fr", "fr-ca", "Ce"),
        # ...the visitor's choice among the tenant's languages does, whatever the browser says.
        ("en", "fr", "en", "This"),
        ("fr-ca", "en", "fr-ca", "Ce"),
        # A language the tenant does not offer: its default.
        ("de", "en", "fr-ca", "Ce"),
    ],
)
def test_a_suspended_tenants_billing_pages_speak_the_language_of_its_other_pages(
    montreal,
    user_in,
    signed_in,
    tenant_admin,
    stripe_fake,
    cookie,
    accept_language,
    language,
    api_word,
):
    _set_state(montreal, "suspended")
    volunteer = signed_in(montreal, user_in(montreal))
    admin = tenant_admin(montreal)
    for client in (volunteer, admin):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = accept_language
        if cookie:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie

    pages = {
        "home (residents still read)": volunteer.get("/"),
        "read-only refusal": volunteer.post("/profil/", {"first_name": "Changed"}),
        "admin's billing page": admin.get("/billing/"),
    }
    api = volunteer.post("/api/v1/missions/1/participations/", {}, content_type="application/json")

    assert {name: (page.status_code, *_language_of(page)) for name, page in pages.items()} == {
        "home (residents still read)": (200, language, language),
        "read-only refusal": (403, language, language),
        "admin's billing page": (200, language, language),
    }
    assert (api.status_code, *_language_of(api)) == (403, language, api_word)


def test_a_city_with_one_language_answers_in_it_whatever_the_browser_asks(
    client_for, user_in, signed_in, suspended_paris
):
    volunteer = signed_in(suspended_paris, user_in(suspended_paris))
    volunteer.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    home = volunteer.get("/")
    refusal = volunteer.post("/profil/", {"first_name": "Changed"})

    assert _language_of(home) == _language_of(refusal) == ("fr", "fr")
    assert "lecture seule" in refusal.content.decode()

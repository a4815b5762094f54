"""Private instances (tenants.private_access): members only, the public site never names them.

The session's company tenant, Acme, is private through provisioning's default; the cities are
public. The matrix walks the tenant URLconf: every route, asked anonymously on Acme, redirects to
the sign-in page (pages) or answers 401 (API), except the explicit list below.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from django_tenants.utils import tenant_context

from accounts.models import User
from tenants import private_access
from tenants.audit.models import AuditEvent
from tenants.models import Tenant
from tenants.settings_services import tenant_access_update
from tests.accounts.conftest import PASSWORD, login, make_user, tenant_admin
from tests.tenants.routes import TENANT_URLCONF, placeholder_url, routes

pytestmark = pytest.mark.django_db

# What an anonymous visitor reaches on a private tenant. Kept here, apart from the middleware's
# own lists, so that opening a route is a change to both (and seen in review).
EXPECTED_EXEMPT_NAMES = frozenset(
    {
        "account_login",
        "account_logout",
        "account_confirm_login_code",
        "mfa_authenticate",
        "account_inactive",
        "account_signup",
        "account_email_verification_sent",
        "account_confirm_email",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
        "saml_login",
        "saml_acs",
        "saml_finish_acs",
        "saml_sls",
        "saml_metadata",
        "openid_connect_login",
        "openid_connect_callback",
        "facebook_login",
        "facebook_callback",
        "facebook_login_by_token",
        "socialaccount_login_cancelled",
        "socialaccount_login_error",
        "socialaccount_signup",
        "tenant-logo",
        "set_language",
        "email-unsubscribe",
        "saved-search-unsubscribe",
        "calendar-feed",
        "signup-handoff",
        "robots-txt",
    }
)
EXPECTED_EXEMPT_VIEWS = frozenset(
    {"legal:notice", "legal:privacy", "legal:terms", "legal:accessibility", "legal:cookies"}
)
EXPECTED_EXEMPT_PREFIXES = ("/scim/v2/", "/certificats/")

ALL_ROUTES = routes(TENANT_URLCONF)


def _is_exempt(url: str) -> bool:
    if url.startswith(EXPECTED_EXEMPT_PREFIXES):
        return True
    match = resolve(url, urlconf=TENANT_URLCONF)
    return match.url_name in EXPECTED_EXEMPT_NAMES or match.view_name in EXPECTED_EXEMPT_VIEWS


def _closed_urls() -> list[tuple[str, str]]:
    """(method, url) of every route that must be closed, one placeholder URL per route."""
    seen: set[tuple[str, str]] = set()
    for route in ALL_ROUTES:
        url = placeholder_url(route)
        try:
            if _is_exempt(url):
                continue
        except Resolver404:
            continue
        for method in route.methods[:1] + tuple(m for m in route.methods if m == "post")[:1]:
            seen.add((method, url))
    return sorted(seen)


CLOSED = _closed_urls()


def test_the_exempt_lists_are_the_middlewares():
    assert set(private_access.EXEMPT_URL_NAMES) == EXPECTED_EXEMPT_NAMES
    assert set(private_access.EXEMPT_NAMESPACED) == EXPECTED_EXEMPT_VIEWS
    assert tuple(private_access.EXEMPT_PATH_PREFIXES) == EXPECTED_EXEMPT_PREFIXES
    # Every exempt name is a route of the tenant URLconf (no stale exemption).
    names = {route.name for route in ALL_ROUTES}
    assert EXPECTED_EXEMPT_NAMES - names == set()


def test_the_session_company_is_private_and_the_cities_are_not(acme, paris, montreal):
    assert (acme.is_private, paris.is_private, montreal.is_private) == (True, False, False)


def test_every_route_is_closed_to_an_anonymous_visitor_of_a_private_tenant(acme, client_for):
    assert len(CLOSED) > 150  # the whole URLconf, admin included
    client = client_for(acme)
    problems = []
    for method, url in CLOSED:
        response = getattr(client, method)(url)
        if url.startswith(private_access.API_PATH_PREFIXES):
            body = response.json() if response.status_code == 401 else {}
            if response.status_code != 401 or body.get("code") != "not_authenticated":
                problems.append(f"{method.upper()} {url}: {response.status_code}")
        elif response.status_code != 302 or not response["Location"].startswith(
            "/accounts/login/?next="
        ):
            problems.append(f"{method.upper()} {url}: {response.status_code}")

    assert problems == []


def test_a_page_redirects_to_sign_in_and_comes_back(acme, client_for):
    client = client_for(acme)

    response = client.get("/missions/42/?from=mail")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fmissions%2F42%2F%3Ffrom%3Dmail"


def test_an_htmx_request_sends_the_whole_page_to_sign_in(acme, client_for):
    response = client_for(acme).get("/?q=garden", HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=%2F%3Fq%3Dgarden"
    assert response.content == b""


def test_the_api_answers_401_in_the_error_shape(acme, client_for):
    response = client_for(acme).get("/api/v1/missions/")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Sign in to use this site: it is open to its members only.",
        "code": "not_authenticated",
        "fields": {},
    }
    assert response["WWW-Authenticate"] == "Token"


def test_an_unknown_api_token_is_refused_by_the_api(acme, client_for):
    response = client_for(acme).get(
        "/api/v1/missions/", HTTP_AUTHORIZATION="Bearer ent_acme_notatoken"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_an_api_token_of_the_tenant_reads_the_api(acme, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.api_tokens.services import api_token_create
    from tests.accounts.conftest import mfa_enable

    admin = tenant_admin(acme)
    mfa_enable(acme, admin)
    with tenant_context(acme):
        created = api_token_create(
            actor=admin,
            name="HR sync",
            scope="read",
            expires_on=timezone.localdate() + timedelta(days=30),
        )

    response = client_for(acme).get(
        "/api/v1/missions/", HTTP_AUTHORIZATION=f"Bearer {created.secret}"
    )

    assert response.status_code == 200


def test_a_member_sees_the_pages_and_the_api(acme, client_for):
    make_user(acme, "member@acme.example")
    client = client_for(acme)
    assert login(client, "member@acme.example").status_code == 302

    assert client.get("/").status_code == 200
    assert client.get("/api/v1/missions/").status_code == 200


def test_a_member_of_another_tenant_is_nobody_here(acme, paris, client_for):
    make_user(paris, "member@acme.example")
    paris_client = client_for(paris)
    assert login(paris_client, "member@acme.example").status_code == 302
    elsewhere = client_for(acme)
    elsewhere.cookies = paris_client.cookies

    response = elsewhere.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2F"


def test_a_deactivated_account_is_refused(acme, client_for):
    user = make_user(acme, "gone@acme.example")
    client = client_for(acme)
    with tenant_context(acme):
        client.force_login(user)
        User.objects.filter(pk=user.pk).update(is_active=False)

    # The session no longer signs anyone in (Django's backends refuse inactive accounts).
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/missions/").status_code == 401


def test_an_authenticated_but_inactive_user_gets_a_403(acme):
    """Should a backend ever let an inactive account through, the middleware still refuses."""
    from types import SimpleNamespace

    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory

    middleware = private_access.PrivateInstanceMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    inactive = SimpleNamespace(is_authenticated=True, is_active=False)

    def request_for(path: str) -> Any:
        request = RequestFactory().get(path, HTTP_HOST=acme.primary_host)
        request.tenant = acme
        request.user = inactive
        request.resolver_match = resolve(path, urlconf=TENANT_URLCONF)
        return request

    api = middleware.process_view(request_for("/api/v1/missions/"), None, (), {})  # type: ignore[arg-type]

    assert api is not None and api.status_code == 403
    assert json.loads(api.content)["code"] == "permission_denied"
    with pytest.raises(PermissionDenied):
        middleware.process_view(request_for("/"), None, (), {})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/conditions/",
        "/confidentialite/",
        "/mentions-legales/",
        "/robots.txt",
    ],
)
def test_the_sign_in_pages_and_legal_pages_stay_open(acme, client_for, path):
    assert client_for(acme).get(path).status_code == 200


def test_robots_txt_disallows_everything_on_a_private_tenant(acme, paris, client_for):
    private = client_for(acme).get("/robots.txt")
    public = client_for(paris).get("/robots.txt")

    assert private.content.decode() == "User-agent: *\nDisallow: /\n"
    assert private["Content-Type"] == "text/plain; charset=utf-8"
    assert "Disallow: /\n" not in public.content.decode()
    assert "Disallow: /gestion/\n" in public.content.decode()


def test_the_sign_in_page_gives_link_previews_nothing(acme, paris, client_for):
    private = client_for(acme).get("/accounts/login/").content.decode()
    public = client_for(paris).get("/accounts/login/").content.decode()

    assert "og:" not in private
    assert '<meta name="robots" content="noindex, nofollow">' in private
    assert '<meta property="og:title" content="Paris">' in public


def test_the_public_site_never_names_a_private_tenant(acme, paris, client_for):
    page = client_for().get("/").content.decode()

    assert "Paris" in page
    assert "Acme" not in page
    assert acme.primary_host not in page


def test_the_access_setting_takes_effect_on_the_next_request_without_a_query(paris, client_for):
    client = client_for(paris)
    assert client.get("/").status_code == 200
    admin = tenant_admin(paris)

    with tenant_context(paris):
        tenant_access_update(tenant=paris, actor=admin, is_private=True, sso_auto_redirect=False)
    response = client.get("/missions/1/")
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/missions/1/")

    assert response.status_code == 302
    assert again.status_code == 302
    # The routing cache carries the setting: refusing costs no query at all.
    assert [query["sql"] for query in queries.captured_queries] == []
    assert Tenant.objects.get(pk=paris.pk).is_private is True
    with tenant_context(paris):
        events = AuditEvent.objects.filter(action="settings.access_changed")
        assert [event.data for event in events] == [
            {"fields": ["is_private"], "values": {"is_private": True}}
        ]


def test_a_private_city_refuses_open_sign_up(paris, client_for):
    admin = tenant_admin(paris)
    with tenant_context(paris):
        tenant_access_update(tenant=paris, actor=admin, is_private=True, sso_auto_redirect=False)
    client = client_for(paris)

    response = client.post(
        "/accounts/signup/",
        {
            "email": "stranger@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_terms": "on",
        },
    )

    assert response.status_code == 200
    assert 'data-reason="private"' in response.content.decode()
    with tenant_context(paris):
        assert not User.objects.filter(email="stranger@example.org").exists()


def test_a_private_city_admits_its_allowed_domains_only(paris, client_for):
    admin = tenant_admin(paris)
    with tenant_context(paris):
        tenant_access_update(tenant=paris, actor=admin, is_private=True, sso_auto_redirect=False)
    paris.allowed_email_domains = ["paris.fr"]
    paris.save(update_fields=["allowed_email_domains"])
    client = client_for(paris)

    def sign_up(email: str) -> Any:
        return client.post(
            "/accounts/signup/",
            {"email": email, "password1": PASSWORD, "password2": PASSWORD, "accept_terms": "on"},
        )

    refused = sign_up("stranger@example.org")
    admitted = sign_up("agent@paris.fr")

    assert refused.status_code == 200
    assert "Inscrivez-vous avec votre adresse professionnelle (paris.fr)." in (
        refused.content.decode()
    )
    assert admitted.status_code == 302
    with tenant_context(paris):
        assert list(
            User.objects.filter(email__in=["stranger@example.org", "agent@paris.fr"]).values_list(
                "email", flat=True
            )
        ) == ["agent@paris.fr"]
        # Confirmed before use, as in a company.
        assert EmailAddress.objects.get(email="agent@paris.fr").verified is False


def test_an_invited_person_joins_a_private_tenant_through_the_link(
    acme, client_for, django_capture_on_commit_callbacks
):
    from django.core import mail

    from accounts.invitations import user_invite
    from tests.accounts.conftest import mfa_enable

    acme.allowed_email_domains = ["acme.example"]
    acme.save(update_fields=["allowed_email_domains"])
    admin = tenant_admin(acme)
    mfa_enable(acme, admin)
    with tenant_context(acme), django_capture_on_commit_callbacks(execute=True):
        user_invite(actor=admin, email="new.hire@acme.example", role=User.Role.VOLUNTEER)
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    assert link is not None, mail.outbox[-1].body
    client = client_for(acme)

    form_page = client.get(link.group(1), follow=True)
    # allauth moves the key out of the address, into the session, before showing the form.
    [(form_url, _status)] = form_page.redirect_chain
    chosen = client.post(
        form_url,
        {"password1": "a new hire's long password", "password2": "a new hire's long password"},
    )
    signed_in = login(client, "new.hire@acme.example", "a new hire's long password")

    assert form_page.status_code == 200
    assert 'name="password1"' in form_page.content.decode()
    assert chosen.status_code == 302
    assert signed_in.status_code == 302
    assert client.get("/").status_code == 200

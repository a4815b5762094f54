"""A signed-in person who has not accepted the latest terms is sent to accept them before the
next page they open; then they navigate as before. Not the API, not files, not form posts, not
the legal pages, not signing out; one query at most for the check."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django_tenants.utils import tenant_context

from tenants.audit.models import AuditEvent
from tenants.legal.defaults import VersionContent
from tenants.legal.middleware import TermsAcceptanceMiddleware
from tenants.legal.models import TermsAcceptance
from tenants.legal.services import legal_version_publish, terms_accept
from tests.accounts.conftest import login, make_user

pytestmark = pytest.mark.django_db

# What a browser sends when it navigates to a page.
BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ACCEPT_PAGE = "/conditions/accepter/"


def _signed_in(tenant, client_for, email="vol@example.org", *, accepted=True):  # type: ignore[no-untyped-def]
    user = make_user(tenant, email)
    if accepted:
        with tenant_context(tenant):
            terms_accept(user=user, number=1)
    client = client_for(tenant)
    login(client, email)
    client.user = user
    return client


def _publish_new_terms(tenant) -> int:  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        return legal_version_publish(
            kind="terms",
            content=VersionContent(bodies={"fr": "<p>Conditions, deuxième version.</p>"}),
            actor=None,
        ).number


def test_a_new_terms_version_sends_people_to_accept_it_then_back(paris, client_for):
    client = _signed_in(paris, client_for)
    assert client.get("/mes-engagements/", **BROWSER).status_code == 200

    number = _publish_new_terms(paris)
    response = client.get("/mes-engagements/?tri=date", **BROWSER)

    assert response.status_code == 302
    assert response["Location"] == f"{ACCEPT_PAGE}?next=%2Fmes-engagements%2F%3Ftri%3Ddate"
    page = client.get(response["Location"], **BROWSER)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Les conditions d’utilisation ont changé" in text
    assert "Conditions, deuxième version." in text
    assert f'name="version" value="{number}"' in text

    accepted = client.post(
        ACCEPT_PAGE, {"accept": "on", "version": number, "next": "/mes-engagements/?tri=date"}
    )

    assert accepted.status_code == 302
    assert accepted["Location"] == "/mes-engagements/?tri=date"
    assert client.get("/mes-engagements/", **BROWSER).status_code == 200
    assert client.get("/", **BROWSER).status_code == 200
    with tenant_context(paris):
        acceptance = TermsAcceptance.objects.get(user=client.user, version__number=number)
        assert acceptance.source == "prompt"
        # The person's own act: stored, not in the admins' audit trail.
        assert not AuditEvent.objects.filter(action__startswith="terms.").exists()


def test_an_account_made_without_the_form_is_asked_on_its_first_page(paris, client_for):
    client = _signed_in(paris, client_for, accepted=False)

    response = client.get("/", **BROWSER)

    assert response.status_code == 302
    assert response["Location"] == f"{ACCEPT_PAGE}?next=%2F"
    text = client.get(response["Location"]).content.decode()
    assert "Accepter les conditions d’utilisation" in text
    assert 'href="/confidentialite/"' in text


def test_refusing_to_tick_the_box_changes_nothing(paris, client_for):
    client = _signed_in(paris, client_for, accepted=False)

    response = client.post(ACCEPT_PAGE, {"version": 1, "next": "/"})

    assert response.status_code == 400
    assert "Cochez la case pour accepter" in response.content.decode()
    with tenant_context(paris):
        assert not TermsAcceptance.objects.filter(user=client.user).exists()
    assert client.get("/", **BROWSER).status_code == 302


def test_accepting_a_version_replaced_meanwhile_shows_the_new_one(paris, client_for):
    client = _signed_in(paris, client_for, accepted=False)
    number = _publish_new_terms(paris)

    response = client.post(ACCEPT_PAGE, {"accept": "on", "version": 1, "next": "/"})

    assert response.status_code == 409
    text = response.content.decode()
    assert "Conditions, deuxième version." in text
    assert f'name="version" value="{number}"' in text
    with tenant_context(paris):
        assert not TermsAcceptance.objects.filter(user=client.user).exists()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", ACCEPT_PAGE])
def test_the_way_back_stays_on_this_site(paris, client_for, next_url):
    client = _signed_in(paris, client_for, accepted=False)

    response = client.post(ACCEPT_PAGE, {"accept": "on", "version": 1, "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_someone_who_accepted_is_sent_on_from_the_acceptance_page(paris, client_for):
    client = _signed_in(paris, client_for)

    response = client.get(f"{ACCEPT_PAGE}?next=/profil/", **BROWSER)

    assert response.status_code == 302
    assert response["Location"] == "/profil/"


def test_the_acceptance_page_asks_anonymous_visitors_to_sign_in(paris, client_for):
    response = client_for(paris).get(ACCEPT_PAGE)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={ACCEPT_PAGE}"


@pytest.mark.parametrize(
    "path",
    [
        "/conditions/",
        "/confidentialite/",
        "/mentions-legales/",
        "/accessibilite/",
        "/cookies/",
        ACCEPT_PAGE,
        "/accounts/logout/",
    ],
)
def test_legal_pages_and_signing_out_stay_reachable(paris, client_for, path):
    client = _signed_in(paris, client_for, accepted=False)

    assert client.get(path, **BROWSER).status_code == 200


def test_the_api_is_never_redirected(paris, client_for):
    client = _signed_in(paris, client_for, accepted=False)

    json = client.get("/api/v1/me/participations/", HTTP_ACCEPT="application/json")
    browsable = client.get("/api/v1/me/participations/", **BROWSER)

    assert json.status_code == 200
    assert json["Content-Type"].startswith("application/json")
    assert browsable.status_code == 200  # DRF's browsable API, not the acceptance page


def test_requests_that_are_not_page_navigation_are_not_redirected(paris, client_for):
    client = _signed_in(paris, client_for, accepted=False)

    assert client.get("/mes-engagements/").status_code == 200  # no Accept: not a browser page
    assert client.get("/mes-engagements/", HTTP_ACCEPT="*/*").status_code == 200
    assert client.get("/", HTTP_HX_REQUEST="true", **BROWSER).status_code == 200
    assert client.get("/mes-engagements/", HTTP_SEC_FETCH_MODE="cors", **BROWSER).status_code == 200
    navigate = client.get("/mes-engagements/", HTTP_SEC_FETCH_MODE="navigate", HTTP_ACCEPT="*/*")
    assert navigate.status_code == 302


def test_form_posts_are_not_redirected(paris, client_for):
    client = _signed_in(paris, client_for, accepted=False)

    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/profil/"}, **BROWSER)

    assert response.status_code == 302
    assert response["Location"] == "/profil/"


def test_anonymous_visitors_are_not_asked(paris, client_for):
    assert client_for(paris).get("/", **BROWSER).status_code == 200


def test_the_public_host_is_not_concerned(client_for):
    assert client_for(None).get("/", **BROWSER).status_code == 200


def test_another_tenant_has_its_own_terms(paris, montreal, client_for):
    paris_client = _signed_in(paris, client_for, "vol@paris.example")
    montreal_client = _signed_in(montreal, client_for, "vol@montreal.example")

    _publish_new_terms(paris)

    assert paris_client.get("/", **BROWSER).status_code == 302
    assert montreal_client.get("/", **BROWSER).status_code == 200


def _request(tenant, user):  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/mes-engagements/", HTTP_HOST=tenant.primary_host, **BROWSER)
    request.tenant = tenant
    request.user = user
    request.resolver_match = resolve("/mes-engagements/")
    return request


def _middleware() -> TermsAcceptanceMiddleware:
    return TermsAcceptanceMiddleware(lambda request: HttpResponse("page"))


def test_the_check_costs_at_most_one_query_and_none_once_cached(in_paris, paris):
    user = make_user(paris, "counted@example.org")
    terms_accept(user=user, number=1)
    middleware = _middleware()
    request = _request(paris, user)
    connection.cursor()  # the schema is set once per request, before any of this

    with CaptureQueriesContext(connection) as cold:
        assert middleware.process_view(request, lambda r: None, (), {}) is None
    with CaptureQueriesContext(connection) as warm:
        assert middleware.process_view(request, lambda r: None, (), {}) is None

    assert len(cold.captured_queries) == 1
    assert len(warm.captured_queries) == 0


def test_the_check_after_a_new_version_costs_one_query(in_paris, paris):
    user = make_user(paris, "counted@example.org")
    terms_accept(user=user, number=1)
    middleware = _middleware()
    request = _request(paris, user)
    middleware.process_view(request, lambda r: None, (), {})
    _publish_new_terms(paris)
    connection.cursor()  # the schema is set once per request, before any of this

    with CaptureQueriesContext(connection) as queries:
        response = middleware.process_view(request, lambda r: None, (), {})

    assert response is not None and response.status_code == 302
    assert len(queries.captured_queries) == 1


def test_an_anonymous_request_costs_nothing(in_paris, paris):
    with CaptureQueriesContext(connection) as queries:
        assert (
            _middleware().process_view(_request(paris, AnonymousUser()), lambda r: None, (), {})
            is None
        )

    assert len(queries.captured_queries) == 0


def test_a_whole_page_costs_no_more_for_the_check_once_cached(paris, client_for):
    client = _signed_in(paris, client_for)
    client.get("/mes-engagements/", **BROWSER)

    with CaptureQueriesContext(connection) as with_check:
        assert client.get("/mes-engagements/", **BROWSER).status_code == 200
    with CaptureQueriesContext(connection) as without_check:
        assert client.get("/mes-engagements/").status_code == 200

    assert len(with_check.captured_queries) == len(without_check.captured_queries)

"""/gestion/integrations/: API tokens (create with a scope and an expiry, shown once, revoke,
last use) and the way to the SSO and subscription pages; tenant admins only."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.api_tokens.models import ApiToken
from accounts.api_tokens.services import api_token_create
from tenants.audit.models import AuditEvent
from tests.accounts.conftest import make_user

pytestmark = pytest.mark.django_db

PAGE = "/gestion/integrations/"
CREATE = "/gestion/integrations/jetons/"
ME = "/accounts/api/me/"


def _revoke_url(token_id: int) -> str:
    return f"/gestion/integrations/jetons/{token_id}/revoquer/"


def _form(**changes: Any) -> dict[str, str]:
    values = {
        "name": "Intranet de la mairie",
        "scope": "read",
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    values.update(changes)
    return values


def _secret(page: str) -> str:
    match = re.search(r'value="(ent_[a-z2-7]{8}_[A-Za-z0-9_-]{43})"', page)
    assert match, page
    return match.group(1)


def _tokens(tenant: Any) -> list[tuple[str, str, int]]:
    with tenant_context(tenant):
        return list(ApiToken.objects.values_list("name", "scope", "created_by_id"))


def _token_for(tenant: Any, admin: Any, name: str = "Existing") -> ApiToken:
    with tenant_context(tenant):
        return api_token_create(
            actor=admin,
            name=name,
            scope="read",
            expires_on=timezone.localdate() + timedelta(days=10),
        ).token


# --- who may open it ------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(paris, client_for):
    response = client_for(paris).get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={PAGE}"


@pytest.mark.parametrize("fixture", ["backoffice_volunteer", "backoffice_moderator"])
def test_volunteers_and_moderators_get_a_403(paris, request, fixture):
    client = request.getfixturevalue(fixture)(paris)

    assert client.get(PAGE).status_code == 403
    assert client.post(CREATE, _form()).status_code == 403
    assert _tokens(paris) == []


def test_a_moderator_cannot_revoke(paris, backoffice_admin, backoffice_moderator):
    admin = backoffice_admin(paris)
    token = _token_for(paris, admin.user)

    response = backoffice_moderator(paris).post(_revoke_url(token.pk))

    assert response.status_code == 403
    with tenant_context(paris):
        assert ApiToken.objects.get().revoked_at is None


def test_the_admin_sees_the_page_in_french_with_its_links(paris, backoffice_admin):
    client = backoffice_admin(paris)

    response = client.get(PAGE)
    page = response.content.decode()

    assert response.status_code == 200
    assert "Jetons d’API" in page
    assert "Aucun jeton d’API pour l’instant." in page
    for link in (
        "/accounts/settings/sign-in/",
        "/accounts/settings/sign-in/saml/",
        "/accounts/settings/sign-in/oidc/",
        "/accounts/settings/sign-in/facebook/",
        "/billing/",
        "/api/docs/",
    ):
        assert f'href="{link}"' in page
    assert f'href="{PAGE}" aria-current="page"' in page
    assert 'href="/gestion/journal/"' in page


def test_a_company_has_no_facebook_link_and_reads_english(acme, backoffice_admin):
    page = backoffice_admin(acme).get(PAGE).content.decode()

    assert "API tokens" in page
    assert "/accounts/settings/sign-in/facebook/" not in page
    assert 'href="/accounts/settings/sign-in/saml/"' in page


# --- create, shown once, revoke ---------------------------------------------------------------


def test_a_new_token_is_shown_once_and_works(paris, backoffice_admin, client_for):
    client = backoffice_admin(paris)

    response = client.post(CREATE, _form(scope="read_write"))
    page = response.content.decode()
    secret = _secret(page)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "ne sera plus affiché" in page
    assert _tokens(paris) == [("Intranet de la mairie", "read_write", client.user.pk)]
    api = client_for(paris).get(ME, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200
    assert api.json()["email"] == client.user.email
    listing = client.get(PAGE).content.decode()
    assert secret not in listing
    assert f"ent_…{secret[-4:]}" in listing
    assert "Intranet de la mairie" in listing
    assert "Dernière utilisation : jamais" not in listing  # it was used just now
    with tenant_context(paris):
        event = AuditEvent.objects.get(action="api_token.created")
    assert event.actor_id == client.user.pk
    assert event.ip == "127.0.0.1"
    assert secret not in str(event.data)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"scope": "admin"}, "scope"),
        ({"scope": ""}, "scope"),
        ({"expires_on": ""}, "expires_on"),
        ({"expires_on": "demain"}, "expires_on"),
        ({"expires_on": "2020-01-01"}, "expires_on"),
        ({"expires_on": timezone.localdate().isoformat()}, "expires_on"),
        ({"expires_on": (timezone.localdate() + timedelta(days=400)).isoformat()}, "expires_on"),
        ({"expires_on": "99999-01-01"}, "expires_on"),
    ],
)
def test_bad_input_is_refused_next_to_its_field(paris, backoffice_admin, changes, field):
    client = backoffice_admin(paris)

    response = client.post(CREATE, _form(**changes))
    page = response.content.decode()

    assert response.status_code == 400
    assert f'id="id_{field}_error"' in page or f'href="#id_{field}' in page
    assert "ent_" not in re.sub(r"ent_…", "", page)
    assert _tokens(paris) == []
    with tenant_context(paris):
        assert not AuditEvent.objects.filter(action__startswith="api_token.").exists()


def test_revoking_stops_the_token_at_once(paris, backoffice_admin, client_for):
    client = backoffice_admin(paris)
    secret = _secret(client.post(CREATE, _form()).content.decode())
    with tenant_context(paris):
        token = ApiToken.objects.get()

    response = client.post(_revoke_url(token.pk))

    assert response.status_code == 302
    assert response["Location"] == PAGE
    api = client_for(paris).get(ME, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert (api.status_code, api.json()["code"]) == (401, "token_revoked")
    page = client.get(PAGE).content.decode()
    assert "Révoqué le" in page
    assert _revoke_url(token.pk) not in page
    with tenant_context(paris):
        assert (
            AuditEvent.objects.filter(action="api_token.revoked", target_id=token.pk).count() == 1
        )


def test_another_admin_may_revoke_and_sees_whom_it_acts_as(paris, backoffice_admin):
    first = backoffice_admin(paris)
    token = _token_for(paris, first.user)
    second = backoffice_admin(paris)

    page = second.get(PAGE).content.decode()
    response = second.post(_revoke_url(token.pk))

    assert first.user.email in page
    assert response.status_code == 302
    with tenant_context(paris):
        assert ApiToken.objects.get().revoked_by_id == second.user.pk


def test_revoking_needs_a_post(paris, backoffice_admin):
    client = backoffice_admin(paris)
    token = _token_for(paris, client.user)

    assert client.get(_revoke_url(token.pk)).status_code == 405
    with tenant_context(paris):
        assert ApiToken.objects.get().revoked_at is None


# --- other tenants ------------------------------------------------------------------------------


def test_a_token_of_montreal_is_not_found_on_paris(paris, montreal, backoffice_admin):
    paris_admin = backoffice_admin(paris)
    montreal_admin = make_user(montreal, "tokens@montreal.example", role="admin")
    token = _token_for(montreal, montreal_admin)
    with tenant_context(paris):
        assert not ApiToken.objects.filter(pk=token.pk).exists()

    response = paris_admin.post(_revoke_url(token.pk))

    assert response.status_code == 404
    with tenant_context(montreal):
        assert ApiToken.objects.get().revoked_at is None
    assert "tokens@montreal.example" not in paris_admin.get(PAGE).content.decode()


def test_an_admin_of_paris_is_nobody_on_montreal(paris, montreal, backoffice_admin, client_for):
    client = backoffice_admin(paris)
    elsewhere = client_for(montreal)
    elsewhere.cookies = client.cookies

    response = elsewhere.post(CREATE, _form())

    assert response.status_code in {302, 403}
    assert _tokens(montreal) == []
    assert elsewhere.get(PAGE)["Location"] == f"/accounts/login/?next={PAGE}"


# --- cost -----------------------------------------------------------------------------------------


def test_the_page_costs_the_same_queries_whatever_the_number_of_tokens(paris, backoffice_admin):
    client = backoffice_admin(paris)
    _token_for(paris, client.user)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as one:
        assert client.get(PAGE).status_code == 200
    other = make_user(paris, "other.admin@paris.example", role="admin")
    for number in range(6):
        token = _token_for(paris, other if number % 2 else client.user, name=f"Token {number}")
        if number == 3:
            with tenant_context(paris):
                ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    with CaptureQueriesContext(connection) as seven:
        assert client.get(PAGE).status_code == 200

    assert len(seven.captured_queries) == len(one.captured_queries)
    # Session, user, second factor, and one for the tokens with their creators.
    assert len(one.captured_queries) <= 8

"""/gestion/annuaire/: the company directory's page (SCIM address, token shown once, rotation,
revocation, last use), tenant admins of a company only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from engagement.directory.models import DirectoryToken
from tenants.audit.models import AuditEvent
from tests.engagement.directory.conftest import ScimClient

PAGE = "/gestion/annuaire/"
CREATE = "/gestion/annuaire/jeton/"
REVOKE = "/gestion/annuaire/jeton/revoquer/"

pytestmark = pytest.mark.django_db


def _secret(page: str) -> str:
    match = re.search(r'value="(scim_[a-z2-7]{8}_[A-Za-z0-9_-]{43})"', page)
    assert match, page
    return match.group(1)


def _tokens(tenant: Any) -> list[tuple[bool, int | None]]:
    with tenant_context(tenant):
        return [
            (revoked_at is None, created_by_id)
            for revoked_at, created_by_id in DirectoryToken.objects.order_by("pk").values_list(
                "revoked_at", "created_by_id"
            )
        ]


def _scim_status(tenant: Any, token: str) -> int:
    with tenant_context(tenant):
        return ScimClient(tenant, token).get("Users").status_code


def test_admin_makes_rotates_and_revokes_the_token(acme, backoffice_admin):
    client = backoffice_admin(acme)

    page = client.get(PAGE)
    assert page.status_code == 200
    assert "http://acme.entraide.test/scim/v2/" in page.content.decode()
    assert "No working token" in page.content.decode()

    first = _secret(client.post(CREATE).content.decode())
    assert _scim_status(acme, first) == 200
    page = client.get(PAGE).content.decode()
    assert first not in page
    assert f"scim_…{first[-4:]}" in page
    assert "Last used:" in page

    second = _secret(client.post(CREATE).content.decode())
    assert _scim_status(acme, first) == 401
    assert _scim_status(acme, second) == 200
    assert _tokens(acme) == [(False, client.user.pk), (True, client.user.pk)]

    response = client.post(REVOKE)
    assert response.status_code == 302
    assert _scim_status(acme, second) == 401
    with tenant_context(acme):
        assert list(
            AuditEvent.objects.filter(action__startswith="directory_token.")
            .order_by("id")
            .values_list("action", "actor_id")
        ) == [
            ("directory_token.created", client.user.pk),
            ("directory_token.revoked", client.user.pk),
            ("directory_token.created", client.user.pk),
            ("directory_token.revoked", client.user.pk),
        ]


def test_the_secret_page_is_not_cached(acme, backoffice_admin):
    response = backoffice_admin(acme).post(CREATE)

    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("fixture", ["backoffice_volunteer", "backoffice_moderator"])
def test_others_than_admins_are_refused(acme, request, fixture):
    client = request.getfixturevalue(fixture)(acme)

    assert client.get(PAGE).status_code == 403
    assert client.post(CREATE).status_code == 403
    assert client.post(REVOKE).status_code == 403
    assert _tokens(acme) == []


def test_a_city_has_no_directory_page_nor_entry(paris, backoffice_admin):
    client = backoffice_admin(paris)

    assert client.get(PAGE).status_code == 404
    assert client.post(CREATE).status_code == 404
    assert PAGE not in client.get("/gestion/").content.decode()
    assert _tokens(paris) == []


def test_the_company_sees_the_entry(acme, backoffice_admin):
    assert PAGE in backoffice_admin(acme).get("/gestion/").content.decode()
    connection.set_schema_to_public()

"""SCIM across tenants: Acme's token is nobody on another host, a city has no /scim/v2/, and a
person of one company is nobody in another's directory."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from accounts.models import User
from engagement.directory.models import DirectoryIdentity
from engagement.directory.services import directory_token_revoke
from tests.engagement.directory.conftest import ERROR_SCHEMA, ScimClient, user_body


def _assert_scim_error(response, status):  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response.json()["schemas"] == [ERROR_SCHEMA]
    assert response.json()["status"] == status


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer scim_nothing",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "x" * 5000,
    ],
)
def test_missing_or_wrong_token_is_a_scim_401(scim, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    client = ScimClient(scim.tenant, None)

    response = client.get("Users", **extra)

    _assert_scim_error(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="scim"'


def test_revoked_and_rotated_tokens_are_refused(scim, acme_admin, acme_token):
    assert scim.get("Users").status_code == 200
    directory_token_revoke(actor=acme_admin)

    _assert_scim_error(scim.get("Users"), 401)


def test_acme_token_on_city_hosts_is_refused(scim, paris, montreal):
    for tenant in (paris, montreal):
        response = ScimClient(tenant, scim.token).post("Users", user_body("intruder@acme.example"))
        _assert_scim_error(response, 404)
    connection.set_tenant(paris)
    assert not User.objects.filter(email="intruder@acme.example").exists()


def test_another_companys_token_is_a_401_and_acme_people_stay_unseen(scim, in_acme):
    """A second company (Acme's schema seen through another tag): its token fails the tag check
    before any lookup, and a forged token with Acme's tag but another secret is unknown."""
    created = scim.post("Users", user_body()).json()
    forged = scim.token[:-4] + ("AAAA" if not scim.token.endswith("AAAA") else "BBBB")
    other_tag = "scim_aaaaaaaa_" + scim.token.split("_", 2)[2]

    for token in (forged, other_tag):
        client = ScimClient(in_acme, token)
        _assert_scim_error(client.get(f"Users/{created['id']}"), 401)
        _assert_scim_error(client.delete(f"Users/{created['id']}"), 401)
    assert DirectoryIdentity.objects.filter(scim_id=created["id"]).exists()
    assert User.objects.get(email="ada@acme.example").is_active is True


def test_people_of_a_city_are_never_listed_or_changed_through_acme(scim, paris):
    connection.set_tenant(paris)
    paris_user = User.objects.create_user(email="ada@acme.example", first_name="Paris Ada")
    connection.set_tenant(scim.tenant)

    listed = scim.get("Users").json()
    created = scim.post("Users", user_body()).json()
    scim.patch(
        f"Users/{created['id']}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        },
    )

    assert listed["totalResults"] == 0
    connection.set_tenant(paris)
    paris_user.refresh_from_db()
    assert (paris_user.first_name, paris_user.is_active) == ("Paris Ada", True)
    assert DirectoryIdentity.objects.count() == 0


PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
ODD_BODIES = [
    None,
    "",
    "null",
    "[]",
    '"text"',
    json.dumps({"userName": {"a": 1}}),
    json.dumps({"displayName": 5, "members": [{"value": 5}]}),
    json.dumps(
        {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [1]}]}
    ),
    json.dumps({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": 7}]}),
    json.dumps({"schemas": [SEARCH], "filter": 'userName eq "\u0000"', "startIndex": 10**20}),
    json.dumps({"schemas": [SEARCH], "filter": "userName pr", "startIndex": 10**20}),
    "\udcff".encode("utf-8", "surrogatepass"),
]


def test_no_input_is_a_server_error(scim):
    user = scim.post("Users", user_body()).json()["id"]
    group = scim.post("Groups", {"displayName": "Ops", "members": [{"value": user}]}).json()["id"]
    paths = ["Users", f"Users/{user}", "Groups", f"Groups/{group}", "Users/.search", ".search"]
    for path in paths:
        for method in ("post", "put", "patch"):
            for body in ODD_BODIES:
                response = scim.request(method, path, body)
                assert response.status_code < 500, (method, path, body, response.content)
                if response.status_code >= 400:
                    assert response.json()["schemas"] == [ERROR_SCHEMA]
    for query in ("startIndex=99999999999999999999", "count=-5", 'filter=userName eq "\x00"'):
        assert scim.get(f"Users?{query}").status_code in (200, 400)

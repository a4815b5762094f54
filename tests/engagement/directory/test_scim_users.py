"""SCIM Users on Acme's host: provisioning, updates (PUT and PATCH in Azure's and Okta's styles),
filters and pages, deactivation (sessions and credentials end), DELETE, and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.api_tokens.models import ApiToken
from accounts.api_tokens.services import api_token_create, api_token_expiry_bounds
from accounts.models import User
from engagement.directory.models import DirectoryIdentity
from engagement.programmes.models import EmployeeProfile, Site, Team, TeamMembership
from tests.engagement.directory.conftest import (
    ENTERPRISE,
    ENTRAIDE,
    ERROR_SCHEMA,
    patch_body,
    user_body,
)
from tests.engagement.factories import UserFactory


def _create(scim: Any, user_name: str = "ada@acme.example", **extra: Any) -> dict[str, Any]:
    response = scim.post("Users", user_body(user_name, **extra))
    assert response.status_code == 201, response.content
    return response.json()


def _state() -> list[tuple[str, str, bool]]:
    return list(User.objects.order_by("email").values_list("email", "first_name", "is_active"))


def test_create_makes_a_verified_volunteer_without_password(scim):
    created = _create(
        scim,
        title="Engineer",
        externalId="00u1",
        **{ENTERPRISE: {"employeeNumber": "E-42", "department": "R&D"}},
    )

    user = User.objects.get(email="ada@acme.example")
    assert (user.first_name, user.last_name, user.role, user.is_active) == (
        "Ada",
        "Lovelace",
        User.Role.VOLUNTEER,
        True,
    )
    assert user.has_usable_password() is False
    assert list(EmailAddress.objects.filter(user=user).values_list("verified", "primary")) == [
        (True, True)
    ]
    profile = EmployeeProfile.objects.get(user=user)
    assert (profile.employee_number, profile.department, profile.job_title) == (
        "E-42",
        "R&D",
        "Engineer",
    )
    identity = DirectoryIdentity.objects.get(user=user)
    assert created["id"] == str(identity.scim_id)
    assert created["externalId"] == "00u1"
    assert created[ENTERPRISE] == {"employeeNumber": "E-42", "department": "R&D"}
    assert (
        created["meta"]["location"] == f"http://acme.entraide.test/scim/v2/Users/{identity.scim_id}"
    )


def test_create_links_a_person_who_signed_up_before(scim):
    existing = UserFactory(email="ada@acme.example", first_name="A")

    created = _create(scim)

    assert DirectoryIdentity.objects.get(scim_id=created["id"]).user_id == existing.pk
    assert User.objects.filter(email="ada@acme.example").count() == 1
    existing.refresh_from_db()
    assert existing.first_name == "Ada"


def test_manager_and_site_resolve_even_when_the_manager_arrives_later(scim):
    site = Site.objects.create(name="Lyon Part-Dieu", external_id="LYS")
    report = _create(scim, "bob@acme.example")
    scim.patch(
        f"Users/{report['id']}",
        patch_body(
            {"op": "add", "path": f"{ENTERPRISE}:manager", "value": {"value": "pending"}},
            {"op": "replace", "path": f"{ENTRAIDE}:site", "value": "lys"},
        ),
    )
    # The manager's id is not known yet: the profile waits, the value is kept.
    assert EmployeeProfile.objects.get(user__email="bob@acme.example").manager is None

    manager = _create(scim, "carol@acme.example")
    response = scim.patch(
        f"Users/{report['id']}",
        patch_body(
            {"op": "replace", "path": f"{ENTERPRISE}:manager.value", "value": manager["id"]}
        ),
    )

    assert response.status_code == 200, response.content
    profile = EmployeeProfile.objects.get(user__email="bob@acme.example")
    assert profile.manager.email == "carol@acme.example"
    assert profile.site is None  # "lys" is neither the external id (case matters) nor the name
    scim.patch(
        f"Users/{report['id']}",
        patch_body({"op": "replace", "path": f"{ENTRAIDE}:site", "value": "LYS"}),
    )
    assert EmployeeProfile.objects.get(user__email="bob@acme.example").site == site


def test_a_manager_named_before_being_provisioned_is_set_when_they_arrive(scim):
    report = _create(scim, "bob@acme.example")
    identity_manager = "6b1c1f4e-8f7e-4a5f-9d7e-1a2b3c4d5e6f"
    scim.patch(
        f"Users/{report['id']}",
        patch_body(
            {"op": "add", "path": f"{ENTERPRISE}:manager", "value": {"value": identity_manager}}
        ),
    )
    manager = _create(scim, "carol@acme.example")
    DirectoryIdentity.objects.filter(scim_id=manager["id"]).update(scim_id=identity_manager)
    # Any later change of the manager applies what was waiting for them.
    scim.patch(
        f"Users/{identity_manager}",
        patch_body({"op": "replace", "path": "title", "value": "Head of R&D"}),
    )
    assert EmployeeProfile.objects.get(user__email="bob@acme.example").manager.email == (
        "carol@acme.example"
    )


def test_azure_style_patch_changes_names_email_and_active(scim):
    created = _create(scim)

    response = scim.patch(
        f"Users/{created['id']}",
        patch_body(
            {"op": "Replace", "path": "name.givenName", "value": "Augusta"},
            {
                "op": "Replace",
                "path": 'emails[type eq "work"].value',
                "value": "augusta@acme.example",
            },
            {"op": "Replace", "path": "displayName", "value": "ignored"},
            {"op": "Replace", "path": "active", "value": "False"},
        ),
    )

    assert response.status_code == 200, response.content
    user = User.objects.get(directory_identity__scim_id=created["id"])
    assert (user.first_name, user.email, user.is_active) == (
        "Augusta",
        "augusta@acme.example",
        False,
    )
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("augusta@acme.example", True)
    ]


def test_okta_style_patch_without_path(scim):
    created = _create(scim)

    response = scim.patch(
        f"Users/{created['id']}",
        patch_body({"op": "replace", "value": {"active": False, "name": {"familyName": "King"}}}),
    )

    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    assert response.json()["name"] == {"familyName": "King"}
    assert User.objects.get(email="ada@acme.example").is_active is False


def test_put_replaces_everything(scim):
    created = _create(scim, **{ENTERPRISE: {"department": "R&D"}})

    body = user_body("ada@acme.example", name={"givenName": "Ada"})
    response = scim.put(f"Users/{created['id']}", body)

    assert response.status_code == 200, response.content
    user = User.objects.get(email="ada@acme.example")
    assert (user.first_name, user.last_name) == ("Ada", "")
    assert EmployeeProfile.objects.get(user=user).department == ""


def test_deactivation_ends_sessions_and_credentials_and_reactivation_restores_access(scim, in_acme):
    created = _create(scim)
    user = User.objects.get(email="ada@acme.example")
    User.objects.filter(pk=user.pk).update(role=User.Role.ADMIN)
    user.refresh_from_db()
    browser = Client(HTTP_HOST=in_acme.primary_host)
    browser.force_login(user)
    other = UserFactory()
    Client(HTTP_HOST=in_acme.primary_host).force_login(other)
    token = api_token_create(
        actor=user, name="sync", scope="read", expires_on=api_token_expiry_bounds()[0]
    ).token
    team = Team.objects.create(name="R&D", source=Team.Source.DIRECTORY)
    TeamMembership.objects.create(team=team, user=user)
    sessions_before = Session.objects.count()

    response = scim.patch(
        f"Users/{created['id']}", patch_body({"op": "replace", "path": "active", "value": False})
    )

    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.is_active is False
    assert Session.objects.count() == sessions_before - 1
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    # Kept: reactivation gives the person back their teams.
    assert TeamMembership.objects.filter(user=user).count() == 1

    response = scim.patch(
        f"Users/{created['id']}", patch_body({"op": "replace", "path": "active", "value": True})
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.is_active is True
    assert browser.get("/gestion/").status_code in (302, 200)


def test_the_last_active_admin_cannot_be_deactivated(scim, acme_admin):
    User.objects.filter(role=User.Role.ADMIN).exclude(pk=acme_admin.pk).update(is_active=False)
    identity = DirectoryIdentity.objects.create(user=acme_admin, user_name=acme_admin.email)

    response = scim.patch(
        f"Users/{identity.scim_id}", patch_body({"op": "replace", "path": "active", "value": False})
    )

    assert response.status_code == 409
    acme_admin.refresh_from_db()
    assert acme_admin.is_active is True


def test_delete_deactivates_and_forgets_the_directory_link(scim, in_acme):
    created = _create(scim)
    user = User.objects.get(email="ada@acme.example")
    Client(HTTP_HOST=in_acme.primary_host).force_login(user)
    team = Team.objects.create(name="R&D", source=Team.Source.DIRECTORY)
    manual = Team.objects.create(name="Running club")
    TeamMembership.objects.create(team=team, user=user)
    TeamMembership.objects.create(team=manual, user=user)

    response = scim.delete(f"Users/{created['id']}")

    assert response.status_code == 204
    assert scim.get(f"Users/{created['id']}").status_code == 404
    user.refresh_from_db()
    assert user.is_active is False
    assert not DirectoryIdentity.objects.filter(user=user).exists()
    assert list(TeamMembership.objects.filter(user=user).values_list("team__name", flat=True)) == [
        "Running club"
    ]
    assert Session.objects.filter(session_key__isnull=False).count() == 0


def test_filters_and_pages(scim):
    for index in range(3):
        _create(scim, f"p{index}@acme.example", externalId=f"ext-{index}")

    by_name = scim.get('Users?filter=userName eq "P1@acme.example"').json()
    by_external = scim.get('Users?filter=externalId eq "ext-2"').json()
    page = scim.get("Users?startIndex=2&count=1").json()

    assert [r["userName"] for r in by_name["Resources"]] == ["p1@acme.example"]
    assert [r["userName"] for r in by_external["Resources"]] == ["p2@acme.example"]
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (3, 2, 1)
    assert [r["userName"] for r in page["Resources"]] == ["p1@acme.example"]


def test_list_costs_the_same_queries_for_one_and_many(scim, django_assert_max_num_queries):
    _create(scim, "one@acme.example")
    with django_assert_max_num_queries(12) as one:
        scim.get("Users")
    queries_for_one = len(one)
    for index in range(6):
        _create(scim, f"many{index}@acme.example")
    with django_assert_max_num_queries(queries_for_one):
        response = scim.get("Users")
    assert response.json()["totalResults"] == 7


@pytest.mark.parametrize(
    ("body", "status", "scim_type"),
    [
        ({"schemas": [], "name": {"givenName": "X"}}, 400, "invalidValue"),  # no userName
        (user_body("not-an-email"), 400, "invalidValue"),
        (user_body("x@acme.example", emails=[{"value": "nope"}]), 400, "invalidValue"),
        (user_body("x@acme.example", active="maybe"), 400, "invalidValue"),
        (user_body("x@acme.example", name="Ada"), 400, "invalidValue"),
        (user_body("x@acme.example", userName=["a"]), 400, "invalidValue"),
        ("{not json", 400, "invalidSyntax"),
        ([1, 2], 400, "invalidValue"),
    ],
)
def test_invalid_users_are_refused_and_nothing_changes(scim, body, status, scim_type):
    before = _state()

    response = scim.post("Users", body)

    assert response.status_code == status, response.content
    payload = response.json()
    assert payload["schemas"] == [ERROR_SCHEMA]
    assert (payload["status"], payload.get("scimType")) == (status, scim_type)
    assert _state() == before


def test_duplicate_user_name_is_a_uniqueness_conflict(scim):
    _create(scim)
    before = (_state(), DirectoryIdentity.objects.count())

    response = scim.post("Users", user_body("ADA@acme.example"))

    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"
    assert (_state(), DirectoryIdentity.objects.count()) == before


def test_changing_to_a_taken_email_is_a_conflict_and_changes_nothing(scim):
    created = _create(scim)
    _create(scim, "bob@acme.example")
    before = _state()

    response = scim.patch(
        f"Users/{created['id']}",
        patch_body({"op": "replace", "path": "emails", "value": [{"value": "bob@acme.example"}]}),
    )

    assert response.status_code == 409
    assert _state() == before


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "favouriteColour", "value": "blue"},
        {"op": "replace", "path": "name.middleName", "value": "B"},
        {"op": "replace", "path": f"{ENTERPRISE}:costCenter", "value": "42"},
        {"op": "replace", "value": {"nickName": "Ada"}},
        {"op": "move", "path": "title", "value": "x"},
        {"op": "remove"},
        {"op": "replace", "path": 'emails[value sw "a"].value', "value": "x@acme.example"},
        {"op": "replace", "path": "active", "value": 3},
    ],
)
def test_bad_patch_is_refused_and_nothing_changes(scim, operation):
    created = _create(scim)
    before = _state()

    response = scim.patch(
        f"Users/{created['id']}",
        patch_body({"op": "replace", "path": "title", "value": "changed first"}, operation),
    )

    assert response.status_code == 400, response.content
    assert response.json()["schemas"] == [ERROR_SCHEMA]
    assert _state() == before
    assert EmployeeProfile.objects.get(user__email="ada@acme.example").job_title == ""


@pytest.mark.parametrize(
    "query",
    [
        "filter=userName eq",
        'filter=nickName eq "x"',
        'filter=userName xx "x"',
        "filter=" + "(" * 300,
        "startIndex=abc",
    ],
)
def test_bad_filters_and_pages_are_scim_errors(scim, query):
    response = scim.get(f"Users?{query}")

    assert response.status_code == 400, response.content
    assert response.json()["schemas"] == [ERROR_SCHEMA]


def test_unknown_ids_are_scim_404s(scim):
    for path in ("Users/not-a-uuid", "Users/6b1c1f4e-8f7e-4a5f-9d7e-1a2b3c4d5e6f", "Nothing"):
        response = scim.get(path)
        assert response.status_code == 404
        assert response.json()["schemas"] == [ERROR_SCHEMA]

"""SCIM Groups on Acme's host: teams of source "directory", their members (Azure's and Okta's
PATCH styles), renames, filters, DELETE, and bad input."""

from __future__ import annotations

from typing import Any

import pytest

from engagement.programmes.models import Team, TeamMembership
from tests.engagement.directory.conftest import GROUP_SCHEMA, patch_body, user_body


def _user(scim: Any, user_name: str) -> str:
    response = scim.post("Users", user_body(user_name))
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _members(team_name: str) -> list[str]:
    return sorted(
        TeamMembership.objects.filter(team__name=team_name).values_list("user__email", flat=True)
    )


def _teams() -> list[tuple[str, str, str]]:
    return list(Team.objects.order_by("name").values_list("name", "source", "external_id"))


def test_create_group_makes_a_directory_team_with_members(scim):
    ada = _user(scim, "ada@acme.example")

    response = scim.post(
        "Groups",
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "R&D",
            "externalId": "g-1",
            "members": [{"value": ada}],
        },
    )

    assert response.status_code == 201, response.content
    team = Team.objects.get(name="R&D")
    assert (team.source, team.external_id) == (Team.Source.DIRECTORY, "g-1")
    assert _members("R&D") == ["ada@acme.example"]
    body = response.json()
    assert body["id"] == str(team.pk)
    assert body["members"] == [
        {"value": ada, "$ref": f"http://acme.entraide.test/scim/v2/Users/{ada}"}
    ]
    user = scim.get(f"Users/{ada}").json()
    assert [group["display"] for group in user["groups"]] == ["R&D"]


def test_azure_style_member_patches_and_rename(scim):
    ada, bob, carol = (_user(scim, f"{n}@acme.example") for n in ("ada", "bob", "carol"))
    group = scim.post("Groups", {"displayName": "R&D", "members": [{"value": ada}]}).json()
    TeamMembership.objects.filter(user__email="ada@acme.example").update(is_lead=True)

    response = scim.patch(
        f"Groups/{group['id']}",
        patch_body(
            {"op": "Add", "path": "members", "value": [{"value": bob}, {"value": carol}]},
            {"op": "Remove", "path": "members", "value": [{"value": carol}]},
            {"op": "Replace", "path": "displayName", "value": "Research"},
        ),
    )

    assert response.status_code == 200, response.content
    assert _members("Research") == ["ada@acme.example", "bob@acme.example"]
    # A kept member keeps what was set by hand.
    assert TeamMembership.objects.get(user__email="ada@acme.example").is_lead is True


def test_okta_style_member_patches(scim):
    ada, bob = (_user(scim, f"{n}@acme.example") for n in ("ada", "bob"))
    group = scim.post("Groups", {"displayName": "Sales", "members": [{"value": ada}]}).json()

    scim.patch(
        f"Groups/{group['id']}",
        patch_body({"op": "add", "path": "members", "value": [{"value": bob, "display": "Bob"}]}),
    )
    response = scim.patch(
        f"Groups/{group['id']}", patch_body({"op": "remove", "path": f'members[value eq "{ada}"]'})
    )
    assert response.status_code == 200
    assert _members("Sales") == ["bob@acme.example"]

    response = scim.patch(
        f"Groups/{group['id']}",
        patch_body({"op": "replace", "value": {"id": group["id"], "displayName": "Sales EMEA"}}),
    )
    assert response.status_code == 200
    assert _members("Sales EMEA") == ["bob@acme.example"]

    scim.patch(f"Groups/{group['id']}", patch_body({"op": "remove", "path": "members"}))
    assert _members("Sales EMEA") == []


def test_put_replaces_members_and_filter_by_display_name(scim):
    ada, bob = (_user(scim, f"{n}@acme.example") for n in ("ada", "bob"))
    group = scim.post("Groups", {"displayName": "Ops", "members": [{"value": ada}]}).json()
    scim.post("Groups", {"displayName": "Legal"})

    response = scim.put(
        f"Groups/{group['id']}", {"displayName": "Ops", "members": [{"value": bob}]}
    )
    found = scim.get('Groups?filter=displayName eq "ops"').json()

    assert response.status_code == 200
    assert _members("Ops") == ["bob@acme.example"]
    assert [r["displayName"] for r in found["Resources"]] == ["Ops"]


def test_delete_removes_the_team_and_manual_teams_are_not_served(scim):
    ada = _user(scim, "ada@acme.example")
    group = scim.post("Groups", {"displayName": "Ops", "members": [{"value": ada}]}).json()
    manual = Team.objects.create(name="Running club")

    assert scim.delete(f"Groups/{group['id']}").status_code == 204

    assert _teams() == [("Running club", "manual", "")]
    assert TeamMembership.objects.count() == 0
    assert scim.get(f"Groups/{manual.pk}").status_code == 404
    assert scim.delete(f"Groups/{manual.pk}").status_code == 404
    assert scim.get("Groups").json()["totalResults"] == 0


@pytest.mark.parametrize(
    ("body", "status", "scim_type"),
    [
        ({"members": []}, 400, "invalidValue"),
        (
            {"displayName": "X", "members": [{"value": "6b1c1f4e-8f7e-4a5f-9d7e-1a2b3c4d5e6f"}]},
            400,
            "invalidValue",
        ),
        ({"displayName": "X", "members": [{"value": "nope"}]}, 400, "invalidValue"),
        ({"displayName": "X", "members": [{}]}, 400, "invalidValue"),
        ({"displayName": "X", "members": "all"}, 400, "invalidValue"),
        ({"displayName": "running CLUB"}, 409, "uniqueness"),
        ({"displayName": "x" * 121}, 400, "invalidValue"),
    ],
)
def test_invalid_groups_are_refused_and_nothing_changes(scim, body, status, scim_type):
    Team.objects.create(name="Running club")
    before = (_teams(), TeamMembership.objects.count())

    response = scim.post("Groups", body)

    assert response.status_code == status, response.content
    assert (response.json()["status"], response.json().get("scimType")) == (status, scim_type)
    assert (_teams(), TeamMembership.objects.count()) == before


def test_bad_group_patch_changes_nothing(scim):
    ada = _user(scim, "ada@acme.example")
    group = scim.post("Groups", {"displayName": "Ops", "members": [{"value": ada}]}).json()

    response = scim.patch(
        f"Groups/{group['id']}",
        patch_body(
            {"op": "replace", "path": "displayName", "value": "Renamed"},
            {"op": "add", "path": "owners", "value": [{"value": ada}]},
        ),
    )

    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidPath"
    assert _teams() == [("Ops", "directory", "")]
    assert _members("Ops") == ["ada@acme.example"]


def test_group_list_costs_the_same_queries_for_one_and_many(scim, django_assert_max_num_queries):
    ada = _user(scim, "ada@acme.example")
    scim.post("Groups", {"displayName": "G0", "members": [{"value": ada}]})
    with django_assert_max_num_queries(10) as one:
        scim.get("Groups")
    queries_for_one = len(one)
    people = [_user(scim, f"p{index}@acme.example") for index in range(4)]
    for index in range(1, 6):
        scim.post(
            "Groups",
            {"displayName": f"G{index}", "members": [{"value": pk} for pk in [ada, *people]]},
        )
    with django_assert_max_num_queries(queries_for_one):
        response = scim.get("Groups")
    assert response.json()["totalResults"] == 6

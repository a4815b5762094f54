"""Access helpers: the same 404 for missing and not yours, scoped by tenant, organization, role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404

from accounts.permissions import user_is_moderator, user_is_tenant_admin
from engagement.missions.access import (
    mission_get_for_editor,
    mission_get_for_viewer,
    slot_get_for_editor,
)
from engagement.missions.models import Mission
from engagement.organizations.access import (
    organization_get_for_member,
    organization_get_for_moderator,
    user_organization_role,
)
from engagement.organizations.models import OrganizationMembership
from engagement.participations.access import (
    participation_get_for_organizer,
    participation_get_for_volunteer,
)
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    ModeratorFactory,
    ParticipationFactory,
    SlotFactory,
    TenantAdminFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Role = OrganizationMembership.Role
BAD_IDS = ["abc", "", None, 0, -1, True, "1.5", 2**70, "1; DROP TABLE x"]


@pytest.fixture
def people(in_paris):
    admin = MembershipFactory(role=Role.ADMIN)
    organization = admin.organization
    return {
        "organization": organization,
        "anonymous": AnonymousUser(),
        "volunteer": UserFactory(),
        "org_admin": admin.user,
        "org_editor": MembershipFactory(organization=organization, role=Role.EDITOR).user,
        "other_org_admin": MembershipFactory(role=Role.ADMIN).user,
        "moderator": ModeratorFactory(),
        "tenant_admin": TenantAdminFactory(),
    }


def visible(helper, people, names, **kwargs) -> dict[str, bool]:
    seen = {}
    for name in names:
        try:
            helper(user=people[name], **kwargs)
            seen[name] = True
        except Http404:
            seen[name] = False
    return seen


EVERYONE = [
    "anonymous",
    "volunteer",
    "org_admin",
    "org_editor",
    "other_org_admin",
    "moderator",
    "tenant_admin",
]


def test_roles(people):
    inactive = ModeratorFactory()
    inactive.is_active = False

    assert [user_is_moderator(people[n]) for n in EVERYONE] == [
        False,
        False,
        False,
        False,
        False,
        True,
        True,
    ]
    assert [user_is_tenant_admin(people[n]) for n in EVERYONE] == [
        False,
        False,
        False,
        False,
        False,
        False,
        True,
    ]
    assert user_is_moderator(inactive) is False
    assert user_is_moderator(None) is False
    organization = people["organization"]
    assert [user_organization_role(people[n], organization) for n in EVERYONE] == [
        None,
        None,
        "admin",
        "editor",
        None,
        None,
        None,
    ]
    assert user_organization_role(people["org_admin"], organization.pk) == "admin"


def test_a_published_mission_is_visible_to_everyone(people):
    mission = MissionFactory(organization=people["organization"])

    assert visible(mission_get_for_viewer, people, EVERYONE, mission_id=mission.pk) == {
        name: True for name in EVERYONE
    }
    assert mission_get_for_viewer(mission_id=str(mission.pk), user=people["anonymous"]) == mission


@pytest.mark.parametrize("status", [Mission.Status.DRAFT, Mission.Status.IN_REVIEW])
def test_an_unpublished_mission_is_visible_to_its_members_and_moderators(people, status):
    mission = MissionFactory(organization=people["organization"], status=status)

    assert visible(mission_get_for_viewer, people, EVERYONE, mission_id=mission.pk) == {
        "anonymous": False,
        "volunteer": False,
        "org_admin": True,
        "org_editor": True,
        "other_org_admin": False,
        "moderator": True,
        "tenant_admin": True,
    }


def test_a_closed_mission_stays_visible_to_its_participants(people):
    mission = MissionFactory(organization=people["organization"], status=Mission.Status.CLOSED)
    ParticipationFactory(slot=SlotFactory(mission=mission), volunteer=people["volunteer"])
    stranger = UserFactory()

    assert mission_get_for_viewer(mission_id=mission.pk, user=people["volunteer"]) == mission
    with pytest.raises(Http404):
        mission_get_for_viewer(mission_id=mission.pk, user=stranger)
    with pytest.raises(Http404):
        mission_get_for_viewer(mission_id=mission.pk, user=people["anonymous"])


def test_a_draft_is_not_visible_to_a_volunteer_who_has_a_participation(people):
    mission = MissionFactory(organization=people["organization"], status=Mission.Status.DRAFT)
    ParticipationFactory(slot=SlotFactory(mission=mission), volunteer=people["volunteer"])

    with pytest.raises(Http404):
        mission_get_for_viewer(mission_id=mission.pk, user=people["volunteer"])


def test_editing_is_for_the_organizations_admins_and_editors(people):
    mission = MissionFactory(organization=people["organization"])
    slot = SlotFactory(mission=mission)
    expected = {
        "anonymous": False,
        "volunteer": False,
        "org_admin": True,
        "org_editor": True,
        "other_org_admin": False,
        "moderator": False,
        "tenant_admin": False,
    }

    assert visible(mission_get_for_editor, people, EVERYONE, mission_id=mission.pk) == expected
    assert visible(slot_get_for_editor, people, EVERYONE, slot_id=slot.pk) == expected


def test_organization_for_member_honours_the_roles(people):
    organization = people["organization"]

    assert visible(
        organization_get_for_member, people, EVERYONE, organization_id=organization.pk
    ) == {
        "anonymous": False,
        "volunteer": False,
        "org_admin": True,
        "org_editor": True,
        "other_org_admin": False,
        "moderator": False,
        "tenant_admin": False,
    }
    assert visible(
        organization_get_for_member,
        people,
        ["org_admin", "org_editor"],
        organization_id=organization.pk,
        roles=("admin",),
    ) == {"org_admin": True, "org_editor": False}


def test_organization_for_moderator(people):
    assert visible(
        organization_get_for_moderator,
        people,
        EVERYONE,
        organization_id=people["organization"].pk,
    ) == {
        "anonymous": False,
        "volunteer": False,
        "org_admin": False,
        "org_editor": False,
        "other_org_admin": False,
        "moderator": True,
        "tenant_admin": True,
    }


def test_participations_for_their_volunteer_and_the_organizers(people):
    participation = ParticipationFactory(
        slot=SlotFactory(mission=MissionFactory(organization=people["organization"])),
        volunteer=people["volunteer"],
    )

    assert visible(
        participation_get_for_volunteer, people, EVERYONE, participation_id=participation.pk
    ) == {name: name == "volunteer" for name in EVERYONE}
    assert visible(
        participation_get_for_organizer, people, EVERYONE, participation_id=participation.pk
    ) == {name: name in {"org_admin", "org_editor"} for name in EVERYONE}


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_malformed_ids_are_404(people, bad_id):
    helpers = [
        lambda: mission_get_for_viewer(mission_id=bad_id, user=people["moderator"]),
        lambda: mission_get_for_editor(mission_id=bad_id, user=people["org_admin"]),
        lambda: organization_get_for_member(organization_id=bad_id, user=people["org_admin"]),
        lambda: organization_get_for_moderator(organization_id=bad_id, user=people["moderator"]),
        lambda: slot_get_for_editor(slot_id=bad_id, user=people["org_admin"]),
        lambda: participation_get_for_volunteer(participation_id=bad_id, user=people["volunteer"]),
        lambda: participation_get_for_organizer(participation_id=bad_id, user=people["org_admin"]),
    ]
    for helper in helpers:
        with pytest.raises(Http404):
            helper()


def test_missing_ids_are_404_like_foreign_ones(people):
    with pytest.raises(Http404):
        mission_get_for_viewer(mission_id=987654, user=people["moderator"])
    with pytest.raises(Http404):
        organization_get_for_moderator(organization_id=987654, user=people["moderator"])


def test_another_tenants_objects_are_404(people, montreal):
    mission = MissionFactory(organization=people["organization"])
    slot = SlotFactory(mission=mission)
    participation = ParticipationFactory(slot=slot)
    connection.set_tenant(montreal)
    moderator = ModeratorFactory(email="moderateur@montreal.example")
    namesake = MembershipFactory(role=Role.ADMIN).user

    with pytest.raises(Http404):
        mission_get_for_viewer(mission_id=mission.pk, user=AnonymousUser())
    with pytest.raises(Http404):
        mission_get_for_viewer(mission_id=mission.pk, user=moderator)
    with pytest.raises(Http404):
        organization_get_for_moderator(organization_id=people["organization"].pk, user=moderator)
    with pytest.raises(Http404):
        slot_get_for_editor(slot_id=slot.pk, user=namesake)
    with pytest.raises(Http404):
        participation_get_for_organizer(participation_id=participation.pk, user=namesake)

"""The organization space (/organisation/): registration, members and invitations, missions and
their dates, participants, CSV export and attendance — each page's permission matrix, the
cross-tenant 404s, fixed query counts and the behaviour behind every form."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from html import escape
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tenants.utils import tenant_context

import billing.entitlements
from accounts.models import User
from billing.plans import PLANS, Plan, Pricing
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
)
from engagement.organizations.services import organization_update
from engagement.participations.models import Participation
from engagement.taxonomy.models import Cause
from tests.engagement.factories import (
    InvitationFactory,
    MembershipFactory,
    MissionFactory,
    ModeratorFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
    VolunteerProfileFactory,
)
from tests.engagement.pictures import picture

pytestmark = pytest.mark.django_db

PARIS_ZONE = ZoneInfo("Europe/Paris")
ROLES = ("anonymous", "volunteer", "other_member", "editor", "admin", "moderator")


@dataclass
class World:
    organization: Organization
    admin: User
    editor: User
    other_member: User
    other_organization: Organization
    volunteer: User
    moderator: User
    mission: Mission
    slot: Slot
    participation: Participation
    invitation: OrganizationInvitation
    admin_membership: OrganizationMembership
    editor_membership: OrganizationMembership

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


@pytest.fixture
def world(in_paris) -> World:
    organization = OrganizationFactory(name="Les Amis du Canal")
    admin_membership = MembershipFactory(
        organization=organization,
        role=OrganizationMembership.Role.ADMIN,
        user=UserFactory(first_name="Alice", last_name="Admin"),
    )
    admin = admin_membership.user
    editor_membership = MembershipFactory(
        organization=organization,
        role=OrganizationMembership.Role.EDITOR,
        user=UserFactory(first_name="Eddy", last_name="Editor"),
    )
    editor = editor_membership.user
    other_organization = OrganizationFactory(name="Autre Association")
    other_member = MembershipFactory(organization=other_organization).user
    mission = MissionFactory(
        organization=organization, title="Nettoyage du canal", requires_approval=True
    )
    slot = SlotFactory(mission=mission, capacity=4)
    participation = ParticipationFactory(
        slot=slot,
        status=Participation.Status.REQUESTED,
        volunteer=UserFactory(first_name="Valentin", last_name="Volontaire"),
        message="Je viens avec des gants.",
    )
    return World(
        organization=organization,
        admin=admin,
        editor=editor,
        other_member=other_member,
        other_organization=other_organization,
        volunteer=UserFactory(),
        moderator=ModeratorFactory(),
        mission=mission,
        slot=slot,
        participation=participation,
        invitation=InvitationFactory(organization=organization, email="nouvelle@example.org"),
        admin_membership=admin_membership,
        editor_membership=editor_membership,
    )


def signed_in(client_for, tenant, user: User | None) -> Client:
    client = client_for(tenant)
    if user is not None:
        with tenant_context(tenant):
            client.force_login(user)
    return client


def assert_login_redirect(response, path: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={path}"


def run_in(tenant, callbacks) -> None:
    """Run what a request scheduled with on_commit, in its tenant (the test client's request
    has already reset the connection to the public schema when the capture ends)."""
    with tenant_context(tenant):
        for callback in callbacks:
            callback()


def fr(text: object) -> str:
    """What Paris's visitors read for an English message id (or a choice label)."""
    with translation.override("fr"):
        return gettext(str(text)) if isinstance(text, str) else str(text)


def fresh(tenant, instance):
    with tenant_context(tenant):
        instance.refresh_from_db()
    return instance


# --- permission matrix --------------------------------------------------------------------------

SIGNED_IN = {role: 200 for role in ROLES} | {"anonymous": 302}
MEMBERS = {
    "anonymous": 302,
    "volunteer": 404,
    "other_member": 404,
    "editor": 200,
    "admin": 200,
    "moderator": 404,
}
ADMINS = MEMBERS | {"editor": 404}

PAGES = {
    "dashboard": (lambda w: reverse("engagement:organization-dashboard"), SIGNED_IN),
    "register": (lambda w: reverse("engagement:organization-register"), SIGNED_IN),
    "detail": (
        lambda w: reverse("engagement:organization-detail", args=[w.organization.pk]),
        MEMBERS,
    ),
    "edit": (lambda w: reverse("engagement:organization-edit", args=[w.organization.pk]), ADMINS),
    "members": (
        lambda w: reverse("engagement:organization-members", args=[w.organization.pk]),
        ADMINS,
    ),
    "mission-create": (
        lambda w: reverse("engagement:organization-mission-create", args=[w.organization.pk]),
        MEMBERS,
    ),
    "mission": (lambda w: reverse("engagement:organization-mission", args=[w.mission.pk]), MEMBERS),
    "mission-edit": (
        lambda w: reverse("engagement:organization-mission-edit", args=[w.mission.pk]),
        MEMBERS,
    ),
    "slot-create": (
        lambda w: reverse("engagement:organization-slot-create", args=[w.mission.pk]),
        MEMBERS,
    ),
    "slot-edit": (
        lambda w: reverse("engagement:organization-slot-edit", args=[w.slot.pk]),
        MEMBERS,
    ),
    "participants-csv": (
        lambda w: reverse("engagement:organization-participants-csv", args=[w.mission.pk]),
        MEMBERS,
    ),
    "invitation": (
        lambda w: reverse("engagement:invitation-accept", args=[w.invitation.token]),
        {role: 200 for role in ROLES},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_permission_matrix(client_for, paris, world, page, role):
    url_for, expected = PAGES[page]
    url = url_for(world)
    client = signed_in(client_for, paris, world.user(role))

    response = client.get(url)

    assert response.status_code == expected[role]
    if expected[role] == 302:
        assert_login_redirect(response, url)


ACTIONS = {
    # name: (url, POST data, what must not change)
    "mission-submit": (
        lambda w: reverse("engagement:organization-mission-submit", args=[w.mission.pk]),
        {},
        lambda w: w.mission.status,
    ),
    "mission-close": (
        lambda w: reverse("engagement:organization-mission-close", args=[w.mission.pk]),
        {},
        lambda w: w.mission.status,
    ),
    "mission-cancel": (
        lambda w: reverse("engagement:organization-mission-cancel", args=[w.mission.pk]),
        {},
        lambda w: w.mission.status,
    ),
    "mission-edit": (
        lambda w: reverse("engagement:organization-mission-edit", args=[w.mission.pk]),
        {"title": "Piraté", "is_remote": "on"},
        lambda w: w.mission.title,
    ),
    "slot-create": (
        lambda w: reverse("engagement:organization-slot-create", args=[w.mission.pk]),
        {"is_ongoing": "on", "capacity": "3"},
        lambda w: w.mission.slots.count(),
    ),
    "slot-edit": (
        lambda w: reverse("engagement:organization-slot-edit", args=[w.slot.pk]),
        {"is_ongoing": "on", "capacity": "9"},
        lambda w: (w.slot.capacity, w.slot.starts_at),
    ),
    "slot-cancel": (
        lambda w: reverse("engagement:organization-slot-cancel", args=[w.slot.pk]),
        {},
        lambda w: w.slot.status,
    ),
    "participation-confirm": (
        lambda w: reverse(
            "engagement:organization-participation-confirm", args=[w.participation.pk]
        ),
        {},
        lambda w: w.participation.status,
    ),
    "participation-decline": (
        lambda w: reverse(
            "engagement:organization-participation-decline", args=[w.participation.pk]
        ),
        {"reason": "Non"},
        lambda w: w.participation.status,
    ),
    "participation-attended": (
        lambda w: reverse(
            "engagement:organization-participation-attended", args=[w.participation.pk]
        ),
        {"hours": "2"},
        lambda w: (w.participation.status, w.participation.hours),
    ),
    "participation-no-show": (
        lambda w: reverse(
            "engagement:organization-participation-no-show", args=[w.participation.pk]
        ),
        {},
        lambda w: w.participation.status,
    ),
    "edit": (
        lambda w: reverse("engagement:organization-edit", args=[w.organization.pk]),
        {"name": "Piratée", "kind": "association"},
        lambda w: w.organization.name,
    ),
    "members": (
        lambda w: reverse("engagement:organization-members", args=[w.organization.pk]),
        {"email": "intrus@example.org", "role": "admin"},
        lambda w: w.organization.invitations.count(),
    ),
    "mission-create": (
        lambda w: reverse("engagement:organization-mission-create", args=[w.organization.pk]),
        {"title": "Intruse", "is_remote": "on"},
        lambda w: w.organization.missions.count(),
    ),
    "member-remove": (
        lambda w: reverse(
            "engagement:organization-member-remove",
            args=[w.organization.pk, w.editor_membership.pk],
        ),
        {},
        lambda w: w.organization.memberships.count(),
    ),
}
ADMIN_ONLY_ACTIONS = {"edit", "members"}


def _state(paris, world, action):
    with tenant_context(paris):
        for instance in (world.mission, world.slot, world.participation, world.organization):
            instance.refresh_from_db()
        return ACTIONS[action][2](world)


OUTSIDER_CASES = [
    (action, role)
    for action in sorted(ACTIONS)
    for role in ("anonymous", "volunteer", "other_member", "moderator")
] + [(action, "editor") for action in sorted(ADMIN_ONLY_ACTIONS)]


@pytest.mark.parametrize(("action", "role"), OUTSIDER_CASES)
def test_actions_refuse_outsiders_and_change_nothing(client_for, paris, world, action, role):
    url_for, data, _ = ACTIONS[action]
    url = url_for(world)
    if action == "participation-attended":
        data = {f"p{world.participation.pk}-hours": "2"}
    before = _state(paris, world, action)
    client = signed_in(client_for, paris, world.user(role))

    response = client.post(url, data)

    if role == "anonymous":
        assert_login_redirect(response, url)
    else:
        assert response.status_code == 404
    assert _state(paris, world, action) == before


# --- members ------------------------------------------------------------------------------------


def member_remove_url(world: World, membership: OrganizationMembership) -> str:
    return reverse(
        "engagement:organization-member-remove", args=[world.organization.pk, membership.pk]
    )


def memberships_of(paris, world: World) -> set[int]:
    with tenant_context(paris):
        return set(world.organization.memberships.values_list("user_id", flat=True))


def test_an_admin_removes_an_editor_from_the_members_page(client_for, paris, world):
    client = signed_in(client_for, paris, world.admin)
    page = client.get(reverse("engagement:organization-members", args=[world.organization.pk]))
    assert member_remove_url(world, world.editor_membership) in page.content.decode()

    response = client.post(member_remove_url(world, world.editor_membership), follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "engagement:organization-members", args=[world.organization.pk]
    )
    assert memberships_of(paris, world) == {world.admin.pk}
    with translation.override("fr"):
        expected = gettext("%(person)s no longer belongs to the organization.") % {
            "person": "Eddy Editor"
        }
    assert escape(expected) in response.content.decode()
    former = signed_in(client_for, paris, world.editor)
    detail = reverse("engagement:organization-detail", args=[world.organization.pk])
    assert former.get(detail).status_code == 404


def test_an_editor_leaves_from_the_organization_page(client_for, paris, world):
    client = signed_in(client_for, paris, world.editor)
    detail = client.get(reverse("engagement:organization-detail", args=[world.organization.pk]))
    assert member_remove_url(world, world.editor_membership) in detail.content.decode()

    response = client.post(member_remove_url(world, world.editor_membership), follow=True)

    assert response.redirect_chain[-1][0] == reverse("engagement:organization-dashboard")
    assert memberships_of(paris, world) == {world.admin.pk}
    with translation.override("fr"):
        expected = gettext("You left %(organization)s.") % {"organization": "Les Amis du Canal"}
    assert escape(expected) in response.content.decode()


def test_the_admin_page_offers_no_leave_button_to_the_last_admin_who_cannot_leave(
    client_for, paris, world
):
    client = signed_in(client_for, paris, world.admin)
    for page in ("engagement:organization-detail", "engagement:organization-members"):
        shown = client.get(reverse(page, args=[world.organization.pk])).content.decode()
        assert member_remove_url(world, world.admin_membership) not in shown

    response = client.post(member_remove_url(world, world.admin_membership), follow=True)

    assert memberships_of(paris, world) == {world.admin.pk, world.editor.pk}
    page = response.content.decode()
    assert 'class="message error"' in page
    assert escape(fr("An organization keeps at least one administrator.")) in page


def test_an_editor_cannot_remove_the_admin(client_for, paris, world):
    client = signed_in(client_for, paris, world.editor)

    response = client.post(member_remove_url(world, world.admin_membership), follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "engagement:organization-detail", args=[world.organization.pk]
    )
    assert memberships_of(paris, world) == {world.admin.pk, world.editor.pk}
    assert (
        escape(fr("Only the organization's administrators can do this."))
        in response.content.decode()
    )


def test_a_membership_is_only_reached_through_its_own_organization(client_for, paris, world):
    with tenant_context(paris):
        elsewhere = world.other_organization.memberships.get()
    client = signed_in(client_for, paris, world.admin)

    response = client.post(
        reverse(
            "engagement:organization-member-remove",
            args=[world.organization.pk, elsewhere.pk],
        )
    )

    assert response.status_code == 404
    with tenant_context(paris):
        assert world.other_organization.memberships.count() == 1


def test_removing_a_paris_member_from_montreal_is_a_404(client_for, paris, montreal, world):
    with tenant_context(montreal):
        montreal_admin = MembershipFactory(
            organization=OrganizationFactory(), role=OrganizationMembership.Role.ADMIN
        ).user
    client = signed_in(client_for, montreal, montreal_admin)

    response = client.post(member_remove_url(world, world.editor_membership))

    assert response.status_code == 404
    assert memberships_of(paris, world) == {world.admin.pk, world.editor.pk}


# --- cross-tenant -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", sorted(set(PAGES) - {"dashboard", "register", "invitation"}))
def test_another_tenants_objects_are_404(client_for, paris, montreal, world, page):
    """A Montréal moderator who belongs to no organization asks for Paris's ids on Montréal."""
    url = PAGES[page][0](world)
    with tenant_context(montreal):
        montreal_moderator = ModeratorFactory()
    client = signed_in(client_for, montreal, montreal_moderator)

    assert client.get(url).status_code == 404


def test_another_tenants_invitation_token_is_refused(client_for, paris, montreal, world):
    with tenant_context(montreal):
        montreal_user = UserFactory(email=world.invitation.email)
    client = signed_in(client_for, montreal, montreal_user)

    response = client.post(reverse("engagement:invitation-accept", args=[world.invitation.token]))

    assert response.status_code == 404
    with tenant_context(montreal):
        assert not OrganizationMembership.objects.filter(user=montreal_user).exists()
    assert fresh(paris, world.invitation).accepted_at is None


@pytest.mark.parametrize("page", ["dashboard", "detail", "mission", "participants-csv"])
def test_a_paris_session_is_anonymous_on_montreal(client_for, paris, montreal, world, page):
    url = PAGES[page][0](world)
    paris_client = signed_in(client_for, paris, world.admin)
    assert paris_client.get(url).status_code == 200

    montreal_client = client_for(montreal)
    montreal_client.cookies["sessionid"] = paris_client.cookies["sessionid"].value
    response = montreal_client.get(url)

    assert_login_redirect(response, url)


# --- fixed query counts -------------------------------------------------------------------------


def _page_queries(client, url, django_assert_num_queries, expected: int) -> None:
    """The page's queries once the host → tenant cache is warm (as in production): the
    `SET search_path` of the request included."""
    client.get(url)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_dashboard_query_count_is_fixed(
    client_for, paris, in_paris, django_assert_num_queries, rows
):
    user = UserFactory()
    for _ in range(rows):
        MembershipFactory(user=user)
    client = signed_in(client_for, paris, user)

    # search_path, session, user, organizations
    _page_queries(
        client, reverse("engagement:organization-dashboard"), django_assert_num_queries, 4
    )


@pytest.mark.parametrize("rows", [3, 30])
def test_organization_page_query_count_is_fixed(
    client_for, paris, in_paris, django_assert_num_queries, rows
):
    membership = MembershipFactory()
    for _ in range(rows):
        MissionFactory(organization=membership.organization, causes=["solidarite"])
    client = signed_in(client_for, paris, membership.user)

    # search_path, session, user, organization (access), role, missions, their causes
    _page_queries(
        client,
        reverse("engagement:organization-detail", args=[membership.organization.pk]),
        django_assert_num_queries,
        7,
    )


@pytest.mark.parametrize("rows", [3, 30])
def test_members_page_query_count_is_fixed(
    client_for, paris, in_paris, django_assert_num_queries, rows
):
    membership = MembershipFactory()
    for _ in range(rows):
        MembershipFactory(organization=membership.organization)
        InvitationFactory(organization=membership.organization)
    client = signed_in(client_for, paris, membership.user)

    # search_path, session, user, organization (access), members with their users, invitations
    _page_queries(
        client,
        reverse("engagement:organization-members", args=[membership.organization.pk]),
        django_assert_num_queries,
        6,
    )


@pytest.mark.parametrize("rows", [3, 30])
def test_mission_page_query_count_is_fixed(
    client_for, paris, in_paris, django_assert_num_queries, rows
):
    membership = MembershipFactory()
    mission = MissionFactory(organization=membership.organization, requires_approval=True)
    slots = [SlotFactory(mission=mission, capacity=100) for _ in range(3)]
    for index in range(rows):
        ParticipationFactory(slot=slots[index % 3], status=Participation.Status.REQUESTED)
    client = signed_in(client_for, paris, membership.user)

    # search_path, session, user, mission (access), slots, participations with volunteers and
    # their profiles, their answers to reminders, messages sent to participants
    _page_queries(
        client,
        reverse("engagement:organization-mission", args=[mission.pk]),
        django_assert_num_queries,
        8,
    )


@pytest.mark.parametrize("rows", [3, 30])
def test_participants_csv_query_count_is_fixed(
    client_for, paris, in_paris, django_assert_num_queries, rows
):
    membership = MembershipFactory()
    slot = SlotFactory(mission=MissionFactory(organization=membership.organization), capacity=50)
    for _ in range(rows):
        ParticipationFactory(slot=slot)
    client = signed_in(client_for, paris, membership.user)

    # search_path, session, user, mission (access), participations with volunteers and slots
    _page_queries(
        client,
        reverse("engagement:organization-participants-csv", args=[slot.mission_id]),
        django_assert_num_queries,
        5,
    )


# --- registering and editing an organization ----------------------------------------------------

ORGANIZATION_DATA = {
    "name": "Jardins Partagés du 11e",
    "kind": "collectif",
    "description": "Un potager pour tout le quartier.",
    "address": "3 rue Saint-Maur, 75011 Paris",
    "website": "https://jardins.example",
    "contact_email": "bonjour@jardins.example",
}


def test_registering_creates_a_pending_organization_run_by_its_creator(client_for, paris, world):
    client = signed_in(client_for, paris, world.volunteer)

    response = client.post(reverse("engagement:organization-register"), ORGANIZATION_DATA)

    with tenant_context(paris):
        organization = Organization.objects.get(name="Jardins Partagés du 11e")
        assert organization.verification_status == Organization.Verification.PENDING
        assert organization.kind == Organization.Kind.COLLECTIVE
        assert organization.website == "https://jardins.example"
        assert list(organization.memberships.values_list("user_id", "role")) == [
            (world.volunteer.pk, "admin")
        ]
    assert response.status_code == 302
    assert response["Location"] == reverse("engagement:organization-detail", args=[organization.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Jardins Partagés du 11e" in page
    assert fr(Organization.Verification.PENDING.label) in page


def test_registering_with_errors_lists_them_linked_to_their_fields(client_for, paris, world):
    client = signed_in(client_for, paris, world.volunteer)

    response = client.post(
        reverse("engagement:organization-register"),
        ORGANIZATION_DATA | {"name": "", "website": "pas une url"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in page
    assert 'href="#id_name"' in page
    assert 'href="#id_website"' in page
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="id_name_error"' in page
    with tenant_context(paris):
        assert not Organization.objects.filter(contact_email="bonjour@jardins.example").exists()


def test_registering_beyond_the_plans_organization_limit_is_refused(
    client_for, paris, world, monkeypatch
):
    with tenant_context(paris):
        existing = Organization.objects.count()
    _use_plan(monkeypatch, paris, features=frozenset({"csv_export"}), max_organizations=existing)
    client = signed_in(client_for, paris, world.volunteer)

    response = client.post(reverse("engagement:organization-register"), ORGANIZATION_DATA)

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    with tenant_context(paris):
        assert Organization.objects.count() == existing


def test_an_admin_edits_the_organization(client_for, paris, world):
    client = signed_in(client_for, paris, world.admin)

    response = client.post(
        reverse("engagement:organization-edit", args=[world.organization.pk]),
        ORGANIZATION_DATA | {"name": "Les Amis du Canal Saint-Martin"},
    )

    assert response.status_code == 302
    assert fresh(paris, world.organization).name == "Les Amis du Canal Saint-Martin"


def test_an_admin_uploads_then_removes_the_logo_from_the_edit_page(
    client_for, paris, world, django_capture_on_commit_callbacks
):
    client = signed_in(client_for, paris, world.admin)
    edit = reverse("engagement:organization-edit", args=[world.organization.pk])
    assert 'enctype="multipart/form-data"' in client.get(edit).content.decode()

    response = client.post(
        edit,
        ORGANIZATION_DATA
        | {"logo": SimpleUploadedFile("logo.webp", picture("WEBP"), content_type="image/webp")},
    )

    assert response.status_code == 302
    logo_url = fresh(paris, world.organization).logo_url
    assert logo_url
    detail = client.get(reverse("engagement:organization-detail", args=[world.organization.pk]))
    assert f'src="{escape(logo_url)}"' in detail.content.decode()
    mission_page = client_for(paris).get(reverse("mission-detail", args=[world.mission.pk]))
    assert f'src="{escape(logo_url)}"' in mission_page.content.decode()
    assert client.get(logo_url)["Content-Type"] == "image/png"

    with django_capture_on_commit_callbacks() as callbacks:
        client.post(edit, ORGANIZATION_DATA | {"remove_logo": "on"})
    run_in(paris, callbacks)

    assert fresh(paris, world.organization).logo.name == ""
    assert client.get(logo_url).status_code == 404


def test_a_file_that_is_not_a_picture_is_a_form_error(client_for, paris, world):
    client = signed_in(client_for, paris, world.admin)

    response = client.post(
        reverse("engagement:organization-edit", args=[world.organization.pk]),
        ORGANIZATION_DATA
        | {
            "name": "Nouveau nom",
            "logo": SimpleUploadedFile("logo.png", b"%PDF-1.4", content_type="image/png"),
        },
    )

    assert response.status_code == 400
    assert escape(fr("This file is not a picture we can read (PNG, JPEG, WebP or GIF).")) in (
        response.content.decode()
    )
    organization = fresh(paris, world.organization)
    assert (organization.name, organization.logo.name) == ("Les Amis du Canal", "")


def test_a_logo_over_2_mb_is_refused_by_its_size(client_for, paris, world):
    client = signed_in(client_for, paris, world.admin)
    oversized = SimpleUploadedFile(
        "logo.png", b"\x89PNG" + b"\0" * (2 * 1024 * 1024), content_type="image/png"
    )

    response = client.post(
        reverse("engagement:organization-edit", args=[world.organization.pk]),
        ORGANIZATION_DATA | {"logo": oversized},
    )

    assert response.status_code == 400
    message = fr("The picture is too large (at most %(size)d MB).") % {"size": 2}
    assert escape(message) in response.content.decode()
    assert fresh(paris, world.organization).logo.name == ""


@pytest.mark.parametrize(
    ("role", "verified", "status"),
    [
        ("anonymous", True, 200),
        ("anonymous", False, 404),
        ("volunteer", False, 404),
        ("other_member", False, 404),
        ("editor", False, 200),
        ("moderator", False, 200),
    ],
)
def test_a_logo_is_public_once_the_organization_is_verified(
    client_for, paris, world, role, verified, status
):
    with tenant_context(paris):
        organization = Organization.objects.get(pk=world.organization.pk)
        organization.verification_status = (
            Organization.Verification.VERIFIED if verified else Organization.Verification.PENDING
        )
        organization.save(update_fields=["verification_status"])
        organization_update(organization=organization, actor=world.admin, logo=picture())
        logo_url = organization.logo_url

    response = signed_in(client_for, paris, world.user(role)).get(logo_url)

    assert response.status_code == status
    if status == 200:
        assert response["Cache-Control"] == ("public" if verified else "private") + (
            ", max-age=86400"
        )
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_paris_logo_is_a_404_on_montreal(client_for, paris, montreal, world):
    with tenant_context(paris):
        organization_update(organization=world.organization, actor=world.admin, logo=picture())
        logo_url = Organization.objects.get(pk=world.organization.pk).logo_url

    assert client_for(paris).get(logo_url).status_code == 200
    assert client_for(montreal).get(logo_url).status_code == 404


# --- invitations --------------------------------------------------------------------------------


def test_an_admin_invites_a_co_admin_by_email(
    client_for, paris, world, django_capture_on_commit_callbacks
):
    client = signed_in(client_for, paris, world.admin)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("engagement:organization-members", args=[world.organization.pk]),
            {"email": "Co-Admin@Example.org", "role": "admin"},
        )
    run_in(paris, callbacks)

    assert response.status_code == 302
    with tenant_context(paris):
        invitation = world.organization.invitations.get(email__iexact="co-admin@example.org")
    assert invitation.role == "admin"
    assert [message.to for message in mail.outbox] == [[invitation.email]]
    accept_path = reverse("engagement:invitation-accept", args=[invitation.token])
    assert accept_path in mail.outbox[0].body
    page = client.get(response["Location"]).content.decode()
    assert invitation.email in page
    assert "Alice Admin" in page
    assert "Eddy Editor" in page


def test_the_invitation_page_offers_sign_in_and_sign_up_that_come_back(client_for, paris, world):
    path = reverse("engagement:invitation-accept", args=[world.invitation.token])

    page = client_for(paris).get(path).content.decode()

    assert f'href="{reverse("account_login")}?next={path}"' in page
    assert f'href="{reverse("account_signup")}?next={path}"' in page


def test_an_invitee_signs_up_lands_back_and_joins(client_for, paris, world):
    path = reverse("engagement:invitation-accept", args=[world.invitation.token])
    client = client_for(paris)

    signup = client.post(
        f"{reverse('account_signup')}?next={path}",
        {
            "email": world.invitation.email,
            "password1": "un-mot-de-passe-solide",
            "password2": "un-mot-de-passe-solide",
            "accept_terms": "on",
        },
    )
    assert signup.status_code == 302
    assert signup["Location"] == "/accounts/confirm-email/"
    # The link of the confirmation e-mail signs the invitee in and brings them back.
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    assert link is not None
    confirmed = client.post(link.group(1))
    assert confirmed["Location"] == path
    assert fr("Accept the invitation") in client.get(path).content.decode()

    accepted = client.post(path)

    assert accepted.status_code == 302
    assert accepted["Location"] == reverse(
        "engagement:organization-detail", args=[world.organization.pk]
    )
    with tenant_context(paris):
        membership = OrganizationMembership.objects.get(user__email=world.invitation.email)
        assert membership.organization_id == world.organization.pk
        assert membership.role == world.invitation.role
    assert client.get(accepted["Location"]).status_code == 200


def test_an_invitation_sent_to_another_address_is_refused(client_for, paris, world):
    with tenant_context(paris):
        someone_else = UserFactory(email="quelquun@example.org")
    path = reverse("engagement:invitation-accept", args=[world.invitation.token])

    response = signed_in(client_for, paris, someone_else).post(path)

    assert response.status_code == 403
    assert 'role="alert"' in response.content.decode()
    assert "quelquun@example.org" in response.content.decode()
    with tenant_context(paris):
        assert not OrganizationMembership.objects.filter(user=someone_else).exists()
    assert fresh(paris, world.invitation).accepted_at is None


def test_accepting_while_signed_out_leads_to_sign_in(client_for, paris, world):
    path = reverse("engagement:invitation-accept", args=[world.invitation.token])

    response = client_for(paris).post(path)

    assert_login_redirect(response, path)
    assert fresh(paris, world.invitation).accepted_at is None


def test_a_used_invitation_cannot_be_accepted_twice(client_for, paris, world):
    with tenant_context(paris):
        invitee = UserFactory(email=world.invitation.email)
        intruder = UserFactory(email="intrus@example.org")
    path = reverse("engagement:invitation-accept", args=[world.invitation.token])
    assert signed_in(client_for, paris, invitee).post(path).status_code == 302

    response = signed_in(client_for, paris, intruder).post(path)

    assert response.status_code == 409
    with tenant_context(paris):
        assert not OrganizationMembership.objects.filter(user=intruder).exists()


# --- missions -----------------------------------------------------------------------------------


def mission_data(**overrides: str) -> dict[str, object]:
    with_cause = Cause.objects.get(slug="solidarite").pk
    data: dict[str, object] = {
        "title": "Distribution de repas",
        "summary": "Servir un repas chaud le samedi midi.",
        "description": "Accueil des bénéficiaires, service, rangement.",
        "causes": [with_cause],
        "address": "12 rue Oberkampf",
        "postcode": "75011",
        "city": "Paris",
        "latitude": "48.86490",
        "longitude": "2.37800",
        "is_step_free": "on",
        "is_beginner_friendly": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_an_editor_creates_a_draft_mission_with_its_pin(client_for, paris, world):
    with tenant_context(paris):
        data = mission_data()
    client = signed_in(client_for, paris, world.editor)

    response = client.post(
        reverse("engagement:organization-mission-create", args=[world.organization.pk]), data
    )

    with tenant_context(paris):
        mission = world.organization.missions.get(title="Distribution de repas")
        assert list(mission.causes.values_list("slug", flat=True)) == ["solidarite"]
    assert response.status_code == 302
    assert (
        response["Location"]
        == reverse("engagement:organization-mission", args=[mission.pk]) + "#slots"
    )
    assert mission.status == Mission.Status.DRAFT
    assert (round(mission.location.y, 5), round(mission.location.x, 5)) == (48.8649, 2.378)
    assert (mission.is_step_free, mission.is_open_to_minors, mission.is_remote) == (
        True,
        False,
        False,
    )


def test_without_a_pin_the_address_is_geocoded(client_for, paris, world):
    with tenant_context(paris):
        data = mission_data(latitude=None, longitude=None)
    client = signed_in(client_for, paris, world.editor)

    response = client.post(
        reverse("engagement:organization-mission-create", args=[world.organization.pk]),
        data,
        follow=True,
    )

    with tenant_context(paris):
        mission = world.organization.missions.get(title="Distribution de repas")
    assert (mission.location.y, mission.location.x) == (48.8590, 2.3800)
    assert "Paris 11e (75011)" in response.content.decode()


def test_a_mission_without_place_nor_remote_is_refused(client_for, paris, world):
    with tenant_context(paris):
        data = mission_data(latitude=None, longitude=None, address="", postcode="", city="")
        before = Mission.objects.count()
    client = signed_in(client_for, paris, world.editor)

    response = client.post(
        reverse("engagement:organization-mission-create", args=[world.organization.pk]), data
    )

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    with tenant_context(paris):
        assert Mission.objects.count() == before


def test_half_a_coordinate_pair_is_refused(client_for, paris, world):
    with tenant_context(paris):
        data = mission_data(longitude="")
    client = signed_in(client_for, paris, world.editor)

    response = client.post(
        reverse("engagement:organization-mission-create", args=[world.organization.pk]), data
    )

    assert response.status_code == 400
    assert 'href="#id_longitude"' in response.content.decode()


def test_a_remote_mission_needs_no_place(client_for, paris, world):
    with tenant_context(paris):
        data = mission_data(
            latitude=None, longitude=None, address="", postcode="", city="", is_remote="on"
        )
    client = signed_in(client_for, paris, world.editor)

    response = client.post(
        reverse("engagement:organization-mission-create", args=[world.organization.pk]), data
    )

    assert response.status_code == 302
    with tenant_context(paris):
        mission = world.organization.missions.get(title="Distribution de repas")
    assert (mission.is_remote, mission.location) == (True, None)


def test_the_mission_form_shows_the_map_picker_and_plain_coordinates(client_for, paris, world):
    client = signed_in(client_for, paris, world.editor)

    page = client.get(reverse("engagement:organization-mission-edit", args=[world.mission.pk]))

    html = page.content.decode()
    assert "data-map-picker" in html
    assert 'data-latitude-input="id_latitude"' in html
    assert 'name="latitude" value="48.8566"' in html
    assert 'name="longitude" value="2.3522"' in html
    assert "js/organization-map-picker.js" in html
    assert "leaflet/leaflet.js" in html


def test_an_editor_edits_a_draft_mission(client_for, paris, world):
    with tenant_context(paris):
        draft = MissionFactory(organization=world.organization, status=Mission.Status.DRAFT)
        data = mission_data(title="Distribution de repas du dimanche")
    client = signed_in(client_for, paris, world.editor)

    response = client.post(reverse("engagement:organization-mission-edit", args=[draft.pk]), data)

    assert response.status_code == 302
    assert fresh(paris, draft).title == "Distribution de repas du dimanche"


# --- dates (slots) ------------------------------------------------------------------------------


def test_a_date_is_added_in_the_tenants_time_zone(client_for, paris, world):
    day = (timezone.now() + timedelta(days=10)).astimezone(PARIS_ZONE).date()
    client = signed_in(client_for, paris, world.editor)

    response = client.post(
        reverse("engagement:organization-slot-create", args=[world.mission.pk]),
        {"day": day.isoformat(), "start_time": "09:30", "end_time": "12:00", "capacity": "6"},
    )

    assert response.status_code == 302
    with tenant_context(paris):
        slot = world.mission.slots.exclude(pk=world.slot.pk).get()
    assert slot.starts_at == datetime(day.year, day.month, day.day, 9, 30, tzinfo=PARIS_ZONE)
    assert slot.ends_at == datetime(day.year, day.month, day.day, 12, 0, tzinfo=PARIS_ZONE)
    assert slot.capacity == 6


def test_an_ongoing_period_has_no_dates(client_for, paris, world):
    client = signed_in(client_for, paris, world.editor)

    response = client.post(
        reverse("engagement:organization-slot-create", args=[world.mission.pk]),
        {"is_ongoing": "on", "capacity": "20"},
    )

    assert response.status_code == 302
    with tenant_context(paris):
        slot = world.mission.slots.exclude(pk=world.slot.pk).get()
    assert (slot.starts_at, slot.ends_at, slot.capacity) == (None, None, 20)


def test_a_date_ending_before_it_starts_is_refused(client_for, paris, world):
    day = (timezone.now() + timedelta(days=10)).date()
    client = signed_in(client_for, paris, world.editor)

    response = client.post(
        reverse("engagement:organization-slot-create", args=[world.mission.pk]),
        {"day": day.isoformat(), "start_time": "14:00", "end_time": "13:00", "capacity": "6"},
    )

    assert response.status_code == 400
    assert 'href="#id_end_time"' in response.content.decode()
    with tenant_context(paris):
        assert world.mission.slots.count() == 1


def test_a_date_in_the_past_is_refused_next_to_its_field(client_for, paris, world):
    day = (timezone.now() - timedelta(days=2)).astimezone(PARIS_ZONE).date()
    client = signed_in(client_for, paris, world.editor)

    response = client.post(
        reverse("engagement:organization-slot-create", args=[world.mission.pk]),
        {"day": day.isoformat(), "start_time": "09:00", "end_time": "11:00", "capacity": "6"},
    )

    assert response.status_code == 400
    assert 'href="#id_day"' in response.content.decode()
    with tenant_context(paris):
        assert world.mission.slots.count() == 1


def test_a_dates_capacity_is_changed(client_for, paris, world):
    client = signed_in(client_for, paris, world.editor)
    start = world.slot.starts_at.astimezone(PARIS_ZONE)
    end = world.slot.ends_at.astimezone(PARIS_ZONE)

    response = client.post(
        reverse("engagement:organization-slot-edit", args=[world.slot.pk]),
        {
            "day": start.date().isoformat(),
            "start_time": start.strftime("%H:%M"),
            "end_time": end.strftime("%H:%M"),
            "capacity": "12",
        },
    )

    assert response.status_code == 302
    slot = fresh(paris, world.slot)
    assert (slot.capacity, slot.starts_at) == (12, world.slot.starts_at)


def test_a_date_is_cancelled(client_for, paris, world):
    client = signed_in(client_for, paris, world.editor)

    response = client.post(reverse("engagement:organization-slot-cancel", args=[world.slot.pk]))

    assert response.status_code == 302
    assert fresh(paris, world.slot).status == Slot.Status.CANCELLED
    assert fresh(paris, world.participation).status == Participation.Status.CANCELLED


# --- submitting ---------------------------------------------------------------------------------


def _draft_with_a_slot(world: World) -> Mission:
    draft = MissionFactory(organization=world.organization, status=Mission.Status.DRAFT)
    SlotFactory(mission=draft)
    return draft


def test_submitting_goes_to_review_when_the_tenant_moderates(client_for, paris, world):
    draft = _draft_with_a_slot(world)
    client = signed_in(client_for, paris, world.editor)

    response = client.post(
        reverse("engagement:organization-mission-submit", args=[draft.pk]), follow=True
    )

    assert fresh(paris, draft).status == Mission.Status.IN_REVIEW
    assert (
        fr("The mission was sent to the moderators. You will hear back by e-mail.")
        in response.content.decode()
    )


def test_submitting_publishes_when_moderation_is_off(client_for, paris, world):
    draft = _draft_with_a_slot(world)
    paris.moderation_enabled = False
    paris.save(update_fields=["moderation_enabled"])
    client = signed_in(client_for, paris, world.editor)

    client.post(reverse("engagement:organization-mission-submit", args=[draft.pk]))

    assert fresh(paris, draft).status == Mission.Status.PUBLISHED


def test_an_unverified_organization_cannot_publish(client_for, paris, world):
    with tenant_context(paris):
        pending = OrganizationFactory(verification_status=Organization.Verification.PENDING)
        admin = MembershipFactory(organization=pending).user
        draft = MissionFactory(organization=pending, status=Mission.Status.DRAFT)
        SlotFactory(mission=draft)
    paris.moderation_enabled = False
    paris.save(update_fields=["moderation_enabled"])
    client = signed_in(client_for, paris, admin)

    response = client.post(
        reverse("engagement:organization-mission-submit", args=[draft.pk]), follow=True
    )

    assert fresh(paris, draft).status == Mission.Status.DRAFT
    assert 'class="message error"' in response.content.decode()


def test_a_draft_without_an_upcoming_date_stays_a_draft_with_a_readable_message(
    client_for, paris, world
):
    with tenant_context(paris):
        draft = MissionFactory(organization=world.organization, status=Mission.Status.DRAFT)
    client = signed_in(client_for, paris, world.editor)

    response = client.post(
        reverse("engagement:organization-mission-submit", args=[draft.pk]), follow=True
    )

    assert fresh(paris, draft).status == Mission.Status.DRAFT
    page = response.content.decode()
    assert 'class="message error"' in page
    assert (
        fr("Add at least one upcoming date, or an ongoing slot, before submitting the mission.")
        in page
    )


# --- participants -------------------------------------------------------------------------------


def test_the_mission_page_lists_participants_per_date(client_for, paris, world):
    client = signed_in(client_for, paris, world.editor)

    page = client.get(
        reverse("engagement:organization-mission", args=[world.mission.pk])
    ).content.decode()

    assert f'id="slot-{world.slot.pk}"' in page
    assert "Valentin Volontaire" in page
    assert "Je viens avec des gants." in page
    assert (
        reverse("engagement:organization-participation-confirm", args=[world.participation.pk])
        in page
    )
    assert reverse("engagement:organization-participants-csv", args=[world.mission.pk]) in page
    # Names, never e-mail addresses.
    assert world.participation.volunteer.email not in page


def test_the_mission_page_shows_display_names_and_phones_of_who_joined_only(
    client_for, paris, world
):
    with tenant_context(paris):
        VolunteerProfileFactory(
            user=world.participation.volunteer, display_name="Val le grand", phone="+33612345678"
        )
        gone = ParticipationFactory(
            slot=world.slot,
            status=Participation.Status.CANCELLED,
            volunteer=UserFactory(first_name="", last_name="", email="gone@example.org"),
        )
        VolunteerProfileFactory(user=gone.volunteer, phone="+33698765432")
    client = signed_in(client_for, paris, world.editor)

    page = client.get(
        reverse("engagement:organization-mission", args=[world.mission.pk])
    ).content.decode()

    assert "Val le grand" in page and "Valentin Volontaire" not in page
    assert "+33 6 12 34 56 78" in page
    # Cancelled: neither their phone nor their address; a neutral name.
    assert "+33 6 98 76 54 32" not in page
    assert "gone@example.org" not in page
    assert f"#{gone.volunteer.pk}" in page


def test_the_members_page_shows_names_not_addresses(client_for, paris, world):
    with tenant_context(paris):
        VolunteerProfileFactory(user=world.editor, display_name="Eddy du canal")
    client = signed_in(client_for, paris, world.admin)
    page = client.get(
        reverse("engagement:organization-members", args=[world.organization.pk])
    ).content.decode()
    assert "Eddy du canal" in page
    assert world.editor.email not in page


def test_an_editor_confirms_a_request(client_for, paris, world, django_capture_on_commit_callbacks):
    volunteer_email = world.participation.volunteer.email
    client = signed_in(client_for, paris, world.editor)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("engagement:organization-participation-confirm", args=[world.participation.pk])
        )
    run_in(paris, callbacks)

    assert response.status_code == 302
    assert response["Location"] == (
        reverse("engagement:organization-mission", args=[world.mission.pk])
        + f"#slot-{world.slot.pk}"
    )
    assert fresh(paris, world.participation).status == Participation.Status.CONFIRMED
    assert fresh(paris, world.slot).confirmed_count == 1
    assert [message.to for message in mail.outbox] == [[volunteer_email]]


def test_an_editor_declines_a_request_with_a_reason(client_for, paris, world):
    client = signed_in(client_for, paris, world.editor)

    client.post(
        reverse("engagement:organization-participation-decline", args=[world.participation.pk]),
        {"reason": "Complet pour les débutants."},
    )

    participation = fresh(paris, world.participation)
    assert participation.status == Participation.Status.DECLINED
    assert fresh(paris, world.slot).confirmed_count == 0


def _started_slot_with_a_volunteer(world: World) -> Participation:
    now = timezone.now()
    slot = SlotFactory(
        mission=world.mission, starts_at=now - timedelta(hours=2), ends_at=now + timedelta(hours=1)
    )
    return ParticipationFactory(slot=slot)


def test_attendance_and_hours_are_recorded(client_for, paris, world):
    participation = _started_slot_with_a_volunteer(world)
    client = signed_in(client_for, paris, world.admin)

    response = client.post(
        reverse("engagement:organization-participation-attended", args=[participation.pk]),
        {f"p{participation.pk}-hours": "2.5"},
    )

    assert response.status_code == 302
    participation = fresh(paris, participation)
    assert (participation.status, participation.hours) == ("attended", Decimal("2.50"))


def test_hours_beyond_the_dates_length_are_refused(client_for, paris, world):
    participation = _started_slot_with_a_volunteer(world)
    client = signed_in(client_for, paris, world.admin)

    response = client.post(
        reverse("engagement:organization-participation-attended", args=[participation.pk]),
        {f"p{participation.pk}-hours": "7"},
        follow=True,
    )

    assert 'class="message error"' in response.content.decode()
    participation = fresh(paris, participation)
    assert (participation.status, participation.hours) == ("confirmed", None)


def test_a_no_show_is_recorded(client_for, paris, world):
    participation = _started_slot_with_a_volunteer(world)
    client = signed_in(client_for, paris, world.admin)

    client.post(reverse("engagement:organization-participation-no-show", args=[participation.pk]))

    assert fresh(paris, participation).status == Participation.Status.NO_SHOW


def test_attendance_is_not_offered_before_the_date(client_for, paris, world):
    with tenant_context(paris):
        confirmed = ParticipationFactory(slot=world.slot)
    client = signed_in(client_for, paris, world.admin)

    page = client.get(
        reverse("engagement:organization-mission", args=[world.mission.pk])
    ).content.decode()

    assert (
        reverse("engagement:organization-participation-attended", args=[confirmed.pk]) not in page
    )


# --- CSV export ---------------------------------------------------------------------------------


def _use_plan(monkeypatch, tenant, *, features: frozenset[str], max_organizations: int) -> None:
    """Put the tenant on a plan of the catalogue made for the test (the real resolution runs)."""
    plan = Plan(
        code="city_test",
        name="Test",
        kind="city",
        pricing=Pricing.FLAT,
        trial_days=0,
        features=features,
        limits=MappingProxyType({"max_organizations": max_organizations}),
    )
    monkeypatch.setattr(
        billing.entitlements, "PLANS", MappingProxyType({**PLANS, "city_test": plan})
    )
    tenant.billing_plan = "city_test"
    tenant.save(update_fields=["billing_plan"])


def test_the_csv_lists_only_what_the_organization_needs(client_for, paris, world):
    with tenant_context(paris):
        now = timezone.now()
        past = SlotFactory(
            mission=world.mission,
            starts_at=now - timedelta(days=2, hours=3),
            ends_at=now - timedelta(days=2),
        )
        attended = ParticipationFactory(
            slot=past,
            volunteer=UserFactory(first_name="Zoé", last_name="Présente", email="zoe@example.org"),
        )
        VolunteerProfileFactory(
            user=attended.volunteer, display_name="Zoé P.", phone="+33612345678"
        )
        cancelled = ParticipationFactory(
            slot=past,
            status=Participation.Status.CANCELLED,
            volunteer=UserFactory(first_name="Paul", last_name="Parti", email="paul@example.org"),
        )
        VolunteerProfileFactory(user=cancelled.volunteer, phone="+33698765432")
        Participation.objects.filter(pk=attended.pk).update(status="attended", hours=3)
    client = signed_in(client_for, paris, world.editor)

    response = client.get(
        reverse("engagement:organization-participants-csv", args=[world.mission.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="participants-{world.mission.pk}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    past_label = _local_label(past)
    assert rows == [
        [
            fr("Name"),
            fr("Phone"),
            fr("Status"),
            fr("Date"),
            fr("Hours"),
            fr("Reason for cancelling"),
        ],
        # The display name; the phone of who joined (attended), not of who cancelled.
        [
            "Zoé P.",
            # Like every cell starting with + (formula injection), with a leading apostrophe.
            "'+33 6 12 34 56 78",
            fr(Participation.Status.ATTENDED.label),
            past_label,
            "3.00",
            "",
        ],
        ["Paul Parti", "", fr(Participation.Status.CANCELLED.label), past_label, "", ""],
        [
            "Valentin Volontaire",
            "",
            fr(Participation.Status.REQUESTED.label),
            _local_label(world.slot),
            "",
            "",
        ],
    ]
    assert "gants" not in response.content.decode()
    assert "@" not in response.content.decode()


def _local_label(slot: Slot) -> str:
    from engagement.organization_pages import slot_label

    with translation.override("fr"), timezone.override(PARIS_ZONE):
        return slot_label(slot)


def test_the_csv_neutralises_spreadsheet_formulas(client_for, paris, world):
    with tenant_context(paris):
        ParticipationFactory(
            slot=world.slot,
            volunteer=UserFactory(
                first_name='=HYPERLINK("http://evil.example","x")',
                last_name="",
                email="formula@example.org",
            ),
        )
        ParticipationFactory(
            slot=world.slot,
            volunteer=UserFactory(first_name="+33 6", last_name="@home", email="plus@example.org"),
        )
    client = signed_in(client_for, paris, world.editor)

    response = client.get(
        reverse("engagement:organization-participants-csv", args=[world.mission.pk])
    )

    names = [row[0] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))]
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert "'+33 6 @home" in names
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)


def test_the_csv_export_needs_the_plans_entitlement(client_for, paris, world, monkeypatch):
    _use_plan(monkeypatch, paris, features=frozenset(), max_organizations=100)
    client = signed_in(client_for, paris, world.editor)

    export = client.get(
        reverse("engagement:organization-participants-csv", args=[world.mission.pk])
    )
    page = client.get(
        reverse("engagement:organization-mission", args=[world.mission.pk])
    ).content.decode()

    assert export.status_code == 403
    assert reverse("engagement:organization-participants-csv", args=[world.mission.pk]) not in page


# --- accessibility and language -----------------------------------------------------------------


@pytest.mark.parametrize("page", ["register", "mission-create", "mission", "members"])
def test_forms_group_fields_and_label_every_input(client_for, paris, world, page):
    client = signed_in(client_for, paris, world.admin)

    html = client.get(PAGES[page][0](world)).content.decode()

    assert "<fieldset" in html and "<legend" in html
    assert 'lang="fr"' in html
    for input_id in _input_ids(html):
        assert f'for="{input_id}"' in html, input_id


def _input_ids(html: str) -> list[str]:
    import re

    return [
        match.group(2)
        for match in re.finditer(r'<(input|textarea|select)\b[^>]*\bid="([^"]+)"', html)
        if 'type="hidden"' not in match.group(0)
    ]


def test_acme_sees_the_space_in_english_with_its_branding(client_for, acme):
    with tenant_context(acme):
        admin = MembershipFactory().user
    client = signed_in(client_for, acme, admin)

    html = client.get(reverse("engagement:organization-dashboard")).content.decode()

    assert 'lang="en"' in html
    assert "My organizations" in html
    assert "Acme Corp" in html
    assert "--brand-primary:#3b1f7a" in html

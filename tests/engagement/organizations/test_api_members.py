"""Organization members and invitations through the API (the permission matrix and the
cross-tenant cases are in test_permissions.py / test_cross_tenant.py)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from engagement.organizations.models import OrganizationInvitation, OrganizationMembership
from tests.engagement.api.endpoints import state_snapshot
from tests.engagement.conftest import error_body
from tests.engagement.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

Role = OrganizationMembership.Role


def members_path(world) -> str:  # type: ignore[no-untyped-def]
    return f"organizations/{world.organization.pk}/members/"


def invitations_path(world) -> str:  # type: ignore[no-untyped-def]
    return f"organizations/{world.organization.pk}/invitations/"


def test_members_are_listed_admins_first_with_their_users(world, api_for):
    body = api_for(world.tenant, world.editor).get(members_path(world)).json()

    assert body["count"] == 2
    admin, editor = body["results"]
    assert (admin["role"], admin["user"]["email"]) == ("admin", world.admin.email)
    assert (editor["role"], editor["user"]["email"]) == ("editor", world.editor.email)
    assert editor["id"] == world.editor_membership.pk
    assert editor["organization"]["id"] == world.organization.pk
    assert set(editor["user"]) == {"id", "email", "first_name", "last_name"}


def test_the_members_list_costs_the_same_queries_for_2_and_12_members(world, api_for):
    client = api_for(world.tenant, world.admin)
    client.get(members_path(world))  # warm the host cache

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(members_path(world)).status_code == 200
        return len(captured)

    with_two = queries()
    for _ in range(10):
        MembershipFactory(organization=world.organization, role=Role.EDITOR)

    assert queries() == with_two
    assert client.get(members_path(world)).json()["count"] == 12


def test_the_invitations_list_costs_the_same_queries_for_1_and_11_invitations(world, api_for):
    client = api_for(world.tenant, world.admin)
    client.get(invitations_path(world))  # warm the host cache

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(invitations_path(world)).status_code == 200
        return len(captured)

    with_one = queries()
    for index in range(10):
        OrganizationInvitation.objects.create(
            organization=world.organization, email=f"invite{index}@example.org", role=Role.EDITOR
        )

    assert queries() == with_one
    assert client.get(invitations_path(world)).json()["count"] == 11


def test_an_admin_invites_by_email_and_the_token_only_travels_in_the_email(
    world, api_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(world.tenant, world.admin).post(
            invitations_path(world), {"email": "Nouvelle.Recrue@Example.org", "role": "admin"}
        )

    assert response.status_code == 201, response.content
    body = response.json()
    invitation = OrganizationInvitation.objects.get(pk=body["id"])
    assert (body["email"], body["role"], body["is_expired"]) == (
        "nouvelle.recrue@example.org",
        "admin",
        False,
    )
    assert "token" not in body
    assert invitation.token not in response.content.decode()
    assert [message.to for message in mail.outbox] == [["nouvelle.recrue@example.org"]]
    assert invitation.token in mail.outbox[0].body
    listed = api_for(world.tenant, world.admin).get(invitations_path(world)).json()
    assert [item["id"] for item in listed["results"]] == [invitation.pk, world.invitation.pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "pas-une-adresse", "role": "editor"}, "email"),
        ({"role": "editor"}, "email"),
        ({"email": "a@example.org", "role": "owner"}, "role"),
    ],
)
def test_a_bad_invitation_is_a_400_with_field_errors_and_sends_nothing(world, api_for, body, field):
    before = state_snapshot()

    response = api_for(world.tenant, world.admin).post(invitations_path(world), body)

    assert response.status_code == 400
    assert field in error_body(response)["fields"]
    assert state_snapshot() == before


def test_inviting_a_member_again_is_a_409(world, api_for):
    response = api_for(world.tenant, world.admin).post(
        invitations_path(world), {"email": world.editor.email.upper(), "role": "admin"}
    )

    assert response.status_code == 409
    assert error_body(response)["code"] == "already_member"


def test_the_invited_volunteer_joins_with_the_token(world, api_for):
    client = api_for(world.tenant, world.volunteer)

    response = client.post("invitations/accept/", {"token": world.invitation.token})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["organization"]["id"], body["role"], body["user"]["id"]) == (
        world.organization.pk,
        "editor",
        world.volunteer.pk,
    )
    assert OrganizationMembership.objects.filter(
        organization=world.organization, user=world.volunteer
    ).exists()
    again = client.post("invitations/accept/", {"token": world.invitation.token})
    assert (again.status_code, error_body(again)["code"]) == (409, "invitation_used")
    assert client.get(f"organizations/{world.organization.pk}/missions/").status_code == 200


def test_accepting_someone_elses_unknown_or_expired_invitation_is_refused(world, api_for):
    client = api_for(world.tenant, world.volunteer)
    members_before = OrganizationMembership.objects.count()

    not_mine = api_for(world.tenant, world.other_member).post(
        "invitations/accept/", {"token": world.invitation.token}
    )
    unknown = client.post("invitations/accept/", {"token": "x" * 40})
    missing = client.post("invitations/accept/", {})
    OrganizationInvitation.objects.filter(pk=world.invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    expired = client.post("invitations/accept/", {"token": world.invitation.token})

    assert (not_mine.status_code, error_body(not_mine)["code"]) == (
        403,
        "invitation_email_mismatch",
    )
    assert (unknown.status_code, error_body(unknown)["code"]) == (404, "invitation_not_found")
    assert (missing.status_code, list(error_body(missing)["fields"])) == (400, ["token"])
    assert (expired.status_code, error_body(expired)["code"]) == (409, "invitation_used")
    assert OrganizationMembership.objects.count() == members_before
    assert not OrganizationMembership.objects.filter(user=world.volunteer).exists()


def test_an_invitation_of_another_tenant_is_unknown_here(world, montreal, api_for):
    with tenant_context(montreal):
        montreal_user = UserFactory(email=world.volunteer.email)
        montreal_organization = OrganizationFactory()
        foreign = OrganizationInvitation.objects.create(
            organization=montreal_organization, email=world.volunteer.email, role=Role.EDITOR
        )
        foreign_token = foreign.token
        assert montreal_user.pk

    response = api_for(world.tenant, world.volunteer).post(
        "invitations/accept/", {"token": foreign_token}
    )

    assert (response.status_code, error_body(response)["code"]) == (404, "invitation_not_found")
    with tenant_context(montreal):
        foreign.refresh_from_db()
        assert foreign.accepted_at is None


def test_an_editor_cannot_remove_an_admin_and_the_last_admin_cannot_leave(world, api_for):
    admin_membership = OrganizationMembership.objects.get(
        organization=world.organization, user=world.admin
    )
    path = f"{members_path(world)}{admin_membership.pk}/"
    before = state_snapshot()

    by_editor = api_for(world.tenant, world.editor).delete(path)
    leaving = api_for(world.tenant, world.admin).delete(path)

    assert (by_editor.status_code, error_body(by_editor)["code"]) == (
        403,
        "not_organization_member",
    )
    assert (leaving.status_code, error_body(leaving)["code"]) == (409, "last_admin")
    assert state_snapshot() == before


def test_a_membership_of_another_organization_is_a_404_even_for_an_admin(world, api_for):
    elsewhere = OrganizationMembership.objects.get(user=world.other_member)
    before = state_snapshot()

    through_mine = api_for(world.tenant, world.admin).delete(
        f"{members_path(world)}{elsewhere.pk}/"
    )
    through_theirs = api_for(world.tenant, world.admin).delete(
        f"organizations/{world.other_organization.pk}/members/{elsewhere.pk}/"
    )

    assert through_mine.status_code == through_theirs.status_code == 404
    assert state_snapshot() == before


def test_an_admin_removes_the_editor_who_then_sees_nothing(world, api_for):
    response = api_for(world.tenant, world.admin).delete(
        f"{members_path(world)}{world.editor_membership.pk}/"
    )

    assert response.status_code == 204
    assert not OrganizationMembership.objects.filter(pk=world.editor_membership.pk).exists()
    former = api_for(world.tenant, world.editor)
    assert former.get(members_path(world)).status_code == 404
    assert former.get(f"organizations/{world.organization.pk}/missions/").status_code == 404

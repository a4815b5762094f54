"""Organizations: creation within the plan, edits, verification, invitations, members."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from billing.entitlements import entitlement_limit
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.missions.models import Mission
from engagement.organizations.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
)
from engagement.organizations.services import (
    invitation_accept,
    membership_remove,
    organization_create,
    organization_invite,
    organization_update,
    organization_verify,
)
from tenants.audit.models import AuditEvent
from tests.engagement.conftest import audit_actions
from tests.engagement.factories import (
    InvitationFactory,
    MembershipFactory,
    MissionFactory,
    ModeratorFactory,
    OrganizationFactory,
    TenantAdminFactory,
    UserFactory,
)
from tests.engagement.pictures import picture, read

# Error messages are asserted in English, their source language.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

Role = OrganizationMembership.Role
Verification = Organization.Verification


def test_creating_an_organization_makes_the_creator_its_admin(volunteer):
    organization = organization_create(
        creator=volunteer,
        name="Les Amis du <i>Canal</i>",
        kind=Organization.Kind.COLLECTIVE,
        description="<p>Nettoyage <em>des berges</em></p><script>x()</script>",
        website="https://amis-du-canal.example",
        contact_email="Contact@Amis-du-Canal.example",
    )

    organization.refresh_from_db()
    assert (organization.name, organization.slug) == ("Les Amis du Canal", "les-amis-du-canal")
    assert organization.description == "<p>Nettoyage <em>des berges</em></p>"
    assert organization.contact_email == "contact@amis-du-canal.example"
    assert organization.verification_status == Verification.PENDING
    assert list(organization.memberships.values_list("user_id", "role")) == [
        (volunteer.pk, Role.ADMIN)
    ]
    assert audit_actions() == ["organization.created"]


def test_slugs_stay_unique(volunteer):
    first = organization_create(creator=volunteer, name="Entraide 11", kind="association")
    second = organization_create(creator=volunteer, name="Entraide 11", kind="association")

    assert (first.slug, second.slug) == ("entraide-11", "entraide-11-2")


def test_an_invalid_kind_or_website_is_a_field_error(volunteer):
    with pytest.raises(EngagementError) as raised:
        organization_create(creator=volunteer, name="X", kind="cartel", website="not a url")

    assert raised.value.code == EngagementErrorCode.INVALID
    assert set(raised.value.fields) == {"kind", "website"}
    assert Organization.objects.count() == 0


def test_the_plan_limits_the_number_of_organizations(volunteer):
    limit = entitlement_limit(connection.tenant, "max_organizations")
    assert limit == 50  # Paris is on the default city plan.
    OrganizationFactory.create_batch(limit - 1)
    OrganizationFactory(verification_status=Verification.REJECTED)  # rejected ones do not count
    organization_create(creator=volunteer, name="La cinquantième", kind="association")

    with pytest.raises(EngagementError) as raised:
        organization_create(creator=volunteer, name="Une de trop", kind="association")

    assert raised.value.code == EngagementErrorCode.ORGANIZATION_LIMIT_REACHED
    assert raised.value.status_code == 403
    assert Organization.objects.count() == limit + 1  # 50 counted + 1 rejected


def test_anonymous_cannot_create():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(EngagementError) as raised:
        organization_create(creator=AnonymousUser(), name="X", kind="association")

    assert raised.value.code == EngagementErrorCode.NOT_ALLOWED


def test_an_admin_updates_the_organization(organization, org_admin):
    updated = organization_update(
        organization=organization, actor=org_admin, name="Restos 11e", address="12 rue Oberkampf"
    )

    assert (updated.name, organization.name, updated.address) == (
        "Restos 11e",
        "Restos 11e",
        "12 rue Oberkampf",
    )
    assert AuditEvent.objects.get().data == {"fields": ["address", "name"]}


def test_a_tenant_admin_updates_any_organization(organization, in_paris):
    updated = organization_update(
        organization=organization, actor=TenantAdminFactory(), name="Nom corrigé"
    )

    assert updated.name == "Nom corrigé"


def _stored(organization: Organization) -> Path:
    """Where the logo file is on disk: MEDIA_ROOT/<tenant schema>/organizations/…"""
    return Path(settings.MEDIA_ROOT) / connection.schema_name / organization.logo.name


def test_a_logo_is_stored_re_encoded_in_the_tenants_folder(organization, org_admin):
    updated = organization_update(
        organization=organization, actor=org_admin, logo=picture("JPEG", (1024, 512))
    )

    path = _stored(updated)
    assert path.parent == Path(settings.MEDIA_ROOT) / "t_paris" / "organizations"
    assert path.name.startswith(f"{organization.slug}-") and path.suffix == ".png"
    assert read(path.read_bytes()).size == (512, 256)
    assert updated.logo_url == (f"/organisations/{organization.pk}/logo.png?v={path.stem}")
    assert AuditEvent.objects.get().data == {"fields": ["logo"]}


def test_replacing_or_removing_a_logo_deletes_the_old_file_once_committed(
    organization, org_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _stored(
            organization_update(organization=organization, actor=org_admin, logo=picture())
        )
    with django_capture_on_commit_callbacks(execute=True):
        second = _stored(
            organization_update(organization=organization, actor=org_admin, logo=picture("GIF"))
        )

    assert not first.exists() and second.exists()
    with django_capture_on_commit_callbacks(execute=True):
        cleared = organization_update(organization=organization, actor=org_admin, logo=None)

    assert (cleared.logo.name, cleared.logo_url) == ("", "")
    assert not second.exists()


def test_a_file_that_is_not_a_picture_changes_nothing(organization, org_admin):
    with pytest.raises(EngagementError) as raised:
        organization_update(
            organization=organization, actor=org_admin, name="Nouveau nom", logo=b"<svg/>"
        )

    assert raised.value.code == EngagementErrorCode.INVALID
    assert list(raised.value.fields) == ["logo"]
    organization.refresh_from_db()
    assert (organization.name, organization.logo.name) == ("Les Restos du Cœur Paris 11", "")
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("actor_name", ["org_editor", "outsider", "volunteer"])
def test_editors_and_outsiders_do_not_update(
    organization, org_editor, outsider, volunteer, actor_name
):
    actor = {"org_editor": org_editor, "outsider": outsider, "volunteer": volunteer}[actor_name]

    with pytest.raises(EngagementError) as raised:
        organization_update(organization=organization, actor=actor, name="Pirate")

    assert raised.value.code == EngagementErrorCode.NOT_ORGANIZATION_MEMBER
    organization.refresh_from_db()
    assert organization.name == "Les Restos du Cœur Paris 11"
    assert AuditEvent.objects.count() == 0


def test_a_moderator_verifies_a_pending_organization(in_paris):
    moderator = ModeratorFactory()
    pending = OrganizationFactory(verification_status=Verification.PENDING, verified_at=None)

    verified = organization_verify(
        organization=pending, actor=moderator, approve=True, note="SIRET vérifié"
    )

    assert verified.verification_status == pending.verification_status == Verification.VERIFIED
    assert (verified.verified_by_id, verified.verification_note) == (moderator.pk, "SIRET vérifié")
    assert verified.verified_at is not None
    event = AuditEvent.objects.get()
    assert event.action == "organization.verified"
    assert event.data == {
        "previous_status": "pending",
        "note": "SIRET vérifié",
        "missions_closed": [],
    }


def test_rejecting_a_verified_organization_closes_its_published_missions(organization, in_paris):
    published = MissionFactory(organization=organization)
    draft = MissionFactory(organization=organization, status=Mission.Status.DRAFT)

    organization_verify(organization=organization, actor=TenantAdminFactory(), approve=False)

    published.refresh_from_db()
    draft.refresh_from_db()
    assert (published.status, draft.status) == (Mission.Status.CLOSED, Mission.Status.DRAFT)
    assert AuditEvent.objects.get().data["missions_closed"] == [published.pk]


def test_verifying_twice_is_refused(organization, in_paris):
    with pytest.raises(EngagementError) as raised:
        organization_verify(organization=organization, actor=ModeratorFactory(), approve=True)

    assert raised.value.code == EngagementErrorCode.INVALID_TRANSITION
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("actor_name", ["org_admin", "volunteer"])
def test_only_moderators_verify(in_paris, org_admin, volunteer, actor_name):
    pending = OrganizationFactory(verification_status=Verification.PENDING)
    actor = {"org_admin": org_admin, "volunteer": volunteer}[actor_name]

    with pytest.raises(EngagementError) as raised:
        organization_verify(organization=pending, actor=actor, approve=True)

    assert raised.value.code == EngagementErrorCode.NOT_MODERATOR
    pending.refresh_from_db()
    assert pending.verification_status == Verification.PENDING


# --- Invitations and members ----------------------------------------------------------------------


def test_an_admin_invites_and_the_invitee_joins(organization, org_admin):
    invitation = organization_invite(
        organization=organization, actor=org_admin, email=" Lea@Example.org ", role=Role.EDITOR
    )
    lea = UserFactory(email="lea@example.org")

    membership = invitation_accept(token=invitation.token, user=lea)

    assert (membership.organization_id, membership.user_id, membership.role) == (
        organization.pk,
        lea.pk,
        Role.EDITOR,
    )
    invitation.refresh_from_db()
    assert (invitation.email, invitation.accepted_by_id) == ("lea@example.org", lea.pk)
    assert audit_actions() == ["organization.invited", "organization.member_joined"]


def test_an_invitation_is_single_use(organization, org_admin):
    invitation = organization_invite(organization=organization, actor=org_admin, email="a@b.org")
    user = UserFactory(email="a@b.org")
    invitation_accept(token=invitation.token, user=user)

    with pytest.raises(EngagementError) as raised:
        invitation_accept(token=invitation.token, user=user)

    assert raised.value.code == EngagementErrorCode.INVITATION_USED
    assert OrganizationMembership.objects.filter(user=user).count() == 1


def test_a_new_invitation_replaces_the_pending_one(organization, org_admin):
    first = organization_invite(organization=organization, actor=org_admin, email="a@b.org")
    organization_invite(organization=organization, actor=org_admin, email="A@B.org")

    with pytest.raises(EngagementError) as raised:
        invitation_accept(token=first.token, user=UserFactory(email="a@b.org"))

    assert raised.value.code == EngagementErrorCode.INVITATION_USED


def test_an_expired_invitation_is_refused(organization):
    invitation = InvitationFactory(
        organization=organization, email="a@b.org", expires_at=timezone.now() - timedelta(hours=1)
    )

    with pytest.raises(EngagementError) as raised:
        invitation_accept(token=invitation.token, user=UserFactory(email="a@b.org"))

    assert raised.value.code == EngagementErrorCode.INVITATION_USED
    assert OrganizationMembership.objects.filter(user__email="a@b.org").count() == 0


def test_an_invitation_for_someone_else_is_refused(organization):
    invitation = InvitationFactory(organization=organization, email="a@b.org")

    with pytest.raises(EngagementError) as raised:
        invitation_accept(token=invitation.token, user=UserFactory(email="c@d.org"))

    assert raised.value.code == EngagementErrorCode.INVITATION_EMAIL_MISMATCH
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_unknown_token_is_not_found(in_paris):
    with pytest.raises(EngagementError) as raised:
        invitation_accept(token="nope", user=UserFactory())

    assert (raised.value.code, raised.value.status_code) == (
        EngagementErrorCode.INVITATION_NOT_FOUND,
        404,
    )


def test_an_admin_invitation_upgrades_an_editor(organization, org_editor):
    invitation = InvitationFactory(
        organization=organization, email=org_editor.email, role=Role.ADMIN
    )

    membership = invitation_accept(token=invitation.token, user=org_editor)

    assert membership.role == Role.ADMIN


@pytest.mark.parametrize("actor_name", ["org_editor", "outsider"])
def test_only_admins_invite(organization, org_editor, outsider, actor_name):
    actor = {"org_editor": org_editor, "outsider": outsider}[actor_name]

    with pytest.raises(EngagementError) as raised:
        organization_invite(organization=organization, actor=actor, email="x@y.org")

    assert raised.value.code == EngagementErrorCode.NOT_ORGANIZATION_MEMBER
    assert OrganizationInvitation.objects.count() == 0


def test_inviting_a_member_or_a_bad_address_is_refused(organization, org_admin, org_editor):
    with pytest.raises(EngagementError) as raised:
        organization_invite(organization=organization, actor=org_admin, email=org_editor.email)
    assert raised.value.code == EngagementErrorCode.ALREADY_MEMBER

    with pytest.raises(EngagementError) as raised:
        organization_invite(organization=organization, actor=org_admin, email="not-an-email")
    assert raised.value.fields == {"email": ["Enter a valid e-mail address."]}

    with pytest.raises(EngagementError) as raised:
        organization_invite(
            organization=organization, actor=org_admin, email="a@b.org", role="owner"
        )
    assert list(raised.value.fields) == ["role"]
    assert OrganizationInvitation.objects.count() == 0


def test_an_admin_removes_an_editor_and_a_member_leaves(organization, org_admin, org_editor):
    other = MembershipFactory(organization=organization, role=Role.EDITOR)

    membership_remove(
        membership=OrganizationMembership.objects.get(user=org_editor), actor=org_admin
    )
    membership_remove(membership=other, actor=other.user)

    assert list(organization.memberships.values_list("user_id", flat=True)) == [org_admin.pk]
    assert audit_actions() == ["organization.member_removed", "organization.member_removed"]


def test_the_last_admin_cannot_leave(organization, org_admin):
    membership = OrganizationMembership.objects.get(user=org_admin)

    with pytest.raises(EngagementError) as raised:
        membership_remove(membership=membership, actor=org_admin)

    assert raised.value.code == EngagementErrorCode.LAST_ADMIN
    assert OrganizationMembership.objects.filter(pk=membership.pk).exists()


def test_an_editor_cannot_remove_an_admin(organization, org_admin, org_editor):
    MembershipFactory(organization=organization, role=Role.ADMIN)
    membership = OrganizationMembership.objects.get(user=org_admin)

    with pytest.raises(EngagementError) as raised:
        membership_remove(membership=membership, actor=org_editor)

    assert raised.value.code == EngagementErrorCode.NOT_ORGANIZATION_MEMBER
    assert organization.memberships.count() == 3

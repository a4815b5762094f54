"""The moderation queue (/organisation/moderation/): organizations waiting for verification and
missions in review, decided by the tenant's moderators and admins through the services."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_tenants.utils import tenant_context

from accounts.models import User
from engagement.missions.models import Mission
from engagement.organizations.models import Organization
from tenants.audit.models import AuditEvent
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    ModeratorFactory,
    OrganizationFactory,
    SlotFactory,
    TenantAdminFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "volunteer",
    "other_member",
    "editor",
    "admin",
    "moderator",
    "tenant_admin",
)
QUEUE_URL = "/organisation/moderation/"


@dataclass
class Queue:
    pending: Organization
    mission: Mission
    volunteer: User
    other_member: User
    editor: User
    admin: User
    moderator: User
    tenant_admin: User

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


@pytest.fixture
def queue(in_paris) -> Queue:
    pending = OrganizationFactory(
        name="Repair Café Belleville",
        verification_status=Organization.Verification.PENDING,
        verified_at=None,
    )
    pending_admin = MembershipFactory(organization=pending).user
    verified = OrganizationFactory(name="Les Amis du Canal")
    mission = MissionFactory(
        organization=verified,
        title="Nettoyage des berges",
        status=Mission.Status.IN_REVIEW,
        published_at=None,
    )
    SlotFactory(mission=mission)
    return Queue(
        pending=pending,
        mission=mission,
        volunteer=UserFactory(),
        other_member=pending_admin,
        editor=MembershipFactory(organization=verified, role="editor").user,
        admin=MembershipFactory(organization=verified).user,
        moderator=ModeratorFactory(),
        tenant_admin=TenantAdminFactory(),
    )


def signed_in(client_for, tenant, user: User | None) -> Client:
    client = client_for(tenant)
    if user is not None:
        with tenant_context(tenant):
            client.force_login(user)
    return client


def fresh(tenant, instance):
    with tenant_context(tenant):
        instance.refresh_from_db()
    return instance


def run_in(tenant, callbacks) -> None:
    with tenant_context(tenant):
        for callback in callbacks:
            callback()


def organization_url(queue: Queue) -> str:
    return reverse("engagement:moderation-organization", args=[queue.pending.pk])


def mission_url(queue: Queue) -> str:
    return reverse("engagement:moderation-mission", args=[queue.mission.pk])


# --- permissions --------------------------------------------------------------------------------

EXPECTED = {
    "anonymous": 302,
    "volunteer": 403,
    "other_member": 403,
    "editor": 403,
    "admin": 403,
    "moderator": 200,
    "tenant_admin": 200,
}


def test_the_queue_url_is_stable():
    assert reverse("engagement:moderation-queue") == QUEUE_URL


@pytest.mark.parametrize("role", ROLES)
def test_queue_permission_matrix(client_for, paris, queue, role):
    response = signed_in(client_for, paris, queue.user(role)).get(QUEUE_URL)

    assert response.status_code == EXPECTED[role]
    if role == "anonymous":
        assert response["Location"] == f"{reverse('account_login')}?next={QUEUE_URL}"


@pytest.mark.parametrize("role", ["anonymous", "volunteer", "other_member", "editor", "admin"])
@pytest.mark.parametrize("target", ["organization", "mission"])
def test_only_moderators_decide_and_nothing_changes_otherwise(
    client_for, paris, queue, role, target
):
    url = organization_url(queue) if target == "organization" else mission_url(queue)
    client = signed_in(client_for, paris, queue.user(role))

    response = client.post(url, {"decision": "approve"})

    assert response.status_code == (302 if role == "anonymous" else 403)
    if role == "anonymous":
        assert response["Location"] == f"{reverse('account_login')}?next={url}"
    assert fresh(paris, queue.pending).verification_status == "pending"
    assert fresh(paris, queue.mission).status == "in_review"


@pytest.mark.parametrize("method", ["get", "put"])
def test_decisions_only_accept_post(client_for, paris, queue, method):
    client = signed_in(client_for, paris, queue.moderator)

    response = getattr(client, method)(organization_url(queue))

    assert response.status_code == 405
    assert fresh(paris, queue.pending).verification_status == "pending"


# --- the queue ----------------------------------------------------------------------------------


def test_the_queue_lists_pending_organizations_and_missions_in_review(client_for, paris, queue):
    with tenant_context(paris):
        MissionFactory(title="Déjà publiée")
        OrganizationFactory(name="Déjà vérifiée")
    client = signed_in(client_for, paris, queue.moderator)

    page = client.get(QUEUE_URL).content.decode()

    assert "Repair Café Belleville" in page
    assert "Nettoyage des berges" in page
    assert "Déjà publiée" not in page
    assert "Déjà vérifiée" not in page
    assert f'action="{organization_url(queue)}"' in page
    assert f'action="{mission_url(queue)}"' in page
    assert reverse("mission-detail", args=[queue.mission.pk]) in page


@pytest.mark.parametrize("rows", [3, 30])
def test_queue_query_count_is_fixed(
    client_for, paris, in_paris, queue, django_assert_num_queries, rows
):
    for _ in range(rows):
        OrganizationFactory(verification_status="pending", verified_at=None)
        MissionFactory(organization=queue.pending, status="in_review", published_at=None)
    client = signed_in(client_for, paris, queue.moderator)
    client.get(QUEUE_URL)  # warm the host → tenant cache, as in production

    # search_path, session, user, organizations, missions with organizations, their causes
    with django_assert_num_queries(6):
        response = client.get(QUEUE_URL)

    assert response.status_code == 200


# --- decisions ----------------------------------------------------------------------------------


def test_a_moderator_verifies_an_organization(
    client_for, paris, queue, django_capture_on_commit_callbacks
):
    client = signed_in(client_for, paris, queue.moderator)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(organization_url(queue), {"decision": "approve"})
    run_in(paris, callbacks)

    assert response.status_code == 302
    assert response["Location"] == QUEUE_URL
    organization = fresh(paris, queue.pending)
    assert organization.verification_status == Organization.Verification.VERIFIED
    assert organization.verified_by_id == queue.moderator.pk
    assert [message.to for message in mail.outbox] == [[queue.other_member.email]]
    with tenant_context(paris):
        assert AuditEvent.objects.filter(
            action="organization.verified", target_id=organization.pk
        ).exists()


def test_a_tenant_admin_rejects_an_organization_with_a_note(client_for, paris, queue):
    client = signed_in(client_for, paris, queue.tenant_admin)

    client.post(
        organization_url(queue),
        {"decision": "reject", "note": "Merci d’indiquer votre numéro RNA."},
    )

    organization = fresh(paris, queue.pending)
    assert organization.verification_status == Organization.Verification.REJECTED
    assert organization.verification_note == "Merci d’indiquer votre numéro RNA."


def test_rejecting_without_a_note_is_refused_and_explained(client_for, paris, queue):
    client = signed_in(client_for, paris, queue.moderator)

    response = client.post(organization_url(queue), {"decision": "reject", "note": "  "})

    page = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in page
    note_id = f"organization-{queue.pending.pk}-note"
    assert f'href="#{note_id}"' in page
    assert f'id="{note_id}"' in page
    assert 'aria-invalid="true"' in page
    assert fresh(paris, queue.pending).verification_status == "pending"


def test_a_moderator_publishes_a_mission_in_review(
    client_for, paris, queue, django_capture_on_commit_callbacks
):
    client = signed_in(client_for, paris, queue.moderator)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(mission_url(queue), {"decision": "approve"})
    run_in(paris, callbacks)

    assert response.status_code == 302
    mission = fresh(paris, queue.mission)
    assert mission.status == Mission.Status.PUBLISHED
    assert mission.published_at is not None
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [queue.admin.email, queue.editor.email]
    )


def test_a_moderator_sends_a_mission_back_with_a_note(client_for, paris, queue):
    client = signed_in(client_for, paris, queue.moderator)

    response = client.post(
        mission_url(queue), {"decision": "reject", "note": "Précisez le lieu de rendez-vous."}
    )

    mission = fresh(paris, queue.mission)
    assert (mission.status, mission.moderation_note) == (
        Mission.Status.DRAFT,
        "Précisez le lieu de rendez-vous.",
    )
    page = signed_in(client_for, paris, queue.admin).get(
        reverse("engagement:organization-mission", args=[queue.mission.pk])
    )
    assert "Précisez le lieu de rendez-vous." in page.content.decode()
    assert response.status_code == 302


def test_a_decision_on_a_mission_no_longer_in_review_is_explained(client_for, paris, queue):
    with tenant_context(paris):
        Mission.objects.filter(pk=queue.mission.pk).update(status=Mission.Status.DRAFT)
    client = signed_in(client_for, paris, queue.moderator)

    response = client.post(mission_url(queue), {"decision": "approve"}, follow=True)

    assert 'class="message error"' in response.content.decode()
    assert fresh(paris, queue.mission).status == Mission.Status.DRAFT


# --- other tenants ------------------------------------------------------------------------------


def test_another_tenants_moderator_cannot_reach_these_items(client_for, paris, montreal, queue):
    with tenant_context(montreal):
        montreal_moderator = ModeratorFactory()
    client = signed_in(client_for, montreal, montreal_moderator)

    listing = client.get(QUEUE_URL)
    page = listing.content.decode()
    organization = client.post(organization_url(queue), {"decision": "approve"})
    mission = client.post(mission_url(queue), {"decision": "approve"})

    assert listing.status_code == 200
    assert "Repair Café Belleville" not in page
    assert "Nettoyage des berges" not in page
    assert (organization.status_code, mission.status_code) == (404, 404)
    assert fresh(paris, queue.pending).verification_status == "pending"
    assert fresh(paris, queue.mission).status == "in_review"


def test_a_paris_moderator_session_is_anonymous_on_montreal(client_for, paris, montreal, queue):
    paris_client = signed_in(client_for, paris, queue.moderator)
    assert paris_client.get(QUEUE_URL).status_code == 200

    montreal_client = client_for(montreal)
    montreal_client.cookies["sessionid"] = paris_client.cookies["sessionid"].value
    response = montreal_client.get(QUEUE_URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={QUEUE_URL}"

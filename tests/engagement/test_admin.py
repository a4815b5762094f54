"""The tenant's Django admin: scoped to its schema, by role, moderation through the services."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from engagement.missions.models import Mission
from engagement.organizations.models import Organization
from tenants.audit.models import AuditEvent
from tests.engagement.factories import (
    MissionFactory,
    ModeratorFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    TenantAdminFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADMIN = "/admin/engagement"


class TenantClient(Client):
    """A client on the tenant's host that puts the test's connection back on the tenant after
    each request (the routing middleware leaves it on the public schema)."""

    def __init__(self, tenant, **defaults):
        super().__init__(HTTP_HOST=tenant.primary_host, **defaults)
        self.tenant = tenant

    def request(self, **request):
        try:
            return super().request(**request)
        finally:
            connection.set_tenant(self.tenant)


def with_mfa(user):
    """Staff reach admin areas only with a second factor (accounts.middleware)."""
    TOTP.activate(user, generate_totp_secret())
    return user


# The audit trail's admin is tested in tests/tenants/test_audit.py.
MODELS = ["cause", "skill", "organization", "mission", "participation"]


@pytest.fixture
def paris_admin_client(in_paris):
    admin = with_mfa(TenantAdminFactory(email="maire@paris.example", is_staff=True))
    client = TenantClient(in_paris)
    client.force_login(admin)
    client.user = admin
    return client


@pytest.fixture
def moderator_client(in_paris):
    moderator = with_mfa(ModeratorFactory(email="moderation@paris.example"))
    client = TenantClient(in_paris)
    client.force_login(moderator)
    client.user = moderator
    return client


def post_action(client, model: str, action: str, ids: list[int], **extra):
    return client.post(
        f"{ADMIN}/{model}/",
        {"action": action, "_selected_action": [str(pk) for pk in ids], "index": "0", **extra},
    )


def test_a_paris_tenant_admin_sees_paris_data_only(paris, montreal, client_for):
    with tenant_context(montreal):
        OrganizationFactory(name="Collectif du Plateau")
        MissionFactory(title="Corvée au parc La Fontaine")
    with tenant_context(paris):
        OrganizationFactory(name="Les Amis de Belleville")
        MissionFactory(title="Maraude à République")
        admin = with_mfa(TenantAdminFactory(email="maire@paris.example"))
    client = client_for(paris)
    with tenant_context(paris):
        client.force_login(admin)

    organizations = client.get(f"{ADMIN}/organization/")
    missions = client.get(f"{ADMIN}/mission/")

    assert organizations.status_code == missions.status_code == 200
    assert "Les Amis de Belleville" in organizations.content.decode()
    assert "Collectif du Plateau" not in organizations.content.decode()
    assert "Maraude à République" in missions.content.decode()
    assert "Corvée au parc La Fontaine" not in missions.content.decode()


def test_a_paris_admin_session_means_nothing_on_montreal(paris_admin_client, montreal, client_for):
    other = client_for(montreal)
    other.cookies = paris_admin_client.cookies

    response = other.get(f"{ADMIN}/organization/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_montreal_object_id_is_not_reachable_from_paris(paris_admin_client, montreal):
    with tenant_context(montreal):
        foreign = OrganizationFactory(name="Collectif du Plateau")
    assert not Organization.objects.filter(pk=foreign.pk).exists()  # in Paris

    response = paris_admin_client.get(f"{ADMIN}/organization/{foreign.pk}/change/", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/admin/"
    assert "Collectif du Plateau" not in response.content.decode()


def test_the_tenant_admin_sees_every_engagement_model(paris_admin_client):
    index = paris_admin_client.get("/admin/").content.decode()

    for model in MODELS:
        assert f'href="{ADMIN}/{model}/"' in index
        assert paris_admin_client.get(f"{ADMIN}/{model}/").status_code == 200


def test_a_volunteer_gets_no_admin(in_paris, client_for):
    client = client_for(in_paris)
    client.force_login(UserFactory())

    # A clear 403 page at once, not the admin's login page (which would send them back).
    assert client.get("/admin/").status_code == 403
    assert client.get(f"{ADMIN}/organization/").status_code == 403


def test_a_staff_volunteer_still_gets_nothing(in_paris, client_for):
    client = client_for(in_paris)
    client.force_login(with_mfa(UserFactory(is_staff=True)))

    index = client.get("/admin/").content.decode()

    assert ADMIN not in index
    for model in MODELS:
        assert client.get(f"{ADMIN}/{model}/").status_code == 403


def test_a_moderator_sees_organizations_and_missions_only(moderator_client):
    index = moderator_client.get("/admin/").content.decode()

    assert f'href="{ADMIN}/organization/"' in index
    assert f'href="{ADMIN}/mission/"' in index
    for model in ["cause", "skill", "participation"]:
        assert f'href="{ADMIN}/{model}/"' not in index
        assert moderator_client.get(f"{ADMIN}/{model}/").status_code == 403
    assert moderator_client.get(f"{ADMIN}/cause/add/").status_code == 403


def test_a_moderator_cannot_edit_an_organization(moderator_client):
    organization = OrganizationFactory(name="Les Amis de Belleville")

    page = moderator_client.get(f"{ADMIN}/organization/{organization.pk}/change/")
    response = moderator_client.post(
        f"{ADMIN}/organization/{organization.pk}/change/",
        {"name": "Pirate", "kind": "association"},
    )

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.name == "Les Amis de Belleville"


def test_a_moderator_verifies_organizations_through_the_service(moderator_client):
    pending = OrganizationFactory(verification_status=Organization.Verification.PENDING)
    verified = OrganizationFactory()

    response = post_action(moderator_client, "organization", "verify", [pending.pk, verified.pk])

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.verification_status == Organization.Verification.VERIFIED
    assert pending.verified_by_id == moderator_client.user.pk
    event = AuditEvent.objects.get()
    assert (event.action, event.target_id, event.actor_id) == (
        "organization.verified",
        pending.pk,
        moderator_client.user.pk,
    )
    page = moderator_client.get(response["Location"]).content.decode()
    assert page.count('<li class="success">') == 1  # one verified
    assert page.count('<li class="error">') == 1  # the refusal for the verified one


def test_a_moderator_publishes_missions_in_review(moderator_client):
    in_review = MissionFactory(status=Mission.Status.IN_REVIEW)
    draft = MissionFactory(status=Mission.Status.DRAFT)

    post_action(moderator_client, "mission", "publish", [in_review.pk, draft.pk])

    in_review.refresh_from_db()
    draft.refresh_from_db()
    assert (in_review.status, draft.status) == (Mission.Status.PUBLISHED, Mission.Status.DRAFT)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["mission.published"]


def test_rejecting_asks_for_a_note_then_sends_back_to_draft(moderator_client):
    mission = MissionFactory(status=Mission.Status.IN_REVIEW, title="Atelier vélo")

    form = post_action(moderator_client, "mission", "reject", [mission.pk])
    assert form.status_code == 200
    assert "Atelier vélo" in form.content.decode()
    assert 'name="note"' in form.content.decode()
    mission.refresh_from_db()
    assert mission.status == Mission.Status.IN_REVIEW

    empty = moderator_client.post(
        f"{ADMIN}/mission/",
        {"action": "reject", "_selected_action": [mission.pk], "confirm": "yes", "note": " "},
    )
    mission.refresh_from_db()
    assert empty.status_code == 302
    assert mission.status == Mission.Status.IN_REVIEW

    moderator_client.post(
        f"{ADMIN}/mission/",
        {
            "action": "reject",
            "_selected_action": [mission.pk],
            "confirm": "yes",
            "note": "Précisez le lieu de rendez-vous.",
        },
    )

    mission.refresh_from_db()
    assert (mission.status, mission.moderation_note) == (
        Mission.Status.DRAFT,
        "Précisez le lieu de rendez-vous.",
    )


def test_missions_are_read_only_in_the_admin(paris_admin_client):
    mission = MissionFactory(title="Maraude")

    page = paris_admin_client.get(f"{ADMIN}/mission/{mission.pk}/change/")
    response = paris_admin_client.post(
        f"{ADMIN}/mission/{mission.pk}/change/", {"title": "Changée"}
    )

    assert page.status_code == 200
    assert response.status_code == 403
    assert paris_admin_client.get(f"{ADMIN}/mission/add/").status_code == 403
    mission.refresh_from_db()
    assert mission.title == "Maraude"


def test_a_tenant_admin_edits_an_organization_through_the_service(paris_admin_client):
    organization = OrganizationFactory(name="Amis de Belleville", kind="association")

    response = paris_admin_client.post(
        f"{ADMIN}/organization/{organization.pk}/change/",
        {
            "name": "Les Amis de Belleville",
            "kind": "association",
            "description": "<p>Quartier<script>x()</script></p>",
            "address": "",
            "website": "",
            "contact_email": organization.contact_email,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.name == "Les Amis de Belleville"
    assert organization.description == "<p>Quartier</p>"
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.data) == (
        "organization.updated",
        paris_admin_client.user.pk,
        {"fields": ["description", "name"]},
    )


def test_participations_are_read_only(paris_admin_client):
    participation = ParticipationFactory()

    assert paris_admin_client.get(f"{ADMIN}/participation/add/").status_code == 403
    assert (
        paris_admin_client.get(f"{ADMIN}/participation/{participation.pk}/change/").status_code
        == 200
    )
    assert (
        paris_admin_client.post(
            f"{ADMIN}/participation/{participation.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )


def test_a_tenant_admin_adds_a_cause(paris_admin_client):
    response = paris_admin_client.post(
        f"{ADMIN}/cause/add/",
        {
            "slug": "numerique",
            "name_fr": "Inclusion numérique",
            "name_en": "Digital inclusion",
            "icon": "laptop",
            "position": "20",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert paris_admin_client.get(f"{ADMIN}/cause/").content.decode().count("Inclusion numérique")


@pytest.mark.parametrize("model", ["organization", "mission", "participation"])
def test_changelists_cost_a_fixed_number_of_queries(
    paris_admin_client, model, django_assert_max_num_queries
):
    def grow(count: int) -> None:
        for _ in range(count):
            slot = SlotFactory()
            ParticipationFactory(slot=slot)
            AuditEvent.objects.create(
                actor=paris_admin_client.user, action="x", target_type="slot", target_id=slot.pk
            )

    grow(2)
    paris_admin_client.get(f"{ADMIN}/{model}/")  # warms the host → tenant cache
    with django_assert_max_num_queries(100) as small:
        paris_admin_client.get(f"{ADMIN}/{model}/")
    grow(10)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        assert paris_admin_client.get(f"{ADMIN}/{model}/").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)

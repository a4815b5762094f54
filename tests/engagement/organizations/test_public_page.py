"""The organization's public page /organisations/<slug>/: what it shows, who sees it, the
redirect from /organisations/<id>/, other tenants, and its query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    ModeratorFactory,
    OrganizationFactory,
    SlotFactory,
    UserFactory,
)
from tests.engagement.missions.test_sharing import meta
from tests.engagement.test_resident_pages import signed_in, warm_routing_cache

pytestmark = pytest.mark.django_db


def in_days(days: int) -> object:
    return timezone.now() + timedelta(days=days)


@pytest.fixture
def restos(in_paris):
    organization = OrganizationFactory(
        name="Les Restos du Cœur",
        slug="restos-du-coeur",
        description="<p>Des repas <strong>chauds</strong> pour tous.</p>",
        website="https://restos.example",
    )
    later = MissionFactory(organization=organization, title="Collecte de printemps")
    SlotFactory(mission=later, starts_at=in_days(9))
    sooner = MissionFactory(organization=organization, title="Distribution de repas")
    SlotFactory(mission=sooner, starts_at=in_days(2))
    ongoing = MissionFactory(organization=organization, title="Accueil au local")
    SlotFactory(mission=ongoing, starts_at=None, ends_at=None)
    draft = MissionFactory(
        organization=organization, title="Brouillon secret", status=Mission.Status.DRAFT
    )
    SlotFactory(mission=draft, starts_at=in_days(3))
    full_past = MissionFactory(organization=organization, title="Déjà passée")
    SlotFactory(mission=full_past, starts_at=in_days(-3))
    cancelled_slot = MissionFactory(organization=organization, title="Date annulée")
    SlotFactory(mission=cancelled_slot, starts_at=in_days(4), status=Slot.Status.CANCELLED)
    return organization


def titles(page: str) -> list[str]:
    section = page.split('id="organization-missions"')[1]
    return [
        title
        for _position, title in sorted(
            (section.find(f">{title}</a>"), title)
            for title in (
                "Collecte de printemps",
                "Distribution de repas",
                "Accueil au local",
                "Brouillon secret",
                "Déjà passée",
                "Date annulée",
            )
            if f">{title}</a>" in section
        )
    ]


def test_the_page_shows_the_organization_and_its_upcoming_missions(client_for, paris, restos):
    response = client_for(paris).get("/organisations/restos-du-coeur/")
    page = response.content.decode()

    assert response.status_code == 200
    assert "<h1" in page and "Les Restos du Cœur" in page
    assert "<p>Des repas <strong>chauds</strong> pour tous.</p>" in page
    assert "Verified by" in page or "Vérifiée par" in page
    assert 'href="https://restos.example"' in page
    assert titles(page) == ["Distribution de repas", "Collecte de printemps", "Accueil au local"]
    assert meta(page, "property", "og:title") == "Les Restos du Cœur"
    assert meta(page, "property", "og:description") == "Des repas chauds pour tous."
    assert meta(page, "property", "og:url") == (
        f"http://{paris.primary_host}/organisations/restos-du-coeur/"
    )
    assert 'href="https://www.facebook.com/sharer/sharer.php?u=' in page


def test_the_id_address_redirects_to_the_slug_page(client_for, paris, restos):
    response = client_for(paris).get(f"/organisations/{restos.pk}/")

    assert response.status_code == 301
    assert response["Location"] == "/organisations/restos-du-coeur/"


def test_a_slug_made_of_digits_is_a_slug_first(client_for, paris, in_paris):
    by_slug = OrganizationFactory(name="1901", slug="1901")
    page = client_for(paris).get("/organisations/1901/")

    assert page.status_code == 200
    assert by_slug.name in page.content.decode()


def test_unknown_slugs_and_ids_are_not_found(client_for, paris, in_paris):
    client = client_for(paris)

    assert client.get("/organisations/no-such-organization/").status_code == 404
    assert client.get("/organisations/999999999/").status_code == 404
    assert client.get("/organisations/99999999999999999999999/").status_code == 404


def _pending(**kwargs) -> Organization:  # type: ignore[no-untyped-def]
    return OrganizationFactory(
        verification_status=Organization.Verification.PENDING, verified_at=None, **kwargs
    )


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("anonymous", 404), ("volunteer", 404), ("member", 200), ("moderator", 200)],
)
def test_an_unverified_organization_without_published_missions_is_hidden(
    client_for, paris, in_paris, viewer, status
):
    membership = MembershipFactory(organization=_pending(slug="en-attente"))
    draft = MissionFactory(organization=membership.organization, status=Mission.Status.DRAFT)
    SlotFactory(mission=draft)
    users = {
        "volunteer": UserFactory(),
        "member": membership.user,
        "moderator": ModeratorFactory(),
    }
    client = client_for(paris) if viewer == "anonymous" else signed_in(paris, users[viewer])

    response = client.get("/organisations/en-attente/")

    assert response.status_code == status
    if status == 200:
        assert "Verified by" not in response.content.decode()
        assert response.context["missions"] == []
    assert client.get(f"/organisations/{membership.organization.pk}/").status_code == (
        301 if status == 200 else 404
    )


def test_an_unverified_organization_with_a_published_mission_is_shown_without_badge_or_logo(
    client_for, paris, in_paris
):
    organization = _pending(slug="rejetee", logo="organizations/rejetee.png")
    Organization.objects.filter(pk=organization.pk).update(
        verification_status=Organization.Verification.REJECTED
    )
    SlotFactory(mission=MissionFactory(organization=organization, title="Toujours en ligne"))

    page = client_for(paris).get("/organisations/rejetee/").content.decode()

    assert "Toujours en ligne" in page
    assert "Verified by" not in page and "badge success" not in page
    # The logo is served to the public for verified organizations only: no broken picture.
    assert "/logo.png" not in page


def test_another_tenants_organization_is_not_found(client_for, paris, montreal):
    with tenant_context(montreal):
        organization = OrganizationFactory(slug="montreal-only")
    with tenant_context(paris):
        Organization.objects.filter(slug="montreal-only").delete()

    assert client_for(paris).get("/organisations/montreal-only/").status_code == 404
    assert client_for(paris).get(f"/organisations/{organization.pk}/").status_code == 404
    assert client_for(montreal).get("/organisations/montreal-only/").status_code == 200


def test_the_logo_address_still_answers(client_for, paris, in_paris):
    organization = OrganizationFactory()

    # No logo: a 404 from the logo view itself, not the page's redirect.
    response = client_for(paris).get(f"/organisations/{organization.pk}/logo.png")
    assert response.status_code == 404
    assert "Location" not in response


def test_the_page_costs_a_fixed_number_of_queries(paris, in_paris):
    organization = OrganizationFactory(slug="compteur")

    def count() -> int:
        client = signed_in(paris, UserFactory())
        warm_routing_cache(client, paris)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/organisations/compteur/").status_code == 200
        connection.set_tenant(paris)
        return len(queries)

    SlotFactory(mission=MissionFactory(organization=organization), starts_at=in_days(2))
    few = count()
    for day in range(15):
        mission = MissionFactory(organization=organization)
        SlotFactory(mission=mission, starts_at=in_days(day + 3))
        SlotFactory(mission=mission, starts_at=in_days(day + 30))
    many = count()

    # search_path, session, user, organization, missions.
    assert few == many == 5

"""The sign-up and sign-in pages that "Je participe" leads to name the mission being joined,
from `next` — which is never trusted: only a participate page of a mission of this tenant that
the visitor may see names one."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from engagement.missions.models import Mission
from tests.engagement.factories import MissionFactory, SlotFactory
from tests.engagement.test_resident_pages import html

pytestmark = pytest.mark.django_db


@pytest.fixture
def bike_workshop(in_paris):
    mission = MissionFactory(title="Atelier vélo solidaire")
    slot = SlotFactory(mission=mission)
    return mission, slot


def test_je_participe_leads_to_a_sign_up_page_naming_the_mission(client_for, paris, bike_workshop):
    mission, slot = bike_workshop
    client = client_for(paris)

    response = client.post(f"/missions/{mission.pk}/participer/", {"slot": slot.pk}, follow=True)

    page = html(response)
    assert response.redirect_chain[-1][0].startswith("/accounts/signup/?next=")
    assert 'id="joining-mission"' in page
    assert "Atelier vélo solidaire" in page
    # The sign-in link keeps the way back, and that page names the mission too.
    login = html(client.get(f"/accounts/login/?next=/missions/{mission.pk}/participer/"))
    assert 'id="joining-mission"' in login and "Atelier vélo solidaire" in login


def test_a_sign_up_form_with_errors_still_names_the_mission(client_for, paris, bike_workshop):
    mission, _slot = bike_workshop

    page = html(
        client_for(paris).post(
            "/accounts/signup/",
            {"email": "not-an-address", "next": f"/missions/{mission.pk}/participer/"},
        )
    )

    assert "Atelier vélo solidaire" in page


@pytest.mark.parametrize(
    "next_url",
    [
        "",
        "/",
        "/missions/{pk}/",  # the mission page: not joining yet
        "/missions/{draft}/participer/",  # not visible to this visitor
        "/missions/999999999/participer/",
        "https://evil.example/missions/{pk}/participer/",
        "//evil.example/missions/{pk}/participer/",
        "/missions/{pk}/participer/" + "x" * 300,
        "javascript:alert(1)",
    ],
)
def test_anything_else_in_next_names_no_mission(client_for, paris, bike_workshop, next_url):
    mission, _slot = bike_workshop
    with tenant_context(paris):
        draft = MissionFactory(title="Brouillon caché", status=Mission.Status.DRAFT)
    url = next_url.format(pk=mission.pk, draft=draft.pk)

    response = client_for(paris).get("/accounts/signup/", {"next": url})

    assert response.status_code == 200
    page = html(response)
    assert 'id="joining-mission"' not in page
    assert "Brouillon caché" not in page


def test_another_tenants_mission_is_not_named(client_for, paris, montreal):
    with tenant_context(montreal):
        mission = MissionFactory(title="Seulement à Montréal")
    with tenant_context(paris):
        Mission.objects.filter(pk=mission.pk).delete()

    page = html(
        client_for(paris).get("/accounts/signup/", {"next": f"/missions/{mission.pk}/participer/"})
    )

    assert 'id="joining-mission"' not in page
    assert "Seulement à Montréal" not in page

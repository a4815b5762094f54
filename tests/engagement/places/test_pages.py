"""The pages that locate a place: the resident's search and the mission form, with the
geocoder found, not found and down."""

from __future__ import annotations

from html import unescape

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.urls import reverse
from django_tenants.utils import tenant_context

from engagement.missions.models import Mission
from engagement.organizations.models import OrganizationMembership
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    OrganizationFactory,
    SlotFactory,
    UserFactory,
)

STORED = Point(2.3522, 48.8566, srid=4326)


@pytest.fixture
def mission_world(in_paris):
    organization = OrganizationFactory(name="Les Amis du Canal")
    editor = MembershipFactory(
        organization=organization, role=OrganizationMembership.Role.EDITOR, user=UserFactory()
    ).user
    mission = MissionFactory(
        organization=organization,
        title="Nettoyage du canal",
        status=Mission.Status.DRAFT,
        address="Place de l'Hôtel de Ville",
        postcode="75004",
        city="Paris",
        location=STORED,
    )
    near_lyon = MissionFactory(title="Jardin à Lyon", location=Point(4.85, 45.75, srid=4326))
    SlotFactory(mission=near_lyon)
    connection.set_schema_to_public()
    return mission, editor


def _editor_client(client_for, paris, editor):
    client = client_for(paris)
    with tenant_context(paris):
        client.force_login(editor)
    return client


def _edit_data(mission, **overrides):
    data = {
        "title": mission.title,
        "summary": mission.summary,
        "description": "Venez nous aider.",
        "address": mission.address,
        "postcode": mission.postcode,
        "city": mission.city,
        "latitude": "48.8566",
        "longitude": "2.3522",
    }
    data.update(overrides)
    return data


def _location(paris, mission):
    with tenant_context(paris):
        location = Mission.objects.get(pk=mission.pk).location
    return (round(location.y, 4), round(location.x, 4))


def test_a_resident_finds_missions_near_a_city_of_the_gazetteer(client_for, paris, mission_world):
    page = client_for(paris).get("/", {"where": "Lyon"}).content.decode()

    assert "Autour de : Lyon" in page
    assert "Jardin à Lyon" in page


def test_a_resident_sees_place_not_found_and_can_still_locate_themselves(
    client_for, paris, mission_world
):
    page = client_for(paris).get("/", {"where": "Atlantide"}).content.decode()

    # A form error: its apostrophe escaped as the form renderer does (config/form_renderer.py).
    assert "Nous n'avons pas trouvé ce lieu" in unescape(page)
    assert "data-geolocate" in page and 'id="map"' in page
    assert "Jardin à Lyon" in page  # still listed, soonest first


def test_a_resident_is_told_when_the_place_search_is_down(
    client_for, paris, mission_world, with_geocoder, geocoders
):
    with_geocoder(paris, "ban")
    geocoders.misbehave("12 rue de Rivoli", "500")

    response = client_for(paris).get("/", {"where": "12 rue de Rivoli"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "La recherche de lieux est indisponible pour le moment" in page
    assert "data-geolocate" in page
    assert "Jardin à Lyon" in page


def test_the_search_field_is_a_place_combobox(client_for, paris, mission_world):
    page = client_for(paris).get("/").content.decode()

    assert 'data-place-suggestions="/api/v1/places/"' in page
    assert "js/place-combobox.js" in page


def test_editing_a_mission_with_its_address_unchanged_never_calls_the_geocoder(
    client_for, paris, mission_world, with_geocoder, geocoders
):
    mission, editor = mission_world
    with_geocoder(paris, "ban")
    geocoders.misbehave("Place de l'Hôtel de Ville, 75004, Paris", "500")
    client = _editor_client(client_for, paris, editor)

    response = client.post(
        reverse("engagement:organization-mission-edit", args=[mission.pk]),
        _edit_data(mission, title="Nettoyage du canal Saint-Martin"),
    )

    assert response.status_code == 302
    assert _location(paris, mission) == (48.8566, 2.3522)
    assert geocoders.calls() == []


def test_a_changed_address_is_located_again(
    client_for, paris, mission_world, with_geocoder, geocoders
):
    mission, editor = mission_world
    with_geocoder(paris, "ban")
    geocoders.add_ban(
        "12 rue de Rivoli, 75004, Paris",
        label="12 Rue de Rivoli 75004 Paris",
        lat=48.855,
        lng=2.3601,
        postcode="75004",
        city="Paris",
    )
    client = _editor_client(client_for, paris, editor)

    response = client.post(
        reverse("engagement:organization-mission-edit", args=[mission.pk]),
        _edit_data(mission, address="12 rue de Rivoli"),
    )

    assert response.status_code == 302
    assert _location(paris, mission) == (48.855, 2.3601)


def test_a_changed_address_with_the_geocoder_down_keeps_the_form_and_the_stored_point(
    client_for, paris, mission_world, with_geocoder, geocoders
):
    mission, editor = mission_world
    with_geocoder(paris, "ban")
    # Without a postcode or city the gazetteer cannot help either.
    geocoders.misbehave("12 rue de Rivoli", "timeout")
    client = _editor_client(client_for, paris, editor)

    response = client.post(
        reverse("engagement:organization-mission-edit", args=[mission.pk]),
        _edit_data(mission, address="12 rue de Rivoli", postcode="", city=""),
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "nous n’avons pas pu localiser la nouvelle" in page.lower()
    assert 'href="#id_address"' in page
    assert _location(paris, mission) == (48.8566, 2.3522)
    with tenant_context(paris):
        assert Mission.objects.get(pk=mission.pk).address == "Place de l'Hôtel de Ville"


def test_while_the_geocoder_is_down_an_address_with_a_known_postcode_is_still_placed(
    client_for, paris, mission_world, with_geocoder, geocoders
):
    mission, editor = mission_world
    with_geocoder(paris, "ban")
    geocoders.misbehave("3 rue Oberkampf, 75011, Paris", "500")
    client = _editor_client(client_for, paris, editor)

    response = client.post(
        reverse("engagement:organization-mission-edit", args=[mission.pk]),
        _edit_data(mission, address="3 rue Oberkampf", postcode="75011"),
    )

    assert response.status_code == 302
    assert _location(paris, mission) == (48.859, 2.38)  # the 11e's centroid


def test_a_new_mission_without_a_pin_while_the_geocoder_is_down_says_so(
    client_for, paris, mission_world, with_geocoder, geocoders
):
    mission, editor = mission_world
    with_geocoder(paris, "ban")
    geocoders.misbehave("3 rue Oberkampf", "500")
    client = _editor_client(client_for, paris, editor)

    response = client.post(
        reverse("engagement:organization-mission-create", args=[mission.organization_id]),
        _edit_data(
            mission, address="3 rue Oberkampf", postcode="", city="", latitude="", longitude=""
        ),
    )

    assert response.status_code == 400
    assert "La recherche d’adresses est indisponible pour le moment" in response.content.decode()

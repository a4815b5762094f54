"""GET /api/v1/places/?q=: place suggestions for the address fields, on every tenant, with the
tenant's own geocoder and cache."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.engagement.factories import UserFactory

URL = "/api/v1/places/"


@pytest.fixture(autouse=True)
def _loopback(geocoders):
    """Every test here has the loopback services and a clean places cache."""
    return geocoders


def test_anyone_gets_suggestions_on_a_public_instance(paris, api_for):
    response = api_for(paris).get(URL, {"q": "Paris 11"})

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "label": "Paris 11e (75011)",
                "lat": 48.859,
                "lng": 2.38,
                "precision": "district",
                "postcode": "",
                "city": "",
            }
        ],
        "unavailable": False,
    }


def test_suggestions_follow_the_tenants_country(paris, montreal, api_for):
    in_paris = api_for(paris).get(URL, {"q": "Plateau"}).json()["results"]
    in_montreal = api_for(montreal).get(URL, {"q": "Plateau"}).json()["results"]

    assert [place["label"] for place in in_montreal] == ["Le Plateau-Mont-Royal"]
    assert "Le Plateau-Mont-Royal" not in [place["label"] for place in in_paris]


@pytest.mark.parametrize("query", ["", "ab", "  a  ", "x" * 201])
def test_too_short_or_too_long_is_a_400_with_the_field(paris, api_for, query):
    response = api_for(paris).get(URL, {"q": query})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["q"]


def test_a_private_instance_answers_401_to_anonymous_callers(acme, api_for):
    response = api_for(acme).get(URL, {"q": "London"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_member_of_a_private_instance_gets_suggestions(acme, api_for):
    connection.set_tenant(acme)
    try:
        member = UserFactory()
    finally:
        connection.set_schema_to_public()

    response = api_for(acme, member).get(URL, {"q": "Paris 11"})

    assert response.status_code == 200


def test_a_session_of_another_tenant_is_nobody_on_a_private_instance(paris, acme, api_for):
    connection.set_tenant(paris)
    try:
        paris_member = UserFactory()
    finally:
        connection.set_schema_to_public()
    paris_client = api_for(paris, paris_member)

    response = paris_client.on(acme).get(URL, {"q": "Paris 11"})

    assert response.status_code == 401


def test_each_tenant_uses_its_own_geocoder_and_cache(
    paris, montreal, with_geocoder, geocoders, api_for
):
    with_geocoder(paris, "ban")
    geocoders.add_ban(
        "rue de rivo",
        label="Rue de Rivoli 75001 Paris",
        lat=48.8606,
        lng=2.3376,
        kind="street",
        postcode="75001",
        city="Paris",
    )

    first = api_for(paris).get(URL, {"q": "rue de rivo"}).json()
    again = api_for(paris).get(URL, {"q": "rue de rivo"}).json()
    in_montreal = api_for(montreal).get(URL, {"q": "rue de rivo"}).json()

    assert [place["label"] for place in first["results"]] == ["Rue de Rivoli 75001 Paris"]
    assert again == first
    assert in_montreal == {"results": [], "unavailable": False}  # offline, and not Paris's cache
    assert len(geocoders.calls()) == 1


def test_an_unavailable_service_still_answers_from_the_gazetteer(
    paris, with_geocoder, geocoders, api_for
):
    with_geocoder(paris, "ban")
    geocoders.misbehave("Marsei", "timeout")

    response = api_for(paris).get(URL, {"q": "Marsei"})

    assert response.status_code == 200
    assert response.json()["unavailable"] is True
    assert response.json()["results"][0]["label"] == "Marseille"


def test_suggestions_are_rate_limited_per_client_ip(paris, api_for, settings):
    settings.PLACES_SUGGEST_RATE_PER_MINUTE = 3
    client = api_for(paris)

    statuses = [
        client.get(URL, {"q": "Paris 11"}, REMOTE_ADDR="203.0.113.7").status_code for _ in range(4)
    ]
    other_ip = client.get(URL, {"q": "Paris 11"}, REMOTE_ADDR="203.0.113.8").status_code

    assert statuses == [200, 200, 200, 429]
    assert other_ip == 200


def test_suggestions_cost_no_query_beyond_the_request(
    paris, api_for, django_assert_max_num_queries
):
    client = api_for(paris)
    client.get(URL, {"q": "Paris 11"})  # warm the routing cache and the gazetteer

    with django_assert_max_num_queries(0):
        assert client.get(URL, {"q": "Lyon"}).status_code == 200
    with django_assert_max_num_queries(0):
        assert client.get(URL, {"q": "Montreuil"}).status_code == 200

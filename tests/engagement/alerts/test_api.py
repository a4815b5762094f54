"""/api/v1/saved-searches/: the owner's saved searches only, field errors for bad input, and
another person's or tenant's saved search is a 404."""

from __future__ import annotations

import pytest
from django.db import connection

from engagement.alerts.models import SavedSearch
from engagement.alerts.services import MAX_SAVED_SEARCHES_PER_USER, saved_search_create
from engagement.missions.search import MissionSearchFilters
from tests.engagement.factories import PARIS_CENTRE, CauseFactory, UserFactory

pytestmark = pytest.mark.django_db

LNG, LAT = PARIS_CENTRE
VALID = {
    "name": "Repas près de chez moi",
    "frequency": "daily",
    "lat": LAT,
    "lng": LNG,
    "radius_km": 5,
    "place_label": "Hôtel de Ville",
    "cause": ["solidarite"],
    "availability": "sat-morning,sun",
    "q": "repas",
    "remote": False,
}


@pytest.fixture
def cause(in_paris):  # type: ignore[no-untyped-def]
    return CauseFactory(slug="solidarite")


def _saved(user, name="Mine"):  # type: ignore[no-untyped-def]
    return saved_search_create(
        user=user, name=name, frequency="weekly", filters=MissionSearchFilters()
    )


def test_create_then_list_retrieve_update_delete(in_paris, cause, api_for):
    user = UserFactory()
    client = api_for(in_paris, user)

    created = client.post("saved-searches/", VALID)

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["place"] == {"lat": LAT, "lng": LNG, "label": "Hôtel de Ville"}
    assert body["cause"] == ["solidarite"]
    assert body["availability"] == [
        "sat-morning",
        "sun-morning",
        "sun-afternoon",
        "sun-evening",
    ]
    assert (body["radius_km"], body["q"], body["remote"], body["is_active"]) == (
        5,
        "repas",
        False,
        True,
    )
    listed = client.get("saved-searches/").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    assert client.get(f"saved-searches/{body['id']}/").json() == listed["results"][0]

    paused = client.patch(
        f"saved-searches/{body['id']}/", {"is_active": False, "frequency": "weekly"}
    )
    assert paused.status_code == 200
    assert (paused.json()["is_active"], paused.json()["frequency"]) == (False, "weekly")
    assert paused.json()["cause"] == ["solidarite"]  # the search is unchanged

    replaced = client.patch(f"saved-searches/{body['id']}/", {"q": "jardin"})
    assert (replaced.json()["q"], replaced.json()["cause"], replaced.json()["place"]) == (
        "jardin",
        [],
        None,
    )

    assert client.delete(f"saved-searches/{body['id']}/").status_code == 204
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cause": ["no-such-cause"]}, "cause"),
        ({"radius_km": 500}, "radius_km"),
        ({"radius_km": 0}, "radius_km"),
        ({"frequency": "hourly"}, "frequency"),
        ({"name": ""}, "name"),
        ({"availability": "someday"}, "availability"),
        ({"lat": 91}, "lat"),
        ({"lng": None, "lat": None}, "lat"),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_saves_nothing(
    in_paris, cause, api_for, change, field
):
    client = api_for(in_paris, UserFactory())

    response = client.post("saved-searches/", {**VALID, **change})

    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not SavedSearch.objects.exists()


def test_too_many_saved_searches_is_a_400(in_paris, cause, api_for):
    user = UserFactory()
    for index in range(MAX_SAVED_SEARCHES_PER_USER):
        _saved(user, name=f"s{index}")

    response = api_for(in_paris, user).post("saved-searches/", VALID)

    assert response.status_code == 400
    assert response.json()["code"] == "saved_search_limit_reached"
    assert "non_field_errors" in response.json()["fields"]
    assert SavedSearch.objects.count() == MAX_SAVED_SEARCHES_PER_USER


def test_anonymous_is_a_401(in_paris, api_for):
    assert api_for(in_paris).get("saved-searches/").status_code == 401
    assert api_for(in_paris).post("saved-searches/", VALID).status_code == 401


def test_another_persons_saved_search_is_a_404_and_unchanged(in_paris, api_for):
    owner_search = _saved(UserFactory())
    client = api_for(in_paris, UserFactory())

    assert client.get(f"saved-searches/{owner_search.pk}/").status_code == 404
    assert client.patch(f"saved-searches/{owner_search.pk}/", {"name": "x"}).status_code == 404
    assert client.delete(f"saved-searches/{owner_search.pk}/").status_code == 404
    assert client.get("saved-searches/").json()["count"] == 0
    owner_search.refresh_from_db()
    assert owner_search.name == "Mine"


def test_another_tenants_saved_search_is_a_404(paris, montreal, api_for):
    connection.set_tenant(paris)
    paris_search = _saved(UserFactory(email="same@example.org"))
    connection.set_tenant(montreal)
    montreal_user = UserFactory(email="same@example.org")

    response = api_for(montreal, montreal_user).get(f"saved-searches/{paris_search.pk}/")

    assert response.status_code == 404
    connection.set_schema_to_public()


def test_the_list_costs_a_fixed_number_of_queries(in_paris, api_for, django_assert_max_num_queries):
    user = UserFactory()
    for index in range(5):
        _saved(user, name=f"s{index}")
    client = api_for(in_paris, user)
    client.get("saved-searches/")

    with django_assert_max_num_queries(8):
        response = client.get("saved-searches/")

    assert response.json()["count"] == 5


def test_the_endpoints_are_in_the_openapi_schema(in_paris, api_for):
    schema = api_for(in_paris).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert set(paths["/api/v1/saved-searches/"]) >= {"get", "post"}
    assert set(paths["/api/v1/saved-searches/{saved_search_id}/"]) >= {"get", "patch", "delete"}

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.missions import api as missions_api
from engagement.missions.models import Slot
from tests.engagement.conftest import error_body
from tests.engagement.factories import (
    PARIS_CENTRE,
    CauseFactory,
    MissionFactory,
    ParticipationFactory,
    SkillFactory,
    SlotFactory,
    UserFactory,
    VolunteerProfileFactory,
    paris_point,
)
from tests.engagement.missions.search_support import PARIS_ZONE, next_weekday, paris_time, point_at

pytestmark = pytest.mark.django_db

LNG, LAT = PARIS_CENTRE
NEAR = {"lat": LAT, "lng": LNG}


def found_ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def mission_at(location, **fields):  # type: ignore[no-untyped-def]
    slot_fields = fields.pop("slot", {})
    mission = MissionFactory(location=location, **fields)
    SlotFactory(mission=mission, **slot_fields)
    return mission


def test_search_result_carries_distance_next_slot_and_seats(in_paris, api_for):
    cause = CauseFactory(slug="t-food", name_fr="Aide alimentaire", name_en="Food aid")
    mission = MissionFactory(
        title="Épicerie solidaire",
        summary="Tenir la caisse",
        location=point_at(1234, 90),
        causes=[cause],
        is_step_free=True,
        postcode="75011",
        city="Paris",
    )
    saturday = next_weekday(5)
    slot = SlotFactory(
        mission=mission,
        starts_at=paris_time(saturday, 9),
        ends_at=paris_time(saturday, 12),
        capacity=4,
    )
    ParticipationFactory(slot=slot)

    response = api_for(in_paris).get("missions/", NEAR)

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    [item] = body["results"]
    assert item == {
        "id": mission.pk,
        "title": "Épicerie solidaire",
        "summary": "Tenir la caisse",
        "organization": {
            "id": mission.organization.pk,
            "name": mission.organization.name,
            "slug": mission.organization.slug,
            "kind": "association",
            "is_verified": True,
            "logo_url": "",
        },
        "causes": [{"id": cause.pk, "slug": "t-food", "label": "Aide alimentaire"}],
        "city": "Paris",
        "postcode": "75011",
        "location": {
            "lat": pytest.approx(mission.location.y),
            "lng": pytest.approx(mission.location.x),
        },
        "is_remote": False,
        "is_step_free": True,
        "is_open_to_minors": False,
        "is_beginner_friendly": True,
        "requires_approval": False,
        "published_at": mission.published_at.astimezone(PARIS_ZONE).isoformat(),
        "distance_km": 1.234,
        "next_slot": {
            "id": slot.pk,
            "starts_at": slot.starts_at.astimezone(PARIS_ZONE).isoformat(),
            "ends_at": slot.ends_at.astimezone(PARIS_ZONE).isoformat(),
            "seats_left": 3,
        },
        "seats_left": 3,
    }


def test_radius_and_distance_order_through_the_api(in_paris, api_for):
    two = mission_at(point_at(2000, 0))
    one = mission_at(point_at(1000, 120))
    mission_at(point_at(5100, 240))
    edge = mission_at(point_at(4900, 300))

    response = api_for(in_paris).get("missions/", {**NEAR, "radius_km": "5"})

    assert found_ids(response) == [one.pk, two.pk, edge.pk]
    assert [item["distance_km"] for item in response.json()["results"]] == [1.0, 2.0, 4.9]


def test_causes_as_repeated_and_comma_separated_parameters(in_paris, api_for):
    a, b, c = (CauseFactory(slug=slug) for slug in ("t-a", "t-b", "t-c"))
    with_a = mission_at(point_at(100, 0), causes=[a])
    with_b = mission_at(point_at(200, 0), causes=[b])
    mission_at(point_at(300, 0), causes=[c])
    client = api_for(in_paris)

    assert found_ids(client.get("missions/?cause=t-a&cause=t-b&lat=48.8566&lng=2.3522")) == [
        with_a.pk,
        with_b.pk,
    ]
    assert found_ids(client.get("missions/", {**NEAR, "cause": "t-a,t-b"})) == [
        with_a.pk,
        with_b.pk,
    ]


def test_skill_remote_flags_and_text_parameters(in_paris, api_for):
    skill = SkillFactory(slug="t-drive")
    driver = mission_at(paris_point(), skills=[skill], title="Chauffeur solidaire")
    remote = mission_at(None, is_remote=True, title="Soutien scolaire en ligne")
    step_free = mission_at(paris_point(), is_step_free=True, is_open_to_minors=True)
    client = api_for(in_paris)

    assert found_ids(client.get("missions/", {"skill": "t-drive"})) == [driver.pk]
    assert found_ids(client.get("missions/", {"remote": "true"})) == [remote.pk]
    assert sorted(found_ids(client.get("missions/", {"remote": "false"}))) == sorted(
        [driver.pk, step_free.pk]
    )
    assert found_ids(client.get("missions/", {"step_free": "1", "open_to_minors": "yes"})) == [
        step_free.pk
    ]
    assert found_ids(client.get("missions/", {"q": "scolaire EN LIGNE"})) == [remote.pk]
    assert found_ids(client.get("missions/", {"q": "   "})) != []


def test_bbox_dates_and_availability_parameters(in_paris, api_for):
    saturday = next_weekday(5)
    morning = mission_at(
        paris_point(2.35, 48.86),
        slot={"starts_at": paris_time(saturday, 9), "ends_at": paris_time(saturday, 11)},
    )
    evening = mission_at(
        paris_point(2.36, 48.87),
        slot={"starts_at": paris_time(saturday, 19), "ends_at": paris_time(saturday, 21)},
    )
    mission_at(
        paris_point(2.50, 48.87),
        slot={"starts_at": paris_time(saturday, 9), "ends_at": paris_time(saturday, 11)},
    )
    client = api_for(in_paris)
    day = saturday.isoformat()

    assert found_ids(client.get("missions/", {"bbox": "2.3,48.84,2.4,48.88"})) == [
        morning.pk,
        evening.pk,
    ]
    assert found_ids(
        client.get(
            "missions/",
            {
                "bbox": "2.3,48.84,2.4,48.88",
                "date_from": day,
                "date_to": day,
                "availability": "sat-morning",
            },
        )
    ) == [morning.pk]
    assert found_ids(
        client.get("missions/", {"bbox": "2.3,48.84,2.4,48.88", "availability": "sat"})
    ) == [
        morning.pk,
        evening.pk,
    ]
    assert (
        found_ids(
            client.get("missions/", {"date_from": (saturday + timedelta(days=1)).isoformat()})
        )
        == []
    )


def test_availability_mine_reads_the_signed_in_profile(in_paris, api_for):
    monday = next_weekday(0)
    evening = mission_at(
        paris_point(), slot={"starts_at": paris_time(monday, 19), "ends_at": paris_time(monday, 21)}
    )
    mission_at(
        paris_point(), slot={"starts_at": paris_time(monday, 9), "ends_at": paris_time(monday, 11)}
    )
    volunteer = UserFactory()
    VolunteerProfileFactory(user=volunteer, availability_mask=1 << (0 * 3 + 2))

    assert found_ids(api_for(in_paris, volunteer).get("missions/", {"availability": "mine"})) == [
        evening.pk
    ]
    anonymous = api_for(in_paris).get("missions/", {"availability": "mine"})
    assert anonymous.status_code == 400
    assert list(error_body(anonymous)["fields"]) == ["availability"]


def test_sort_parameter(in_paris, api_for):
    now = paris_time(next_weekday(2), 10)
    far_soon = mission_at(
        point_at(3000, 0), slot={"starts_at": now, "ends_at": now + timedelta(hours=1)}
    )
    near_later = mission_at(
        point_at(1000, 0),
        slot={"starts_at": now + timedelta(days=2), "ends_at": now + timedelta(days=2, hours=1)},
    )
    client = api_for(in_paris)

    assert found_ids(client.get("missions/", NEAR)) == [near_later.pk, far_soon.pk]
    assert found_ids(client.get("missions/", {**NEAR, "sort": "soonest"})) == [
        far_soon.pk,
        near_later.pk,
    ]
    assert found_ids(client.get("missions/", {"sort": "newest"})) == [near_later.pk, far_soon.pk]


def test_pagination_gives_the_total_and_links(in_paris, api_for):
    missions = [mission_at(point_at(100 * (index + 1), 0)) for index in range(5)]
    client = api_for(in_paris)

    first = client.get("missions/", {**NEAR, "page_size": 2}).json()
    last = client.get("missions/", {**NEAR, "page_size": 2, "page": 3}).json()

    assert (first["count"], first["count_is_exact"]) == (5, True)
    assert [item["id"] for item in first["results"]] == [missions[0].pk, missions[1].pk]
    assert "page=2" in first["next"] and first["previous"] is None
    assert [item["id"] for item in last["results"]] == [missions[4].pk]
    assert last["next"] is None


def test_beyond_the_exact_total_the_count_is_a_lower_bound_and_next_goes_on(
    in_paris, api_for, monkeypatch
):
    from engagement.missions import search

    monkeypatch.setattr(search, "SEARCH_EXACT_TOTAL_LIMIT", 3)
    missions = [mission_at(point_at(100 * (index + 1), 0)) for index in range(5)]
    client = api_for(in_paris)

    first = client.get("missions/", {**NEAR, "page_size": 2}).json()
    second = client.get("missions/", {**NEAR, "page_size": 2, "page": 2}).json()
    third = client.get("missions/", {**NEAR, "page_size": 2, "page": 3}).json()
    beyond = client.get("missions/", {**NEAR, "page_size": 2, "page": 4})

    assert (first["count"], first["count_is_exact"]) == (3, False)
    assert "page=2" in first["next"] and "page=3" in second["next"]
    assert [item["id"] for item in third["results"]] == [missions[4].pk]
    assert third["next"] is None
    assert beyond.status_code == 400
    assert set(beyond.json()["fields"]) == {"page"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "91", "lng": "2"}, "lat"),
        ({"lat": "-90.5", "lng": "2"}, "lat"),
        ({"lat": "48", "lng": "180.1"}, "lng"),
        ({"lat": "abc", "lng": "2"}, "lat"),
        ({"lat": "nan", "lng": "2"}, "lat"),
        ({"lat": "48", "lng": "inf"}, "lng"),
        ({"lat": "48"}, "lng"),
        ({"lng": "2"}, "lat"),
        ({"lat": "48", "lng": "2", "radius_km": "0"}, "radius_km"),
        ({"lat": "48", "lng": "2", "radius_km": "-3"}, "radius_km"),
        ({"lat": "48", "lng": "2", "radius_km": "100.5"}, "radius_km"),
        ({"lat": "48", "lng": "2", "radius_km": "five"}, "radius_km"),
        ({"radius_km": "5"}, "radius_km"),
        ({"bbox": "2.3,48.8,2.4"}, "bbox"),
        ({"bbox": "2.3,48.8,2.4,48.9,1"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "2.4,48.8,2.3,48.9"}, "bbox"),
        ({"bbox": "2.3,48.9,2.4,48.8"}, "bbox"),
        ({"bbox": "-10,40,10,50"}, "bbox"),
        ({"bbox": "2.3,48.8,2.4,95"}, "bbox"),
        ({"bbox": "2.3,nan,2.4,48.9"}, "bbox"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "demain"}, "date_from"),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"date_from": "2030-05-02", "date_to": "2030-05-01"}, "date_to"),
        ({"availability": "saturday-morning"}, "availability"),
        ({"availability": "sat-night"}, "availability"),
        ({"cause": "Not A Slug!"}, "cause"),
        ({"cause": ",".join(f"c{index}" for index in range(21))}, "cause"),
        ({"remote": "maybe"}, "remote"),
        ({"step_free": "2"}, "step_free"),
        ({"q": "x" * 201}, "q"),
        ({"q": "abc\x00def"}, "q"),
        ({"sort": "random"}, "sort"),
        ({"sort": "distance"}, "sort"),
        ({"sort": "relevance"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "99"}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
    ],
)
def test_bad_search_input_is_a_400_naming_the_field(params, field, in_paris, api_for):
    mission_at(paris_point())

    response = api_for(in_paris).get("missions/", params)

    assert response.status_code == 400, response.content
    body = error_body(response)
    assert body["code"] == "invalid"
    assert field in body["fields"]
    assert all(isinstance(message, str) for message in body["fields"][field])


@pytest.mark.parametrize(
    ("params", "field"),
    [({"lat": "100", "lng": "2"}, "lat"), ({"bbox": "1,2,3"}, "bbox"), ({"sort": "x"}, "sort")],
)
def test_bad_map_input_is_a_400(params, field, in_paris, api_for):
    response = api_for(in_paris).get("missions/map/", params)

    assert response.status_code == 400
    assert field in error_body(response)["fields"]


def test_pages_stop_at_the_result_window_and_refuse_beyond_it(in_paris, api_for, monkeypatch):
    from engagement.missions import search

    monkeypatch.setattr(search, "SEARCH_RESULT_WINDOW", 3)
    missions = [mission_at(point_at(100 * (index + 1), 0)) for index in range(5)]
    client = api_for(in_paris)

    first = client.get("missions/", {**NEAR, "page_size": 2}).json()
    last = client.get("missions/", {**NEAR, "page_size": 2, "page": 2}).json()
    with CaptureQueriesContext(connection) as beyond_queries:
        beyond = client.get("missions/", {**NEAR, "page_size": 2, "page": 3})

    assert (first["count"], first["count_is_exact"]) == (5, True)
    assert "page=2" in first["next"]
    assert [item["id"] for item in last["results"]] == [missions[2].pk]
    assert last["next"] is None and "page=" not in last["previous"]
    assert beyond.status_code == 400
    assert error_body(beyond)["fields"] == {
        "page": [
            "Seuls les 1\u00a0000 premiers résultats sont accessibles : affinez la recherche pour "
            "voir les autres."
        ]
    }
    # Refused before any search.
    assert not [q for q in beyond_queries.captured_queries if "engagement_mission" in q["sql"]]


def _queries(client, path, params) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize("signed_in", [False, True])
def test_search_costs_the_same_queries_for_3_and_30_results(signed_in, in_paris, api_for):
    causes = [CauseFactory(slug=f"t-{index}") for index in range(3)]
    client = api_for(in_paris, UserFactory() if signed_in else None)
    params = {**NEAR, "radius_km": 10, "page_size": 50}
    for index in range(3):
        mission_at(point_at(100 * (index + 1), 0), causes=causes)
    client.get("missions/", params)  # warm the host cache

    with_three = _queries(client, "missions/", params)
    for index in range(27):
        mission_at(point_at(1000 + 100 * index, 90), causes=causes)
    with_thirty = _queries(client, "missions/", params)

    assert client.get("missions/", params).json()["count"] == 30
    assert with_three == with_thirty
    # search_path, then the page with its total, organizations and causes in one query
    # (+ session and user when signed in)
    assert with_thirty == (4 if signed_in else 2)


def test_map_is_light_geojson(in_paris, api_for):
    mission = mission_at(paris_point(2.3456789, 48.8712349), title="Potager partagé")
    mission_at(None, is_remote=True)
    slot = mission.slots.get()

    response = api_for(in_paris).get("missions/map/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": mission.pk,
                "geometry": {"type": "Point", "coordinates": [2.345679, 48.871235]},
                "properties": {
                    "title": "Potager partagé",
                    "next_slot_starts_at": slot.starts_at.astimezone(PARIS_ZONE).isoformat(),
                },
            }
        ],
        "limit": 500,
        "truncated": False,
    }


def test_the_search_page_is_json_text_and_the_browsable_api_shows_the_same(in_paris, api_for):
    mission = mission_at(paris_point(2.35, 48.86), title="Potager <partagé>")

    response = api_for(in_paris).get("missions/", {"page_size": 1})
    browsable = api_for(in_paris).get("missions/", {"page_size": 1}, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["count"], body["count_is_exact"], body["next"], body["previous"]) == (
        1,
        True,
        None,
        None,
    )
    assert [item["title"] for item in body["results"]] == ["Potager <partagé>"]
    assert browsable.status_code == 200
    assert browsable["Content-Type"].startswith("text/html")
    assert f"&quot;id&quot;: {mission.pk}" in browsable.content.decode()
    assert "Potager &lt;partagé&gt;" in browsable.content.decode()


def test_the_map_in_the_browsable_api_is_the_same_collection(in_paris, api_for):
    mission = mission_at(paris_point(2.35, 48.86), title="Potager <partagé>")

    response = api_for(in_paris).get("missions/map/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert f"&quot;id&quot;: {mission.pk}" in response.content.decode()
    assert "Potager &lt;partagé&gt;" in response.content.decode()


def test_map_is_capped_and_says_so(in_paris, api_for, monkeypatch):
    monkeypatch.setattr(missions_api, "MAP_POINTS_LIMIT", 2)
    near, middle = mission_at(point_at(100, 0)), mission_at(point_at(200, 0))
    mission_at(point_at(300, 0))

    body = api_for(in_paris).get("missions/map/", NEAR).json()

    assert [feature["id"] for feature in body["features"]] == [near.pk, middle.pk]
    assert (body["limit"], body["truncated"]) == (2, True)


def test_map_costs_one_query_whatever_the_number_of_pins(in_paris, api_for):
    client = api_for(in_paris)
    for index in range(3):
        mission_at(point_at(100 * (index + 1), 0))
    client.get("missions/map/")

    with_three = _queries(client, "missions/map/", {})
    for index in range(27):
        mission_at(point_at(1000 + 100 * index, 90))
    with_thirty = _queries(client, "missions/map/", {})

    assert len(client.get("missions/map/").json()["features"]) == 30
    assert with_three == with_thirty == 2  # search_path, pins


def test_cancelled_and_full_slots_in_results(in_paris, api_for):
    mission = MissionFactory()
    SlotFactory(mission=mission, status=Slot.Status.CANCELLED)
    full = SlotFactory(mission=mission, capacity=1)
    ParticipationFactory(slot=full)

    [item] = api_for(in_paris).get("missions/").json()["results"]

    assert (item["next_slot"]["id"], item["seats_left"]) == (full.pk, 0)


def test_missions_without_causes_cost_no_extra_query(in_paris, api_for):
    client = api_for(in_paris)
    mission_at(point_at(100, 0))
    client.get("missions/")

    with_causes_missing = _queries(client, "missions/", {})
    for index in range(5):
        mission_at(point_at(200 + 100 * index, 0))

    assert _queries(client, "missions/", {}) == with_causes_missing == 2

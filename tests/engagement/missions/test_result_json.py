"""The search's results written as JSON text by PostgreSQL (engagement.missions.result_json) hold
what the reference serializer (MissionListItemSerializer.to_representation) presents for the
same rows, in every plan, zone and language."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from engagement.missions.models import Mission
from engagement.missions.search import (
    MissionSearchFilters,
    mission_search_page,
    mission_search_page_json,
)
from engagement.missions.serializers import MissionListItemSerializer, search_result_format
from engagement.organizations.models import Organization, organization_logo_url
from tests.engagement.factories import (
    PARIS_CENTRE,
    CauseFactory,
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
)
from tests.engagement.missions.search_support import (
    PLANS,
    next_weekday,
    paris_time,
    point_at,
    use_plan,
)

pytestmark = pytest.mark.django_db

LNG, LAT = PARIS_CENTRE
LOGOS = ["organizations/logo-1a2b.png", "organizations/archive.tar.gz", "organizations/.hidden", ""]


@pytest.fixture
def varied(in_paris):  # type: ignore[no-untyped-def]
    """Missions that exercise every value of a result: logos (or none), an unverified
    organization, no cause or two in display order, texts that need escaping, a remote mission,
    an ongoing slot, a start with microseconds, a full slot, distances."""
    food = CauseFactory(slug="r-food", name_fr="Aide alimentaire", name_en="Food aid", position=2)
    elders = CauseFactory(slug="r-elders", name_fr="Aînés", name_en="Elders", position=1)
    organizations = [OrganizationFactory(name='Les "Amis" \\ du quartier')]
    organizations += [OrganizationFactory(verification_status="pending") for _ in LOGOS[1:]]
    for organization, logo in zip(organizations, LOGOS, strict=True):
        Organization.objects.filter(pk=organization.pk).update(logo=logo)
    saturday = next_weekday(5)
    missions = []
    for index, organization in enumerate(organizations):
        mission = MissionFactory(
            organization=organization,
            title=f"Atelier vélo {index} « solidaire »\n\u2028 <b>",
            summary="Réparer, prêter" if index % 2 else "",
            location=point_at(700 * (index + 1), 40 * index),
            causes=[[], [food], [food, elders], [elders]][index],
            is_step_free=index % 2 == 0,
            postcode="75011",
            city="Paris",
        )
        SlotFactory(
            mission=mission,
            starts_at=paris_time(saturday, 9 + index) + timedelta(microseconds=index * 1234),
            ends_at=paris_time(saturday, 12 + index),
            capacity=2,
        )
        missions.append(mission)
    full = missions[0].slots.get()
    ParticipationFactory(slot=full)
    remote = MissionFactory(title="Atelier vélo à distance", location=None, is_remote=True)
    SlotFactory(mission=remote, ongoing=True)
    Mission.objects.filter(pk=remote.pk).update(published_at=None)
    return missions + [remote]


SHAPES = {
    "no filter": {},
    "a point": {"lat": LAT, "lng": LNG},
    "a radius": {"lat": LAT, "lng": LNG, "radius_km": 5},
    "words": {"q": "vélo"},
    "words and dates": {"q": "vélo", "date_from": "+0", "date_to": "+14"},
    "words near": {"q": "vélo", "lat": LAT, "lng": LNG},
    "newest": {"sort": "newest"},
    "a cause": {"causes": ("r-food", "r-elders")},
}


def _filters(shape: dict) -> MissionSearchFilters:  # type: ignore[type-arg]
    fields = dict(shape)
    if "date_from" in fields:
        today = timezone.localdate(timezone=timezone.get_current_timezone())
        fields["date_from"] = today
        fields["date_to"] = today + timedelta(days=14)
    return MissionSearchFilters(**fields)


def _reference(filters: MissionSearchFilters, offset: int, limit: int) -> list[dict]:  # type: ignore[type-arg]
    page = mission_search_page(filters=filters, offset=offset, limit=limit)
    return [MissionListItemSerializer(result).data for result in page.results]


def _from_sql(filters: MissionSearchFilters, offset: int, limit: int) -> list[dict]:  # type: ignore[type-arg]
    page = mission_search_page_json(
        filters=filters, offset=offset, limit=limit, result_format=search_result_format()
    )
    return [json.loads(text) for text in page.results]


def _distance_tolerant(items: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    """Python rounds the distance's binary value, PostgreSQL its decimal one: on a tie of the
    fourth decimal they may differ by 0.001 km."""
    for item in items:
        if item["distance_km"] is not None:
            item["distance_km"] = pytest.approx(item["distance_km"], abs=0.0011)
    return items


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("shape", SHAPES)
def test_every_result_is_what_the_serializer_presents(varied, monkeypatch, plan, shape):
    use_plan(plan, monkeypatch)
    filters = _filters(SHAPES[shape])

    for offset, limit in ((0, 20), (1, 2)):
        reference = _reference(filters, offset, limit)
        assert reference, "the shape finds results"
        assert _from_sql(filters, offset, limit) == _distance_tolerant(reference)


@pytest.mark.parametrize(
    ("zone", "language"),
    [
        ("Europe/Paris", "fr"),
        ("America/Toronto", "en"),
        ("UTC", "fr"),
        ("Asia/Kolkata", "en"),
        ("America/St_Johns", "fr"),
    ],
)
def test_dates_and_labels_follow_the_zone_and_the_language(varied, zone, language):
    filters = MissionSearchFilters(lat=LAT, lng=LNG)
    with timezone.override(zone), translation.override(language):
        reference = _reference(filters, 0, 20)
        found = _from_sql(filters, 0, 20)

    assert found == _distance_tolerant(reference)
    labels = {cause["label"] for item in found for cause in item["causes"]}
    assert labels == ({"Food aid", "Elders"} if language == "en" else {"Aide alimentaire", "Aînés"})
    starts = [item["next_slot"]["starts_at"] for item in found if item["next_slot"]["starts_at"]]
    assert all(start.endswith("Z") for start in starts) == (zone == "UTC")


def test_the_logo_url_is_the_logo_views(varied):
    found = _from_sql(MissionSearchFilters(), 0, 20)

    by_organization = {item["organization"]["id"]: item["organization"] for item in found}
    for organization in Organization.objects.filter(pk__in=by_organization):
        expected = organization_logo_url(organization.pk, organization.logo.name or "")
        assert by_organization[organization.pk]["logo_url"] == expected
    assert {item["organization"]["logo_url"].rpartition("=")[2] for item in found} >= {
        "logo-1a2b",
        "archive.tar",
        ".hidden",
        "",
    }


def test_the_json_page_costs_the_queries_of_the_page(varied, django_assert_num_queries):
    filters = MissionSearchFilters(lat=LAT, lng=LNG, causes=("r-food",))
    result_format = search_result_format()

    with django_assert_num_queries(2):  # the cause's id, then the page
        page = mission_search_page_json(
            filters=filters, offset=0, limit=20, result_format=result_format
        )

    assert len(page.results) == 2
    assert page.total == 2


def test_the_json_page_stays_in_its_tenant(varied, montreal):
    paris = connection.tenant
    connection.set_tenant(montreal)
    try:
        SlotFactory(mission=MissionFactory(title="Atelier vélo montréalais"), ongoing=True)
        page = mission_search_page_json(
            filters=MissionSearchFilters(q="vélo"),
            offset=0,
            limit=20,
            result_format=search_result_format(),
        )
    finally:
        connection.set_tenant(paris)

    assert [json.loads(text)["title"] for text in page.results] == ["Atelier vélo montréalais"]

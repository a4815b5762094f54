import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.taxonomy.models import Cause
from engagement.volunteers.models import VolunteerProfile
from tests.engagement.api.endpoints import state_snapshot
from tests.engagement.conftest import error_body
from tests.engagement.factories import CauseFactory, SkillFactory, VolunteerProfileFactory

pytestmark = pytest.mark.django_db


def test_profile_defaults_before_it_is_saved(world, api_for):
    response = api_for(world.tenant, world.volunteer).get("me/profile/")

    assert response.status_code == 200
    assert response.json() == {
        "causes": [],
        "skills": [],
        "availability": [],
        "availability_mask": 0,
        "home": None,
        "home_label": "",
        "radius_km": 5,
        "display_name": "",
        "phone": "",
        "updated_at": None,
    }
    assert not VolunteerProfile.objects.filter(user=world.volunteer).exists()


def test_profile_update_with_availability_tokens_home_and_interests(world, api_for):
    cause, skill = Cause.objects.get(slug="environnement"), SkillFactory(slug="t-garden")
    client = api_for(world.tenant, world.volunteer)

    response = client.patch(
        "me/profile/",
        {
            "cause_ids": [cause.pk],
            "skill_ids": [skill.pk],
            "availability": ["sat-morning", "sun", "MON-evening"],
            "home": {"lat": 48.87, "lng": 2.38},
            "home_label": "Belleville",
            "radius_km": 8,
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["availability"] == [
        "mon-evening",
        "sat-morning",
        "sun-morning",
        "sun-afternoon",
        "sun-evening",
    ]
    assert body["availability_mask"] == (1 << 2) | (1 << 15) | (0b111 << 18)
    assert body["home"] == {"lat": pytest.approx(48.87), "lng": pytest.approx(2.38)}
    assert [item["slug"] for item in body["causes"]] == ["environnement"]
    assert [item["slug"] for item in body["skills"]] == ["t-garden"]
    assert (body["home_label"], body["radius_km"]) == ("Belleville", 8)
    assert client.get("me/profile/").json() == body

    cleared = client.patch("me/profile/", {"home": None, "availability_mask": 1})
    assert (cleared.json()["home"], cleared.json()["home_label"]) == (None, "")
    assert cleared.json()["availability"] == ["mon-morning"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "non_field_errors"),
        ({"availability": ["saturday"]}, "availability"),
        ({"availability": "sat-morning"}, "availability"),
        ({"availability": ["sat"], "availability_mask": 1}, "availability_mask"),
        ({"availability_mask": 1 << 21}, "availability_mask"),
        ({"availability_mask": -1}, "availability_mask"),
        ({"radius_km": 0}, "radius_km"),
        ({"radius_km": 201}, "radius_km"),
        ({"home": {"lat": 100, "lng": 2}}, "home"),
        ({"home_label": "x" * 161}, "home_label"),
        ({"cause_ids": [999_999]}, "cause_ids"),
        ({"skill_ids": ["x"]}, "skill_ids"),
    ],
)
def test_bad_profile_input_is_a_400(payload, field, world, api_for):
    before = state_snapshot()

    response = api_for(world.tenant, world.volunteer).patch("me/profile/", payload)

    assert response.status_code == 400, response.content
    assert field in error_body(response)["fields"]
    assert state_snapshot() == before


def test_profile_costs_a_fixed_number_of_queries(world, api_for):
    profile = VolunteerProfileFactory(user=world.volunteer, causes=["environnement"])
    client = api_for(world.tenant, world.volunteer)
    client.get("me/profile/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("me/profile/").status_code == 200
        return len(captured)

    few = queries()
    profile.causes.set(Cause.objects.all())
    many = queries()

    assert few == many == 6  # search_path, session, user, profile, causes, skills


def test_causes_list_in_display_order_and_language(in_paris, montreal, api_for):
    CauseFactory(slug="t-hidden", is_active=False)

    paris = api_for(in_paris).get("causes/").json()

    assert [item["slug"] for item in paris] == list(
        Cause.objects.filter(is_active=True)
        .order_by("position", "slug")
        .values_list("slug", flat=True)
    )
    assert paris[0] == {
        "id": paris[0]["id"],
        "slug": "solidarite",
        "label": "Solidarité et lutte contre l'exclusion",
        "name_fr": "Solidarité et lutte contre l'exclusion",
        "name_en": "Solidarity and inclusion",
        "icon": "hands",
    }
    assert "t-hidden" not in [item["slug"] for item in paris]


def test_skills_list(in_paris, api_for):
    body = api_for(in_paris).get("skills/").json()

    assert body[0]["slug"] == "cuisine"
    assert len(body) == 12


@pytest.mark.parametrize("path", ["causes/", "skills/"])
def test_taxonomy_lists_cost_the_same_queries_for_3_and_30(path, in_paris, api_for):
    client = api_for(in_paris)
    client.get(path)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    few = queries()
    for index in range(20):
        (CauseFactory if path == "causes/" else SkillFactory)(slug=f"t-extra-{index}")
    many = queries()

    assert few == many == 2

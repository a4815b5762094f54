"""Volunteer profiles: created on first update, partial updates, bad input refused."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from engagement.errors import EngagementError, EngagementErrorCode
from engagement.volunteers.models import VolunteerProfile
from engagement.volunteers.services import profile_update

# Error messages are asserted in English, their source language.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

SATURDAY_MORNING = 1 << (5 * 3 + 0)
SUNDAY_EVENING = 1 << (6 * 3 + 2)


def test_first_update_creates_the_profile(volunteer):
    profile = profile_update(
        user=volunteer,
        cause_ids=[1, 2],
        skill_ids=[3],
        availability_mask=SATURDAY_MORNING | SUNDAY_EVENING,
        home_point=Point(2.3795, 48.8720, srid=4326),
        home_label="Belleville <b>Paris</b>",
        radius_km=3,
    )

    profile.refresh_from_db()
    assert sorted(profile.causes.values_list("pk", flat=True)) == [1, 2]
    assert list(profile.skills.values_list("pk", flat=True)) == [3]
    assert profile.is_available(5, 0) and profile.is_available(6, 2)
    assert not profile.is_available(0, 0)
    assert (round(profile.home_point.x, 4), round(profile.home_point.y, 4)) == (2.3795, 48.872)
    assert (profile.home_label, profile.radius_km) == ("Belleville Paris", 3)


def test_a_partial_update_keeps_the_rest(volunteer):
    profile_update(
        user=volunteer,
        cause_ids=[1],
        radius_km=10,
        home_label="Bercy",
        home_point=Point(2.38, 48.83, srid=4326),
    )

    profile = profile_update(user=volunteer, availability_mask=0)

    assert list(profile.causes.values_list("pk", flat=True)) == [1]
    assert (profile.radius_km, profile.home_label) == (10, "Bercy")
    assert VolunteerProfile.objects.count() == 1


def test_causes_and_skills_may_be_given_as_objects(volunteer):
    from engagement.taxonomy.models import Cause, Skill

    profile = profile_update(
        user=volunteer,
        cause_ids=Cause.objects.filter(slug="sante"),
        skill_ids=Skill.objects.filter(slug="cuisine"),
    )

    assert list(profile.causes.values_list("slug", flat=True)) == ["sante"]
    assert list(profile.skills.values_list("slug", flat=True)) == ["cuisine"]


def test_clearing_the_home(volunteer):
    profile_update(user=volunteer, home_point=Point(2.38, 48.83, srid=4326), home_label="Bercy")

    profile = profile_update(user=volunteer, clear_home=True)

    assert (profile.home_point, profile.home_label) == (None, "")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"availability_mask": 1 << 21}, "availability_mask"),
        ({"availability_mask": -1}, "availability_mask"),
        ({"availability_mask": "all"}, "availability_mask"),
        ({"radius_km": 0}, "radius_km"),
        ({"radius_km": 201}, "radius_km"),
        ({"home_point": Point(181, 0, srid=4326)}, "home_point"),
        ({"cause_ids": [424242]}, "cause_ids"),
        ({"skill_ids": ["x"]}, "skill_ids"),
        # Beyond a PostgreSQL bigint: refused before any query (was a DataError, a 500).
        ({"cause_ids": [10**20]}, "cause_ids"),
        ({"skill_ids": [-(2**63) - 1]}, "skill_ids"),
        ({"home_label": "a\x00" * 200}, "home_label"),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(volunteer, kwargs, field):
    profile_update(user=volunteer, radius_km=7)

    with pytest.raises(EngagementError) as raised:
        profile_update(user=volunteer, **kwargs)

    assert list(raised.value.fields) == [field]
    assert raised.value.status_code == 400
    profile = VolunteerProfile.objects.get(user=volunteer)
    assert (profile.radius_km, profile.availability_mask, profile.causes.count()) == (7, 0, 0)


def test_anonymous_has_no_profile(in_paris):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(EngagementError) as raised:
        profile_update(user=AnonymousUser(), radius_km=3)

    assert raised.value.code == EngagementErrorCode.NOT_ALLOWED
    assert VolunteerProfile.objects.count() == 0

"""engagement.missions.filters: the search's query string, validated."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from engagement.missions import filters
from engagement.missions.filters import MissionSearchInput, parse_search_params


def test_each_parse_binds_its_own_copies_of_the_declared_fields():
    first = MissionSearchInput(data={"lat": "48.85", "lng": "2.35"}, context={"user": None})
    second = MissionSearchInput(data={"radius_km": "-1"}, context={"user": None})

    assert first.fields["lat"] is not second.fields["lat"]
    assert (first.fields["lat"].parent, second.fields["lat"].parent) == (first, second)
    assert first.fields["cause"].field_name == "cause"
    # The class's own fields stay unbound: nothing of one request reaches the next.
    assert getattr(MissionSearchInput._declared_fields["lat"], "parent", None) is None
    assert first.is_valid()
    assert not second.is_valid()
    assert set(second.errors) == {"radius_km"}


def test_lists_and_bounds_are_still_checked_field_by_field():
    filters = parse_search_params(QueryDict("cause=a-b,c&cause=d&lat=1&lng=2"), user=None)

    assert (filters.causes, filters.lat, filters.lng) == (("a-b", "c", "d"), 1.0, 2.0)
    with pytest.raises(ValidationError) as raised:
        parse_search_params(QueryDict("cause=not a slug&lat=91&sort=best"), user=None)
    assert set(raised.value.detail) == {"cause", "lat", "sort"}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"sort": "newest"},
        {"q": "  jardin   partagé ", "remote": "true"},
        {"lat": "48.85", "lng": "2.35", "radius_km": "10", "cause": ["a", "b"]},
        {"date_from": "2026-12-10", "date_to": "2026-12-20", "availability": "sat-morning,sun"},
        {"lat": "91", "sort": "distance", "skill": ["not a slug"]},
        {"radius_km": "5"},
        {"sort": "relevance"},
        {"date_from": "2026-12-20", "date_to": "2026-12-10", "step_free": "maybe"},
        {"bbox": "2.2,48.8,2.4,48.9", "open_to_minors": "false", "beginner_friendly": "1"},
    ],
)
def test_the_query_string_s_fields_validate_as_all_fifteen_do(data):
    """The query string binds only the parameters it has; what it accepts, what it answers and
    each error are those of MissionSearchInput with every field."""
    given_only = filters._QueryStringSearchInput(data=data, context={"user": None})
    every_field = MissionSearchInput(data=data, context={"user": None})

    valid = every_field.is_valid()

    assert given_only.is_valid() is valid
    assert set(given_only.fields) == set(data)
    if valid:
        assert given_only.validated_data == every_field.validated_data
        assert given_only.to_filters() == every_field.to_filters()
    else:
        assert given_only.errors == every_field.errors

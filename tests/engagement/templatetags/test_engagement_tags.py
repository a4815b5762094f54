"""Dates as pages show them (engagement/templatetags/engagement_tags.py): the text kept once
made is the text for the language and zone active when it is asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone, translation

from engagement.templatetags import engagement_tags
from engagement.templatetags.engagement_tags import short_date, when

START = datetime(2031, 6, 14, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _forget():
    engagement_tags._when.cache_clear()
    engagement_tags._short_date.cache_clear()


def _in(language: str, zone: str, function, *args):
    with translation.override(language), timezone.override(zone):
        return function(*args)


def test_when_follows_the_active_language_and_zone_each_time():
    end = START + timedelta(hours=3)
    paris = _in("fr", "Europe/Paris", when, START, end)
    assert paris == "samedi 14 juin 2031, 10:00 – 13:00"
    # Asked again in another language and zone after the French text was kept.
    assert _in("en", "Europe/Paris", when, START, end).startswith("Saturday 14 June 2031")
    montreal = _in("fr-ca", "America/Toronto", when, START, end)
    assert montreal == "samedi 14 juin 2031, 04\u00a0h\u00a000 – 07\u00a0h\u00a000"
    # And the first one again, from the kept texts.
    assert _in("fr", "Europe/Paris", when, START, end) == paris
    assert engagement_tags._when.cache_info().hits == 1


def test_when_of_the_same_moment_written_in_another_zone_is_the_same_text():
    other_zone = START.astimezone(timezone.get_fixed_timezone(-300))
    assert _in("fr", "Europe/Paris", when, START, None) == _in(
        "fr", "Europe/Paris", when, other_zone, None
    )


def test_when_across_two_days_and_without_a_date():
    end = START + timedelta(days=1, hours=1)
    assert _in("fr", "Europe/Paris", when, START, end) == (
        "samedi 14 juin 2031, 10:00 – dimanche 15 juin 2031, 11:00"
    )
    assert _in("fr", "Europe/Paris", when, None, None) == "En continu, sans date fixe"
    assert _in("en", "Europe/Paris", when, None, None) == "Ongoing, no fixed date"


def test_short_date_follows_the_active_language_and_zone():
    assert _in("fr", "Europe/Paris", short_date, START) == "samedi 14 juin, 10:00"
    assert _in("en", "Europe/Paris", short_date, START).startswith("Saturday 14 June")
    assert _in("fr", "America/Toronto", short_date, START) == "samedi 14 juin, 04:00"
    assert _in("en", "Europe/Paris", short_date, None) == "Ongoing"
    assert _in("fr", "Europe/Paris", short_date, None) != "Ongoing"

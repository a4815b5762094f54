"""Québec French times read "13 h 40" (config/formats/fr_CA corrects Django's formats)."""

from datetime import datetime

import pytest
from django.utils import translation
from django.utils.formats import date_format, get_format


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("TIME_FORMAT", "13\xa0h\xa040"),
        ("DATETIME_FORMAT", "14 juin 2026, 13\xa0h\xa040"),
        ("SHORT_DATETIME_FORMAT", "2026-06-14 13\xa0h\xa040"),
        ("SHORT_DATE_FORMAT", "2026-06-14"),  # Django's own, untouched
    ],
)
def test_quebec_times_print_the_hour_once(name, expected):
    moment = datetime(2026, 6, 14, 13, 40)

    with translation.override("fr-ca"):
        assert date_format(moment, name) == expected


def test_other_languages_keep_djangos_formats():
    with translation.override("fr"):
        assert get_format("TIME_FORMAT") == "H:i"
    with translation.override("en"):
        assert get_format("TIME_FORMAT") == "P"

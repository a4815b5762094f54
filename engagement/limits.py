"""The bounds of what a user can ask for or store, in one place for forms, API and services.

A value outside them is a typing mistake or an attack, and some would not survive a round trip:
PostgreSQL keeps a timestamp of 9999-12-31 in a time zone west of UTC as year 10000, which
Python's datetime cannot read back, so every page showing it would fail. Services refuse them
(EngagementError → 400 with field errors); forms and serializers say so earlier.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Search filters (a day to look for missions on).
SEARCH_MIN_YEAR, SEARCH_MAX_YEAR = 2000, 2100
# A slot starts at most this far ahead.
SLOT_HORIZON = timedelta(days=5 * 366)
# Primary keys are PostgreSQL bigints: a larger number names nothing.
MAX_ID = 2**63 - 1


def validate_search_date(value: date) -> None:
    if not SEARCH_MIN_YEAR <= value.year <= SEARCH_MAX_YEAR:
        raise ValidationError(
            _("A date between %(min)d and %(max)d.")
            % {"min": SEARCH_MIN_YEAR, "max": SEARCH_MAX_YEAR},
            code="out_of_range",
        )


def is_valid_id(value: int) -> bool:
    return 1 <= value <= MAX_ID

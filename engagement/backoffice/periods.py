"""Periods of the back office's statistics and the change of a figure from one to the next.

A period is whole days in the tenant's time zone, from the first day's midnight to the midnight
after the last day, with the previous period it is compared with: the same days of last month for
"this month" (so far), the same dates a year earlier for "the last 12 months", the as many days
just before for custom dates.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from django.db.models import Q, TextChoices
from django.utils.translation import gettext_lazy as _

# A custom period spans at most this many days (five years and a leap day or two).
MAX_PERIOD_DAYS = 5 * 366


# --- Periods ------------------------------------------------------------------------------------


class PeriodKind(TextChoices):
    MONTH = "month", _("This month")
    LAST_12_MONTHS = "12-months", _("Last 12 months")
    CUSTOM = "custom", _("Custom dates")


@dataclass(frozen=True)
class DateRange:
    """Whole days, `start` to `end` included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """[midnight of the first day, midnight after the last day) in `zone`, as aware times."""
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    current: DateRange
    previous: DateRange
    zone: tzinfo


def shift_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clipped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_this_month(*, today: date, zone: tzinfo) -> Period:
    """This month up to today, against the same days of the previous month."""
    start = today.replace(day=1)
    previous_start = shift_months(start, -1)
    return Period(
        kind=PeriodKind.MONTH,
        current=DateRange(start, today),
        previous=DateRange(previous_start, shift_months(today, -1)),
        zone=zone,
    )


def period_last_12_months(*, today: date, zone: tzinfo) -> Period:
    """This month and the eleven before it (up to today), against the same dates a year before."""
    start = shift_months(today.replace(day=1), -11)
    return Period(
        kind=PeriodKind.LAST_12_MONTHS,
        current=DateRange(start, today),
        previous=DateRange(shift_months(start, -12), shift_months(today, -12)),
        zone=zone,
    )


def period_custom(*, start: date, end: date, zone: tzinfo) -> Period:
    """From `start` to `end` (included), against the as many days just before."""
    if end < start:
        raise ValueError("A period ends on or after its start.")
    current = DateRange(start, end)
    return Period(
        kind=PeriodKind.CUSTOM,
        current=current,
        previous=DateRange(start - timedelta(days=current.days), start - timedelta(days=1)),
        zone=zone,
    )


def range_filter(field: str, date_range: DateRange, zone: tzinfo) -> Q:
    """`field` within the range's days (bounds in `zone`)."""
    start, end = date_range.bounds(zone)
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


# --- Changes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A figure in the period and in the previous one."""

    current: int | Decimal
    previous: int | Decimal

    @property
    def difference(self) -> int | Decimal:
        return self.current - self.previous

    @property
    def is_new(self) -> bool:
        """Something where there was nothing: no percentage to give."""
        return self.previous == 0 and self.current != 0

    @property
    def percent(self) -> Decimal | None:
        """The change in per cent of the previous figure, to one decimal; None from zero."""
        if self.previous == 0:
            return None
        ratio = Decimal(self.difference) * 100 / Decimal(self.previous)
        return ratio.quantize(Decimal("0.1"))


def change_from(row: Mapping[str, Any], name: str, *, zero: int | Decimal = 0) -> Change:
    """The Change of `<name>_current` and `<name>_previous` in an aggregate's row."""
    current = row[f"{name}_current"]
    previous = row[f"{name}_previous"]
    return Change(
        current=zero if current is None else current,
        previous=zero if previous is None else previous,
    )

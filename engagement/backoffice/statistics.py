"""Reads of the back office's statistics page (/gestion/statistiques/): the tenant's figures over a
period, each beside the previous period of the same length, and the breakdowns that the
`advanced_reports` entitlement sells (by cause, by neighbourhood or site, per month).

What each figure counts (the page says it too, in "How these figures are counted"):

- **Periods** are whole days in the tenant's time zone, from the first day's midnight to the
  midnight after the last day. "This month" is the month so far, against the same days of the
  previous month; "last 12 months" is this month and the eleven before it (up to today), against
  the same dates a year earlier; a custom period of N days is compared with the N days before it.
- **Active accounts**: accounts active today that had joined by the end of the period (an account
  deactivated since is not counted for past periods either: deactivation dates are not kept).
  **New sign-ups**: accounts created in the period. Every account is a volunteer; admins included.
- **Participations** are counted on the day they were requested (`created_at`), under the status
  they have now (a confirmed participation becomes "attended" or "did not come" once the
  organization records attendance). **Volunteers taking part**: distinct volunteers among them.
- **Hours** are the hours organizations record when they mark a participation attended
  (`Participation.hours`, required then, at most the slot's length); they are never derived from
  slot durations. They count on the day of the activity: the slot's start, or for an undated
  (ongoing) slot the day attendance was recorded.
- **Missions published**: missions whose (latest) publication falls in the period. **Full**:
  missions (published or closed since) with dates in the period, every one of whose open dates in
  the period had all its seats taken (confirmed, attended or no-show participations ≥ capacity).
  **Expired**: missions still published whose last open date started in the period and that have
  no undated slot: nothing is left to join and nobody closed them.
- **Organizations**: those that existed at the end of the period, and among them those verified
  by then and still verified.
- **By neighbourhood** groups missions by postcode (the first three characters, the forward
  sortation area, for Canadian tenants); company tenants read it as "by site" until sites exist.

Every function runs a fixed number of aggregate queries (said in its docstring) whatever the
amount of data: the page costs the same at 100 participations and at 100,000
(bench/backoffice_statistics.py measures each at 100,000; docs/benchmarks.md).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
    Value,
)
from django.db.models.functions import Coalesce, Left, Replace, Trim, TruncMonth, Upper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import User
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.taxonomy.models import Cause

Status = Participation.Status

# The order the page lists statuses in: the life of a participation, then the ends.
STATUS_ORDER: tuple[str, ...] = (
    Status.CONFIRMED,
    Status.ATTENDED,
    Status.NO_SHOW,
    Status.WAITLISTED,
    Status.REQUESTED,
    Status.CANCELLED,
    Status.DECLINED,
)
# Participations that hold (or held, on the day) a seat of their slot.
SEAT_TAKING_STATUSES: tuple[str, ...] = (Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW)
# A custom period spans at most this many days (five years and a leap day or two).
MAX_PERIOD_DAYS = 5 * 366
ZERO_HOURS = Decimal("0.00")


# --- Periods ------------------------------------------------------------------------------------


class PeriodKind(TextChoices):
    MONTH = "month", _lazy("This month")
    LAST_12_MONTHS = "12-months", _lazy("Last 12 months")
    CUSTOM = "custom", _lazy("Custom dates")


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


def _shift_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clipped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_this_month(*, today: date, zone: tzinfo) -> Period:
    """This month up to today, against the same days of the previous month."""
    start = today.replace(day=1)
    previous_start = _shift_months(start, -1)
    return Period(
        kind=PeriodKind.MONTH,
        current=DateRange(start, today),
        previous=DateRange(previous_start, _shift_months(today, -1)),
        zone=zone,
    )


def period_last_12_months(*, today: date, zone: tzinfo) -> Period:
    """This month and the eleven before it (up to today), against the same dates a year before."""
    start = _shift_months(today.replace(day=1), -11)
    return Period(
        kind=PeriodKind.LAST_12_MONTHS,
        current=DateRange(start, today),
        previous=DateRange(_shift_months(start, -12), _shift_months(today, -12)),
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


def _within(field: str, date_range: DateRange, zone: tzinfo) -> Q:
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


def _change(row: Mapping[str, Any], name: str, *, zero: int | Decimal = 0) -> Change:
    current = row[f"{name}_current"]
    previous = row[f"{name}_previous"]
    return Change(
        current=zero if current is None else current,
        previous=zero if previous is None else previous,
    )


# --- Base figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleFigures:
    active_accounts: Change
    new_sign_ups: Change


@dataclass(frozen=True)
class StatusFigure:
    status: str
    label: str
    change: Change


@dataclass(frozen=True)
class ParticipationFigures:
    total: Change
    volunteers: Change
    by_status: list[StatusFigure]


@dataclass(frozen=True)
class MissionFigures:
    published: Change
    full: Change
    expired: Change


@dataclass(frozen=True)
class OrganizationFigures:
    total: Change
    verified: Change


def statistics_people(*, period: Period) -> PeopleFigures:
    """Active accounts at the end of each period and sign-ups during it (one query)."""
    zone = period.zone
    _start, current_end = period.current.bounds(zone)
    _start, previous_end = period.previous.bounds(zone)
    row = User.objects.aggregate(
        active_current=Count("pk", filter=Q(is_active=True, date_joined__lt=current_end)),
        active_previous=Count("pk", filter=Q(is_active=True, date_joined__lt=previous_end)),
        joined_current=Count("pk", filter=_within("date_joined", period.current, zone)),
        joined_previous=Count("pk", filter=_within("date_joined", period.previous, zone)),
    )
    return PeopleFigures(
        active_accounts=_change(row, "active"), new_sign_ups=_change(row, "joined")
    )


def statistics_participations(*, period: Period) -> ParticipationFigures:
    """Participations requested in each period, in all and by their status now, and the
    volunteers behind them (one query)."""
    zone = period.zone
    current = _within("created_at", period.current, zone)
    previous = _within("created_at", period.previous, zone)
    aggregates: dict[str, Any] = {
        "total_current": Count("pk", filter=current),
        "total_previous": Count("pk", filter=previous),
        "volunteers_current": Count("volunteer", distinct=True, filter=current),
        "volunteers_previous": Count("volunteer", distinct=True, filter=previous),
    }
    for status in STATUS_ORDER:
        aggregates[f"{status}_current"] = Count("pk", filter=current & Q(status=status))
        aggregates[f"{status}_previous"] = Count("pk", filter=previous & Q(status=status))
    row = Participation.objects.filter(current | previous).aggregate(**aggregates)
    return ParticipationFigures(
        total=_change(row, "total"),
        volunteers=_change(row, "volunteers"),
        by_status=[
            StatusFigure(
                status=status, label=str(Status(status).label), change=_change(row, status)
            )
            for status in STATUS_ORDER
        ],
    )


def _attended_with_activity_day() -> QuerySet[Participation]:
    """Attended participations with `activity`: the slot's start, or for an undated slot the
    moment attendance was recorded."""
    return Participation.objects.filter(status=Status.ATTENDED).alias(
        activity=Coalesce("slot__starts_at", "decided_at", output_field=DateTimeField())
    )


def statistics_hours(*, period: Period) -> Change:
    """Hours recorded for attended participations whose activity falls in each period (one
    query)."""
    zone = period.zone
    current = _within("activity", period.current, zone)
    previous = _within("activity", period.previous, zone)
    row = (
        _attended_with_activity_day()
        .filter(current | previous)
        .aggregate(
            hours_current=Sum("hours", filter=current),
            hours_previous=Sum("hours", filter=previous),
        )
    )
    return _change(row, "hours", zero=ZERO_HOURS)


def _seats_taken() -> Subquery:
    """For a slot (the outer query): its participations holding a seat."""
    return Subquery(
        Participation.objects.filter(slot=OuterRef("pk"), status__in=SEAT_TAKING_STATUSES)
        .order_by()
        .values("slot")
        .annotate(taken=Count("pk"))
        .values("taken"),
        output_field=IntegerField(),
    )


def _full_missions(date_range: DateRange, zone: tzinfo) -> Q:
    """Missions with open dates in the range, none of which had a seat left."""
    dates = Slot.objects.filter(
        _within("starts_at", date_range, zone), mission=OuterRef("pk"), status=Slot.Status.OPEN
    )
    with_a_seat_left = dates.alias(taken=Coalesce(_seats_taken(), Value(0))).filter(
        taken__lt=F("capacity")
    )
    return Q(Exists(dates)) & ~Q(Exists(with_a_seat_left))


def statistics_missions(*, period: Period, now: datetime) -> MissionFigures:
    """Missions published, full and expired in each period (two queries: publications and
    expiries read the mission rows; "full" probes each candidate's dates and their seats)."""
    zone = period.zone
    expired = Q(
        status=Mission.Status.PUBLISHED,
        has_open_ongoing_slot=False,
        last_open_slot_start__lt=now,
    )
    row = Mission.objects.aggregate(
        published_current=Count("pk", filter=_within("published_at", period.current, zone)),
        published_previous=Count("pk", filter=_within("published_at", period.previous, zone)),
        expired_current=Count(
            "pk", filter=expired & _within("last_open_slot_start", period.current, zone)
        ),
        expired_previous=Count(
            "pk", filter=expired & _within("last_open_slot_start", period.previous, zone)
        ),
    )
    full = Mission.objects.filter(
        status__in=[Mission.Status.PUBLISHED, Mission.Status.CLOSED]
    ).aggregate(
        full_current=Count("pk", filter=_full_missions(period.current, zone)),
        full_previous=Count("pk", filter=_full_missions(period.previous, zone)),
    )
    return MissionFigures(
        published=_change(row, "published"),
        full=_change(full, "full"),
        expired=_change(row, "expired"),
    )


def statistics_organizations(*, period: Period) -> OrganizationFigures:
    """Organizations at the end of each period, and those verified by then (one query)."""
    _start, current_end = period.current.bounds(period.zone)
    _start, previous_end = period.previous.bounds(period.zone)
    verified = Q(verification_status=Organization.Verification.VERIFIED)
    row = Organization.objects.aggregate(
        total_current=Count("pk", filter=Q(created_at__lt=current_end)),
        total_previous=Count("pk", filter=Q(created_at__lt=previous_end)),
        verified_current=Count("pk", filter=verified & Q(verified_at__lt=current_end)),
        verified_previous=Count("pk", filter=verified & Q(verified_at__lt=previous_end)),
    )
    return OrganizationFigures(total=_change(row, "total"), verified=_change(row, "verified"))


# --- Breakdowns (advanced reports) --------------------------------------------------------------


@dataclass(frozen=True)
class BreakdownRow:
    """One cause or one area: participations requested (both periods) and hours (this period)."""

    key: str
    label: str
    participations: Change
    hours: Decimal


def _breakdown(rows: Iterable[Mapping[str, Any]]) -> dict[Any, Mapping[str, Any]]:
    return {row["key"]: row for row in rows}


def _breakdown_aggregates(period: Period) -> tuple[Q, dict[str, Any]]:
    """The rows a breakdown reads (requested in either period, or hours in this one) and its
    three aggregates."""
    zone = period.zone
    requested_current = _within("created_at", period.current, zone)
    requested_previous = _within("created_at", period.previous, zone)
    hours_current = Q(status=Status.ATTENDED) & _within("activity", period.current, zone)
    return requested_current | requested_previous | hours_current, {
        "participations_current": Count("pk", filter=requested_current),
        "participations_previous": Count("pk", filter=requested_previous),
        "hours": Sum("hours", filter=hours_current),
    }


def _with_activity_day() -> QuerySet[Participation]:
    return Participation.objects.alias(
        activity=Coalesce("slot__starts_at", "decided_at", output_field=DateTimeField())
    )


def _sorted(rows: list[BreakdownRow]) -> list[BreakdownRow]:
    return sorted(
        rows, key=lambda row: (-row.participations.current, -row.hours, row.label.casefold())
    )


def statistics_by_cause(*, period: Period) -> list[BreakdownRow]:
    """Participations and hours by the causes of their missions (two queries: the figures, then
    the causes, so that an active cause with nothing yet shows as zero). A mission with several
    causes counts for each; missions without a cause make a row of their own."""
    rows_filter, aggregates = _breakdown_aggregates(period)
    figures = _breakdown(
        _with_activity_day()
        .filter(rows_filter)
        .values(key=F("slot__mission__causes__id"))
        .annotate(**aggregates)
        .order_by()
    )
    rows = []
    for cause in Cause.objects.order_by("position", "slug"):
        row = figures.get(cause.pk)
        if row is None and not cause.is_active:
            continue  # a retired cause with nothing in either period
        rows.append(_breakdown_row(str(cause.pk), cause.label, row))
    if None in figures:
        rows.append(_breakdown_row("none", _("No cause"), figures[None]))
    return _sorted(rows)


def _breakdown_row(key: str, label: str, row: Mapping[str, Any] | None) -> BreakdownRow:
    if row is None:
        return BreakdownRow(key=key, label=label, participations=Change(0, 0), hours=ZERO_HOURS)
    return BreakdownRow(
        key=key,
        label=label,
        participations=_change(row, "participations"),
        hours=row["hours"] or ZERO_HOURS,
    )


class AreaGrouping(StrEnum):
    POSTCODE = "postcode"  # France: 75011 is the 11th arrondissement
    POSTCODE_DISTRICT = "postcode_district"  # Canada: H2X of H2X 1Y4 (forward sortation area)


def area_grouping_for(country: str) -> AreaGrouping:
    """How a tenant's postcodes make neighbourhoods: whole in France, the first three characters
    in Canada (a full Canadian postcode is a street block)."""
    return AreaGrouping.POSTCODE_DISTRICT if country.upper() == "CA" else AreaGrouping.POSTCODE


def statistics_by_area(*, period: Period, grouping: AreaGrouping) -> list[BreakdownRow]:
    """Participations and hours by the postcode area of their missions, remote missions apart
    (one query). The label is the area and the city its missions name most ("75011 Paris")."""
    rows_filter, aggregates = _breakdown_aggregates(period)
    postcode = Upper(Trim("slot__mission__postcode"))
    area = (
        Left(Replace(postcode, Value(" "), Value("")), 3)
        if grouping is AreaGrouping.POSTCODE_DISTRICT
        else postcode
    )
    figures = (
        _with_activity_day()
        .filter(rows_filter)
        .values(is_remote=F("slot__mission__is_remote"), key=area)
        .annotate(city=Max("slot__mission__city"), **aggregates)
        .order_by()
    )
    rows = []
    for row in figures:
        if row["is_remote"]:
            key, label = "remote", _("Remote")
        elif row["key"]:
            key, label = row["key"], f"{row['key']} {row['city'] or ''}".strip()
        else:
            key, label = "unknown", _("No postcode")
        rows.append(_breakdown_row(key, label, row))
    return _merge_same_keys(rows)


def _merge_same_keys(rows: list[BreakdownRow]) -> list[BreakdownRow]:
    """Remote missions with and without a postcode are one row."""
    merged: dict[str, BreakdownRow] = {}
    for row in rows:
        seen = merged.get(row.key)
        if seen is None:
            merged[row.key] = row
            continue
        merged[row.key] = BreakdownRow(
            key=row.key,
            label=row.label,
            participations=Change(
                current=seen.participations.current + row.participations.current,
                previous=seen.participations.previous + row.participations.previous,
            ),
            hours=seen.hours + row.hours,
        )
    return _sorted(list(merged.values()))


@dataclass(frozen=True)
class MonthFigures:
    month: date  # the first day of the month
    new_sign_ups: int
    participations: int
    hours: Decimal


def _months(date_range: DateRange) -> list[date]:
    months = []
    month = date_range.start.replace(day=1)
    while month <= date_range.end:
        months.append(month)
        month = _shift_months(month, 1)
    return months


def _by_month(queryset: QuerySet[Any], field: str, value: Any, zone: tzinfo) -> dict[date, Any]:
    rows = (
        queryset.annotate(month=TruncMonth(field, tzinfo=zone))
        .values("month")
        .annotate(value=value)
        .order_by()
    )
    return {row["month"].astimezone(zone).date(): row["value"] for row in rows}


def statistics_monthly(*, period: Period) -> list[MonthFigures]:
    """Sign-ups, participations requested and hours, month by month over the period, months
    cut to the period at its ends (three queries)."""
    zone = period.zone
    current = period.current
    sign_ups = _by_month(
        User.objects.filter(_within("date_joined", current, zone)), "date_joined", Count("pk"), zone
    )
    participations = _by_month(
        Participation.objects.filter(_within("created_at", current, zone)),
        "created_at",
        Count("pk"),
        zone,
    )
    hours = _by_month(
        _attended_with_activity_day().filter(_within("activity", current, zone)),
        "activity",
        Sum("hours"),
        zone,
    )
    return [
        MonthFigures(
            month=month,
            new_sign_ups=sign_ups.get(month, 0),
            participations=participations.get(month, 0),
            hours=hours.get(month) or ZERO_HOURS,
        )
        for month in _months(current)
    ]


# --- The page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Breakdowns:
    by_cause: list[BreakdownRow]
    by_area: list[BreakdownRow]
    monthly: list[MonthFigures]


@dataclass(frozen=True)
class StatisticsReport:
    period: Period
    people: PeopleFigures
    participations: ParticipationFigures
    hours: Change
    missions: MissionFigures
    organizations: OrganizationFigures
    breakdowns: Breakdowns | None


def statistics_report(
    *,
    period: Period,
    now: datetime,
    with_breakdowns: bool,
    area_grouping: AreaGrouping,
) -> StatisticsReport:
    """Everything the page shows: six queries for the base figures, six more with breakdowns."""
    breakdowns = None
    if with_breakdowns:
        breakdowns = Breakdowns(
            by_cause=statistics_by_cause(period=period),
            by_area=statistics_by_area(period=period, grouping=area_grouping),
            monthly=statistics_monthly(period=period),
        )
    return StatisticsReport(
        period=period,
        people=statistics_people(period=period),
        participations=statistics_participations(period=period),
        hours=statistics_hours(period=period),
        missions=statistics_missions(period=period, now=now),
        organizations=statistics_organizations(period=period),
        breakdowns=breakdowns,
    )

"""Reads of the back office's statistics page (/gestion/statistiques/): the tenant's figures over a
period, each beside the previous period of the same length, and the breakdowns that the
`advanced_reports` entitlement sells (by cause, by neighbourhood or site, per month).

What each figure counts (the page says it too, in "How these figures are counted"):

- **Periods** (engagement/backoffice/periods.py) are whole days in the tenant's time zone. "This
  month" is the month so far, against the same days of the previous month; "last 12 months" is
  this month and the eleven before it (up to today), against the same dates a year earlier; a
  custom period of N days is compared with the N days before it.
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
(bench/backoffice_statistics.py measures each at 100,000; docs/benchmarks.md). Those the ORM
cannot say (sums over a UNION ALL, aggregates of aggregates) are in statistics_sql.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from accounts.models import User
from engagement.backoffice import statistics_sql
from engagement.backoffice.periods import (
    Change,
    DateRange,
    Period,
    change_from,
    range_filter,
    shift_months,
)
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
ZERO_HOURS = Decimal("0.00")


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
        joined_current=Count("pk", filter=range_filter("date_joined", period.current, zone)),
        joined_previous=Count("pk", filter=range_filter("date_joined", period.previous, zone)),
    )
    return PeopleFigures(
        active_accounts=change_from(row, "active"), new_sign_ups=change_from(row, "joined")
    )


def statistics_participations(*, period: Period) -> ParticipationFigures:
    """Participations requested in each period, by their status now and in all, and the
    volunteers behind them (two queries: counting by status in a GROUP BY costs half as much as
    fourteen filtered counts; distinct volunteers need their own pass)."""
    zone = period.zone
    current = range_filter("created_at", period.current, zone)
    previous = range_filter("created_at", period.previous, zone)
    in_either = Participation.objects.filter(current | previous).order_by()
    counts = {
        row["status"]: row
        for row in in_either.values("status").annotate(
            count_current=Count("pk", filter=current), count_previous=Count("pk", filter=previous)
        )
    }
    volunteers = in_either.aggregate(
        volunteers_current=Count("volunteer", distinct=True, filter=current),
        volunteers_previous=Count("volunteer", distinct=True, filter=previous),
    )
    none = {"count_current": 0, "count_previous": 0}
    by_status = [
        StatusFigure(
            status=status,
            label=str(Status(status).label),
            change=change_from(counts.get(status, none), "count"),
        )
        for status in STATUS_ORDER
    ]
    return ParticipationFigures(
        total=Change(
            current=sum(int(row.change.current) for row in by_status),
            previous=sum(int(row.change.previous) for row in by_status),
        ),
        volunteers=change_from(volunteers, "volunteers"),
        by_status=by_status,
    )


def _period_parameters(period: Period) -> dict[str, datetime]:
    current_start, current_end = period.current.bounds(period.zone)
    previous_start, previous_end = period.previous.bounds(period.zone)
    return {
        "current_start": current_start,
        "current_end": current_end,
        "previous_start": previous_start,
        "previous_end": previous_end,
        "hours_previous_start": previous_start,
        "hours_previous_end": previous_end,
    }


def _rows(sql: str, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@dataclass(frozen=True)
class HoursFigures:
    total: Change
    by_month: dict[date, Decimal]  # the current period's, by the first day of the month


def statistics_hours(*, period: Period) -> HoursFigures:
    """Hours recorded for attended participations whose activity falls in each period, and the
    current period's month by month (one query)."""
    rows = _rows(
        statistics_sql.HOURS_BY_MONTH,
        {
            **_period_parameters(period),
            "attended": Status.ATTENDED.value,
            "zone": _zone_name(period.zone),
        },
    )
    current = [row for row in rows if row["period"] == "current"]
    return HoursFigures(
        total=Change(
            current=sum((row["hours"] for row in current), ZERO_HOURS),
            previous=sum((row["hours"] for row in rows if row["period"] != "current"), ZERO_HOURS),
        ),
        by_month={row["month"]: row["hours"] for row in current},
    )


def _zone_name(zone: tzinfo) -> str:
    """The IANA name PostgreSQL needs ("Europe/Paris")."""
    return str(getattr(zone, "key", None) or zone)


def statistics_missions(*, period: Period, now: datetime) -> MissionFigures:
    """Missions published, full and expired in each period (two queries: publications and
    expiries read the mission rows; "full" reads the dates of both periods and their seats)."""
    zone = period.zone
    expired = Q(
        status=Mission.Status.PUBLISHED,
        has_open_ongoing_slot=False,
        last_open_slot_start__lt=now,
    )
    row = Mission.objects.aggregate(
        published_current=Count("pk", filter=range_filter("published_at", period.current, zone)),
        published_previous=Count("pk", filter=range_filter("published_at", period.previous, zone)),
        expired_current=Count(
            "pk", filter=expired & range_filter("last_open_slot_start", period.current, zone)
        ),
        expired_previous=Count(
            "pk", filter=expired & range_filter("last_open_slot_start", period.previous, zone)
        ),
    )
    [full] = _rows(
        statistics_sql.FULL_MISSIONS,
        {
            **_period_parameters(period),
            "seat_taking": list(SEAT_TAKING_STATUSES),
            "open": Slot.Status.OPEN.value,
            "mission_statuses": [Mission.Status.PUBLISHED.value, Mission.Status.CLOSED.value],
        },
    )
    return MissionFigures(
        published=change_from(row, "published"),
        full=change_from(full, "full"),
        expired=change_from(row, "expired"),
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
    return OrganizationFigures(
        total=change_from(row, "total"), verified=change_from(row, "verified")
    )


# --- Breakdowns (advanced reports) --------------------------------------------------------------


@dataclass(frozen=True)
class BreakdownRow:
    """One cause or one area: participations requested (both periods) and hours (this period)."""

    key: str
    label: str
    participations: Change
    hours: Decimal


class AreaGrouping(StrEnum):
    POSTCODE = "postcode"  # France: 75011 is the 11th arrondissement
    POSTCODE_DISTRICT = "postcode_district"  # Canada: H2X of H2X 1Y4 (forward sortation area)


def area_grouping_for(country: str) -> AreaGrouping:
    """How a tenant's postcodes make neighbourhoods: whole in France, the first three characters
    in Canada (a full Canadian postcode is a street block)."""
    return AreaGrouping.POSTCODE_DISTRICT if country.upper() == "CA" else AreaGrouping.POSTCODE


def _sorted(rows: list[BreakdownRow]) -> list[BreakdownRow]:
    return sorted(
        rows, key=lambda row: (-row.participations.current, -row.hours, row.label.casefold())
    )


def _breakdown_row(key: str, label: str, row: Mapping[str, Any] | None) -> BreakdownRow:
    if row is None:
        return BreakdownRow(key=key, label=label, participations=Change(0, 0), hours=ZERO_HOURS)
    return BreakdownRow(
        key=key,
        label=label,
        participations=change_from(row, "participations"),
        hours=row["hours"] or ZERO_HOURS,
    )


@dataclass(frozen=True)
class CauseAndAreaBreakdowns:
    by_cause: list[BreakdownRow]
    by_area: list[BreakdownRow]


def statistics_by_cause_and_area(
    *, period: Period, grouping: AreaGrouping
) -> CauseAndAreaBreakdowns:
    """Participations requested in each period and hours of this one, by the causes of their
    missions and by the postcode area of their missions (two queries: both breakdowns, then the
    causes' names).

    By cause: a mission with several causes counts for each; missions without a cause make a row
    of their own; an active cause with nothing yet shows as zeros. By area: remote missions make
    a row, missions without a postcode another; the label is the area and the city its missions
    name ("75011 Paris"; the first in alphabetical order when they differ).
    """
    parameters = _period_parameters(period)
    # Hours of the current period only: an empty range for the previous one.
    parameters["hours_previous_start"] = parameters["hours_previous_end"] = parameters[
        "current_start"
    ]
    found = _rows(
        statistics_sql.BREAKDOWNS[grouping.value],
        {**parameters, "attended": Status.ATTENDED.value},
    )
    causes = {row["key"]: row for row in found if row["breakdown"] == "cause"}
    by_cause = []
    for cause in Cause.objects.order_by("position", "slug"):
        row = causes.get(str(cause.pk))
        if row is None and not cause.is_active:
            continue  # a retired cause with nothing in either period
        by_cause.append(_breakdown_row(str(cause.pk), cause.label, row))
    if None in causes:
        by_cause.append(_breakdown_row("none", _("No cause"), causes[None]))
    by_area = []
    for row in (row for row in found if row["breakdown"] == "area"):
        key = row["key"]
        if key == "remote":
            label = _("Remote")
        elif key:
            label = f"{key} {row['city'] or ''}".strip()
        else:
            key, label = "unknown", _("No postcode")
        by_area.append(_breakdown_row(key, label, row))
    return CauseAndAreaBreakdowns(by_cause=_sorted(by_cause), by_area=_sorted(by_area))


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
        month = shift_months(month, 1)
    return months


def _by_month(queryset: QuerySet[Any], field: str, zone: tzinfo) -> dict[date, int]:
    rows = (
        queryset.annotate(month=TruncMonth(field, tzinfo=zone))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row["month"].astimezone(zone).date(): row["count"] for row in rows}


def statistics_monthly(*, period: Period, hours: HoursFigures) -> list[MonthFigures]:
    """Sign-ups, participations requested and hours (from `statistics_hours`), month by month
    over the period, months cut to the period at its ends (two queries)."""
    zone = period.zone
    current = period.current
    sign_ups = _by_month(
        User.objects.filter(range_filter("date_joined", current, zone)), "date_joined", zone
    )
    participations = _by_month(
        Participation.objects.filter(range_filter("created_at", current, zone)), "created_at", zone
    )
    return [
        MonthFigures(
            month=month,
            new_sign_ups=sign_ups.get(month, 0),
            participations=participations.get(month, 0),
            hours=hours.by_month.get(month, ZERO_HOURS),
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
    """Everything the page shows: seven queries for the base figures, four more with
    breakdowns."""
    hours = statistics_hours(period=period)
    breakdowns = None
    if with_breakdowns:
        by_cause_and_area = statistics_by_cause_and_area(period=period, grouping=area_grouping)
        breakdowns = Breakdowns(
            by_cause=by_cause_and_area.by_cause,
            by_area=by_cause_and_area.by_area,
            monthly=statistics_monthly(period=period, hours=hours),
        )
    return StatisticsReport(
        period=period,
        people=statistics_people(period=period),
        participations=statistics_participations(period=period),
        hours=hours.total,
        missions=statistics_missions(period=period, now=now),
        organizations=statistics_organizations(period=period),
        breakdowns=breakdowns,
    )

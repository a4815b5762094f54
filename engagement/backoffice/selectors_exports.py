"""Reads of the back office's exports: the rows of each export, and the jobs an admin sees.

Each export is one query over the period, read with a server-side cursor (`iterator`) in chunks,
so a worker holds one chunk of rows in memory however large the tenant is; `count` is one more
query, for the progress bar. Rows are tuples of plain values (text, numbers, dates); how each
column reads in a file (a date in CSV, a date cell in XLSX) is the writers' part
(engagement/backoffice/export_files.py).

The date of a participation is its slot's start; for an ongoing slot without dates, the day
attendance was recorded for an attended one (so hours are dated as on the statistics page), the
day the volunteer signed up for any other. The period runs from the first day's midnight to the
night after the last day, in the tenant's time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from accounts.models import User
from accounts.permissions import get_or_404
from engagement.backoffice.models import ExportJob
from engagement.participations.models import Participation

# What the exports list shows of an admin's past jobs.
RECENT_JOBS = 20
# Participations a volunteer "took part in" (counted in the volunteers export).
TAKEN_PART = (Participation.Status.CONFIRMED, Participation.Status.ATTENDED)
OTHER_STATUSES = [
    status for status in Participation.Status.values if status != Participation.Status.ATTENDED
]


class ColumnType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    MONTH = "month"


@dataclass(frozen=True)
class Column:
    title: str | Promise
    type: ColumnType
    # Width in an XLSX sheet (characters).
    width: int = 16


Row = tuple[Any, ...]


@dataclass(frozen=True)
class ExportTable:
    """The columns of one export and how to read its rows."""

    title: str | Promise
    columns: tuple[Column, ...]
    count: Callable[[], int]
    rows: Callable[[int], Iterator[Row]]


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    def bounds(self) -> tuple[datetime, datetime]:
        """[first day 00:00, day after the last 00:00) in the current (the tenant's) zone."""
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )


def _in_period(begin: datetime, end: datetime, prefix: str = "") -> Q:
    """Participations dated in [begin, end): by their slot's start; for a slot without dates, an
    attended one by the day attendance was recorded (as the statistics page dates hours), any
    other by the day it was made. `prefix` reaches them from another model ("participations__").
    Written without negation, so it also filters an aggregate over a reverse relation."""

    def on(**lookups: object) -> Q:
        return Q(**{f"{prefix}{lookup}": value for lookup, value in lookups.items()})

    recorded = on(status=Participation.Status.ATTENDED, decided_at__isnull=False)
    not_recorded = on(status__in=OTHER_STATUSES) | on(
        status=Participation.Status.ATTENDED, decided_at__isnull=True
    )
    undated = on(slot__starts_at__isnull=True)
    return (
        on(slot__starts_at__gte=begin, slot__starts_at__lt=end)
        | (undated & recorded & on(decided_at__gte=begin, decided_at__lt=end))
        | (undated & not_recorded & on(created_at__gte=begin, created_at__lt=end))
    )


def _activity_date() -> Coalesce:
    """The date _in_period reads, as an expression (for ordering and months)."""
    recorded = Q(status=Participation.Status.ATTENDED, decided_at__isnull=False)
    return Coalesce(
        "slot__starts_at",
        Case(When(recorded, then=F("decided_at")), default=F("created_at")),
    )


def _name(first_name: str | None, last_name: str | None, email: str | None) -> str:
    """As User.get_full_name, or "Deleted account" for a participation whose volunteer left."""
    if email is None:
        return gettext("Deleted account")
    return f"{first_name or ''} {last_name or ''}".strip() or email


def _hours(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal("0")


def _iterate(queryset: QuerySet[Any, Any], chunk_size: int) -> Iterator[Any]:
    return queryset.iterator(chunk_size=chunk_size)


# --- volunteers ------------------------------------------------------------------------------


def volunteers_queryset(period: Period) -> QuerySet[User, Row]:
    """Accounts created during the period or that took part in it (a confirmed or attended
    participation dated in it, or hours), with their participations and hours in the period."""
    begin, end = period.bounds()
    in_period = _in_period(begin, end, "participations__")
    return (
        User.objects.annotate(
            taken_part=Count(
                "participations", filter=in_period & Q(participations__status__in=TAKEN_PART)
            ),
            hours_total=Sum(
                "participations__hours",
                filter=in_period & Q(participations__status=Participation.Status.ATTENDED),
            ),
        )
        .filter(
            Q(date_joined__gte=begin, date_joined__lt=end)
            | Q(taken_part__gt=0)
            | Q(hours_total__gt=0)
        )
        .order_by("date_joined", "pk")
        .values_list("first_name", "last_name", "email", "date_joined", "taken_part", "hours_total")
    )


def _volunteers(period: Period) -> ExportTable:
    queryset = volunteers_queryset(period)

    def rows(chunk_size: int) -> Iterator[Row]:
        for first, last, email, joined, taken_part, hours in _iterate(queryset, chunk_size):
            yield (
                _name(first, last, email),
                email,
                timezone.localdate(joined),
                taken_part,
                _hours(hours),
            )

    return ExportTable(
        title=gettext_lazy("Volunteers"),
        columns=(
            Column(gettext_lazy("Name"), ColumnType.TEXT, 28),
            Column(gettext_lazy("E-mail"), ColumnType.TEXT, 32),
            Column(gettext_lazy("Signed up on"), ColumnType.DATE, 14),
            Column(gettext_lazy("Participations"), ColumnType.NUMBER, 14),
            Column(gettext_lazy("Hours"), ColumnType.NUMBER, 10),
        ),
        count=queryset.count,
        rows=rows,
    )


# --- participations ----------------------------------------------------------------------------


def participations_queryset(period: Period) -> QuerySet[Participation, Row]:
    """Every participation dated in the period, whatever its status, in date order."""
    begin, end = period.bounds()
    return (
        Participation.objects.filter(_in_period(begin, end))
        .order_by(_activity_date(), "pk")
        .values_list(
            "slot__mission__title",
            "slot__mission__organization__name",
            "slot__starts_at",
            "slot__ends_at",
            "status",
            "volunteer__first_name",
            "volunteer__last_name",
            "volunteer__email",
            "hours",
        )
    )


def _participations(period: Period) -> ExportTable:
    queryset = participations_queryset(period)

    def rows(chunk_size: int) -> Iterator[Row]:
        statuses = {value: str(label) for value, label in Participation.Status.choices}
        for (
            mission,
            organization,
            starts_at,
            ends_at,
            status,
            first,
            last,
            email,
            hours,
        ) in _iterate(queryset, chunk_size):
            yield (
                mission,
                organization,
                starts_at,
                ends_at,
                statuses.get(status, status),
                _name(first, last, email),
                email or "",
                hours,
            )

    return ExportTable(
        title=gettext_lazy("Participations"),
        columns=(
            Column(gettext_lazy("Mission"), ColumnType.TEXT, 36),
            Column(gettext_lazy("Organization"), ColumnType.TEXT, 28),
            Column(gettext_lazy("Starts"), ColumnType.DATETIME, 17),
            Column(gettext_lazy("Ends"), ColumnType.DATETIME, 17),
            Column(gettext_lazy("Status"), ColumnType.TEXT, 20),
            Column(gettext_lazy("Volunteer"), ColumnType.TEXT, 28),
            Column(gettext_lazy("E-mail"), ColumnType.TEXT, 32),
            Column(gettext_lazy("Hours"), ColumnType.NUMBER, 10),
        ),
        count=queryset.count,
        rows=rows,
    )


# --- hours -------------------------------------------------------------------------------------


def hours_queryset(period: Period) -> QuerySet[Participation, dict[str, Any]]:
    """Attended participations of the period, summed per month, organization and volunteer:
    the table a civic or CSR report pivots (hours per month, per organization, per person;
    distinct volunteers)."""
    begin, end = period.bounds()
    return (
        Participation.objects.filter(_in_period(begin, end), status=Participation.Status.ATTENDED)
        .annotate(month=TruncMonth(_activity_date(), tzinfo=timezone.get_current_timezone()))
        .values(
            "month",
            "slot__mission__organization_id",
            "slot__mission__organization__name",
            "volunteer_id",
            "volunteer__first_name",
            "volunteer__last_name",
            "volunteer__email",
        )
        .annotate(attended=Count("pk"), hours_total=Sum("hours"))
        .order_by(
            "month",
            "slot__mission__organization__name",
            "slot__mission__organization_id",
            "volunteer__last_name",
            "volunteer__first_name",
            "volunteer_id",
        )
    )


def _hours_table(period: Period) -> ExportTable:
    queryset = hours_queryset(period)

    def rows(chunk_size: int) -> Iterator[Row]:
        for row in _iterate(queryset, chunk_size):
            yield (
                timezone.localtime(row["month"]).date(),
                row["slot__mission__organization__name"],
                _name(
                    row["volunteer__first_name"],
                    row["volunteer__last_name"],
                    row["volunteer__email"],
                ),
                row["volunteer__email"] or "",
                row["attended"],
                _hours(row["hours_total"]),
            )

    return ExportTable(
        title=gettext_lazy("Volunteering hours"),
        columns=(
            Column(gettext_lazy("Month"), ColumnType.MONTH, 10),
            Column(gettext_lazy("Organization"), ColumnType.TEXT, 28),
            Column(gettext_lazy("Volunteer"), ColumnType.TEXT, 28),
            Column(gettext_lazy("E-mail"), ColumnType.TEXT, 32),
            Column(gettext_lazy("Participations attended"), ColumnType.NUMBER, 14),
            Column(gettext_lazy("Hours"), ColumnType.NUMBER, 10),
        ),
        count=queryset.count,
        rows=rows,
    )


_TABLES: dict[str, Callable[[Period], ExportTable]] = {
    ExportJob.Kind.VOLUNTEERS: _volunteers,
    ExportJob.Kind.PARTICIPATIONS: _participations,
    ExportJob.Kind.HOURS: _hours_table,
}


def export_table(*, kind: str, period: Period) -> ExportTable:
    """The table of an export kind (ExportJob.Kind) over a period; KeyError for another kind."""
    return _TABLES[kind](period)


# --- jobs --------------------------------------------------------------------------------------


def export_jobs_for_requester(*, user: User, limit: int = RECENT_JOBS) -> Sequence[ExportJob]:
    """The admin's latest export jobs, newest first (one query)."""
    return list(ExportJob.objects.filter(requested_by=user).order_by("-created_at", "-pk")[:limit])


def export_job_get_for_requester(*, job_id: int, user: User) -> ExportJob:
    """The job, for the admin who asked for it only: a 404 for a job of another admin, of
    another tenant (another schema), or none. Exports hold personal data: each admin who needs
    one asks for it, and the audit trail names who did."""
    return get_or_404(ExportJob.objects.filter(requested_by=user), job_id)

"""Reads of the CSR report (per calendar year or per campaign) and of a volunteer's confirmed hours.

What the report counts — its *contributions* — comes from three sources, added in one SQL
statement (`_contributions`):

- **participations**: confirmed or attended participations whose slot starts in the period (for
  an undated, ongoing slot: attended ones whose attendance was recorded in the period); only
  attended ones bring hours (`Participation.hours`, recorded by the organization). For a
  campaign, the campaign's own rule (engagement.campaigns.selectors) decides which ones count;
- **declarations**: hours declared by employees for volunteering outside the platform, once
  *confirmed* (pending and refused ones never count), dated in the period (for a campaign, the
  campaign's rule again);
- **shared city missions**: hours of the employees on missions a city shares with the company
  (`_shared_mission_hours`, the one place where that source plugs in).

Every figure of the report is an aggregate over these rows: a fixed number of statements (ten,
see `csr_report`) whatever the amount of data (tests/engagement/reports/test_selectors.py checks
it; bench/reports.py measures it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from engagement.campaigns.models import Campaign
from engagement.campaigns.selectors import (
    COUNTED_STATUSES,
    campaign_declarations,
    campaign_participations,
)
from engagement.participations.models import Participation
from engagement.reports.models import Certificate
from engagement.reports.sdg import sdg_label
from engagement.sharing.selectors import shared_attended_participations
from engagement.taxonomy.models import translated_label
from engagement.worktime.models import HoursDeclaration, WorkTimeRequest

ZERO = Decimal("0")
ATTENDED = Participation.Status.ATTENDED
# The first year a report can be asked for.
FIRST_REPORT_YEAR = 2000


# --- The scope: a calendar year or a campaign ---------------------------------------------------


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: a calendar year, or a campaign (and its dates), both inclusive."""

    starts_on: date
    ends_on: date
    year: int | None = None
    campaign: Campaign | None = None

    @property
    def title(self) -> str:
        if self.campaign is not None:
            return self.campaign.title
        return str(self.year)

    @property
    def slug(self) -> str:
        if self.campaign is not None:
            return f"campagne-{self.campaign.slug}"
        return str(self.year)


def report_scope_for_year(year: int) -> ReportScope:
    return ReportScope(starts_on=date(year, 1, 1), ends_on=date(year, 12, 31), year=year)


def report_scope_for_campaign(campaign: Campaign) -> ReportScope:
    return ReportScope(starts_on=campaign.starts_on, ends_on=campaign.ends_on, campaign=campaign)


def report_years(*, today: date) -> list[int]:
    """The years a report can be asked for, newest first (no future year: nothing to count)."""
    return list(range(today.year, FIRST_REPORT_YEAR - 1, -1))


def report_campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.only("pk", "title", "slug", "starts_on", "ends_on").order_by(
        "-starts_on", "title"
    )


def _window(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    """[start, end) as aware datetimes in the current (the tenant's) time zone."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(starts_on, time.min, tzinfo=zone),
        datetime.combine(ends_on + timedelta(days=1), time.min, tzinfo=zone),
    )


def _work_time_hours(scope: ReportScope) -> Decimal:
    """Hours of the approved work-time requests of the participations the report counts."""
    total = WorkTimeRequest.objects.filter(
        status=WorkTimeRequest.Status.APPROVED,
        participation__in=scope_participations(scope).values("id"),
    ).aggregate(total=Sum("hours"))["total"]
    return Decimal(total or 0)


def scope_participations(scope: ReportScope) -> QuerySet[Participation]:
    if scope.campaign is not None:
        return campaign_participations(scope.campaign)
    start, end = _window(scope.starts_on, scope.ends_on)
    return Participation.objects.filter(
        Q(slot__starts_at__gte=start, slot__starts_at__lt=end)
        | Q(
            slot__starts_at__isnull=True,
            status=ATTENDED,
            decided_at__gte=start,
            decided_at__lt=end,
        ),
        status__in=COUNTED_STATUSES,
    )


def scope_declarations(scope: ReportScope) -> QuerySet[HoursDeclaration]:
    if scope.campaign is not None:
        return campaign_declarations(scope.campaign)
    return HoursDeclaration.objects.filter(
        status=HoursDeclaration.Status.CONFIRMED,
        date__gte=scope.starts_on,
        date__lte=scope.ends_on,
    )


# --- Hours of shared city missions (the plug) ---------------------------------------------------


@dataclass(frozen=True)
class SharedMissionHours:
    """One participation of an employee on a mission a city shares with the company."""

    volunteer_id: int
    organization_name: str
    day: date
    hours: Decimal


def _shared_city_mission_hours(*, starts_on: date, ends_on: date) -> Sequence[SharedMissionHours]:
    """Hours the cities' organizations recorded for the employees on the missions they share
    (engagement.sharing keeps the company's copy of those participations). One query."""
    zone = timezone.get_current_timezone()
    return [
        SharedMissionHours(
            volunteer_id=row.volunteer_id,
            organization_name=f"{row.organization_name} ({row.city_name})",
            day=timezone.localtime(row.starts_at, zone).date(),
            hours=row.hours,
        )
        for row in shared_attended_participations(starts_on=starts_on, ends_on=ends_on)
        if row.volunteer_id is not None and row.starts_at is not None and row.hours is not None
    ]


# The one place where hours of missions shared by the cities enter the report (tests swap it).
SHARED_MISSION_HOURS_SOURCE = _shared_city_mission_hours


def _shared_mission_hours(scope: ReportScope) -> Sequence[SharedMissionHours]:
    # A campaign counts its featured missions and partners only, which a city's missions are not.
    if scope.campaign is not None:
        return ()
    return SHARED_MISSION_HOURS_SOURCE(starts_on=scope.starts_on, ends_on=scope.ends_on)


# --- The SQL ------------------------------------------------------------------------------------


def _contributions(scope: ReportScope) -> tuple[str, list[Any]]:
    """The statement that fills the temporary table `contributions`: one row per counted
    participation, confirmed declaration and shared-mission participation: (source, ref,
    volunteer_id, organization_key, organization_label, day, hours, participations,
    cause_ids)."""
    participations_sql, participations_params = (
        scope_participations(scope).order_by().values("id").query.sql_with_params()
    )
    declarations_sql, declarations_params = (
        scope_declarations(scope).order_by().values("id").query.sql_with_params()
    )
    shared = list(_shared_mission_hours(scope))
    sql = f"""
CREATE TEMPORARY TABLE contributions ON COMMIT DROP AS
    SELECT
        'participation' AS source,
        participation.id AS ref,
        participation.volunteer_id,
        'o' || mission.organization_id::text AS organization_key,
        organization.name AS organization_label,
        (coalesce(slot.starts_at, participation.decided_at, participation.created_at)
            AT TIME ZONE %s)::date AS day,
        CASE WHEN participation.status = %s THEN coalesce(participation.hours, 0) ELSE 0 END
            AS hours,
        1 AS participations,
        mission.cause_ids AS cause_ids
    FROM engagement_participation AS participation
    JOIN engagement_slot AS slot ON slot.id = participation.slot_id
    JOIN engagement_mission AS mission ON mission.id = slot.mission_id
    JOIN engagement_organization AS organization ON organization.id = mission.organization_id
    WHERE participation.id IN ({participations_sql})
    UNION ALL
    SELECT
        'declaration',
        declaration.id,
        declaration.volunteer_id,
        CASE
            WHEN declaration.organization_id IS NOT NULL
                THEN 'o' || declaration.organization_id::text
            WHEN declaration.organization_name <> ''
                THEN 'n' || lower(declaration.organization_name)
        END,
        coalesce(organization.name, declaration.organization_name),
        declaration.date,
        declaration.hours,
        0,
        CASE
            WHEN declaration.cause_id IS NULL THEN ARRAY[]::bigint[]
            ELSE ARRAY[declaration.cause_id::bigint]
        END
    FROM engagement_hoursdeclaration AS declaration
    LEFT JOIN engagement_organization AS organization
        ON organization.id = declaration.organization_id
    WHERE declaration.id IN ({declarations_sql})
    UNION ALL
    SELECT
        'shared',
        shared.ordinality,
        shared.volunteer_id,
        'n' || lower(shared.organization_name),
        shared.organization_name,
        shared.day,
        shared.hours,
        1,
        ARRAY[]::bigint[]
    FROM unnest(%s::bigint[], %s::text[], %s::date[], %s::numeric[])
        WITH ORDINALITY AS shared(volunteer_id, organization_name, day, hours, ordinality)
"""  # noqa: S608 (the subqueries are the ORM's compiled SQL; every value is a parameter)
    params: list[Any] = [
        timezone.get_current_timezone_name(),
        ATTENDED,
        *participations_params,
        *declarations_params,
        [row.volunteer_id for row in shared],
        [row.organization_name for row in shared],
        [row.day for row in shared],
        [row.hours for row in shared],
    ]
    return sql, params


_TOTALS = """
SELECT
    coalesce(sum(hours), 0),
    coalesce(sum(hours) FILTER (WHERE source = 'participation'), 0),
    coalesce(sum(hours) FILTER (WHERE source = 'declaration'), 0),
    coalesce(sum(hours) FILTER (WHERE source = 'shared'), 0),
    coalesce(sum(participations), 0),
    count(DISTINCT volunteer_id),
    count(DISTINCT organization_key),
    (SELECT count(*) FROM accounts_user WHERE is_active)
FROM contributions
"""

_BY_CAUSE = """
SELECT
    cause.id, cause.name_fr, cause.name_en, cause.sdg_goals,
    coalesce(sum(contributions.hours), 0),
    coalesce(sum(contributions.participations), 0),
    count(DISTINCT contributions.volunteer_id)
FROM contributions
LEFT JOIN LATERAL unnest(contributions.cause_ids) AS mission_cause(cause_id) ON true
LEFT JOIN engagement_cause AS cause ON cause.id = mission_cause.cause_id
GROUP BY cause.id
ORDER BY 5 DESC, cause.position, cause.id
"""

# A contribution whose causes share a goal counts once for that goal.
_BY_SDG = """
SELECT
    goals.goal,
    coalesce(sum(contributions.hours), 0),
    coalesce(sum(contributions.participations), 0),
    count(DISTINCT contributions.volunteer_id)
FROM contributions
CROSS JOIN LATERAL (
    SELECT DISTINCT goal.number AS goal
    FROM unnest(contributions.cause_ids) AS mission_cause(cause_id)
    JOIN engagement_cause AS cause ON cause.id = mission_cause.cause_id
    CROSS JOIN LATERAL unnest(cause.sdg_goals) AS goal(number)
) AS goals
GROUP BY goals.goal
ORDER BY goals.goal
"""

# Every team (a person in two teams counts in both), then the people in no team.
_BY_TEAM = """
SELECT
    team.id, team.name,
    coalesce(sum(contributions.hours), 0),
    coalesce(sum(contributions.participations), 0),
    count(DISTINCT contributions.volunteer_id),
    (SELECT count(*) FROM engagement_teammembership AS member
        JOIN accounts_user AS account ON account.id = member.user_id
        WHERE member.team_id = team.id AND account.is_active)
FROM engagement_team AS team
LEFT JOIN engagement_teammembership AS membership ON membership.team_id = team.id
LEFT JOIN contributions ON contributions.volunteer_id = membership.user_id
GROUP BY team.id
UNION ALL
SELECT
    NULL, NULL,
    coalesce(sum(contributions.hours), 0),
    coalesce(sum(contributions.participations), 0),
    count(DISTINCT contributions.volunteer_id),
    NULL
FROM contributions
WHERE NOT EXISTS (
    SELECT 1 FROM engagement_teammembership AS membership
    WHERE membership.user_id = contributions.volunteer_id
)
ORDER BY 2 NULLS LAST
"""

_BY_SITE = """
SELECT
    site.id, site.name,
    coalesce(sum(contributions.hours), 0),
    coalesce(sum(contributions.participations), 0),
    count(DISTINCT contributions.volunteer_id),
    (SELECT count(*) FROM engagement_employeeprofile AS employee
        JOIN accounts_user AS account ON account.id = employee.user_id
        WHERE employee.site_id = site.id AND account.is_active)
FROM engagement_site AS site
LEFT JOIN engagement_employeeprofile AS profile ON profile.site_id = site.id
LEFT JOIN contributions ON contributions.volunteer_id = profile.user_id
GROUP BY site.id
UNION ALL
SELECT
    NULL, NULL,
    coalesce(sum(contributions.hours), 0),
    coalesce(sum(contributions.participations), 0),
    count(DISTINCT contributions.volunteer_id),
    NULL
FROM contributions
WHERE NOT EXISTS (
    SELECT 1 FROM engagement_employeeprofile AS profile
    WHERE profile.user_id = contributions.volunteer_id AND profile.site_id IS NOT NULL
)
ORDER BY 2 NULLS LAST
"""

_BY_MONTH = """
SELECT
    date_trunc('month', day)::date,
    coalesce(sum(hours), 0),
    coalesce(sum(participations), 0),
    count(DISTINCT volunteer_id)
FROM contributions
GROUP BY 1
ORDER BY 1
"""

_BY_ORGANIZATION = """
SELECT
    organization_key,
    max(organization_label),
    coalesce(sum(hours), 0),
    coalesce(sum(participations), 0),
    count(DISTINCT volunteer_id)
FROM contributions
WHERE organization_key IS NOT NULL
GROUP BY organization_key
ORDER BY 3 DESC, 2
"""


# --- The report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """One line of a breakdown. `key` is stable (an id, a goal number, a month) or "" for the
    line of what belongs to none (no cause, no team, no site)."""

    key: str
    label: str
    hours: Decimal
    participations: int
    volunteers: int
    # Active members of the team or site (None where it means nothing).
    members: int | None = None
    # Goals of a cause.
    sdg_goals: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReportTotals:
    hours: Decimal
    participation_hours: Decimal
    declared_hours: Decimal
    shared_mission_hours: Decimal
    # Paid working time approved for the counted participations (engagement.worktime): a part of
    # the time B4SI counts as the company's input, the rest being the employees' own time.
    work_time_hours: Decimal
    participations: int
    volunteers: int
    organizations: int
    active_members: int

    @property
    def volunteering_share(self) -> Decimal:
        """Share of the active members who volunteered, in percent (one decimal)."""
        if not self.active_members:
            return ZERO
        return (Decimal(self.volunteers) * 100 / self.active_members).quantize(Decimal("0.1"))

    @property
    def average_hours(self) -> Decimal:
        """Hours per volunteer (two decimals)."""
        if not self.volunteers:
            return ZERO
        return (self.hours / self.volunteers).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class CsrReport:
    scope: ReportScope
    totals: ReportTotals
    by_cause: list[ReportRow]
    by_sdg: list[ReportRow]
    by_team: list[ReportRow]
    by_site: list[ReportRow]
    by_month: list[ReportRow]
    by_organization: list[ReportRow]
    generated_at: datetime
    # Hourly value of volunteering time (None: time not valued).
    hourly_rate: Decimal | None = None
    currency: str = "EUR"
    largest: dict[str, Decimal] = field(default_factory=dict)

    @property
    def valued_hours(self) -> Decimal | None:
        if self.hourly_rate is None:
            return None
        return (self.totals.hours * self.hourly_rate).quantize(Decimal("0.01"))

    @property
    def is_empty(self) -> bool:
        return not self.totals.participations and not self.totals.hours


def _rows(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def _months(scope: ReportScope) -> list[date]:
    months = []
    month = scope.starts_on.replace(day=1)
    while month <= scope.ends_on:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


@transaction.atomic
def csr_report(
    *, scope: ReportScope, hourly_rate: Decimal | None = None, currency: str = "EUR"
) -> CsrReport:
    """The figures of a year or a campaign, whatever the data: the shared-missions source (one
    statement for a year, none for a campaign), then the contributions gathered once into a
    temporary table dropped at commit, then totals, by cause, by goal, by team, by site, by month,
    by organization."""
    contributions, params = _contributions(scope)
    with connection.cursor() as cursor:
        # A report made earlier in the same transaction (tests, a page that makes two).
        cursor.execute("DROP TABLE IF EXISTS pg_temp.contributions")
        cursor.execute(contributions, params)

    (
        (
            hours,
            participation_hours,
            declared_hours,
            shared_hours,
            participations,
            volunteers,
            organizations,
            active_members,
        ),
    ) = _rows(_TOTALS)
    totals = ReportTotals(
        hours=Decimal(hours),
        participation_hours=Decimal(participation_hours),
        declared_hours=Decimal(declared_hours),
        shared_mission_hours=Decimal(shared_hours),
        work_time_hours=_work_time_hours(scope),
        participations=participations,
        volunteers=volunteers,
        organizations=organizations,
        active_members=active_members,
    )

    by_cause = [
        ReportRow(
            key=str(cause_id) if cause_id is not None else "",
            label=translated_label(name_fr, name_en) if cause_id is not None else _("No cause"),
            hours=Decimal(row_hours),
            participations=row_participations,
            volunteers=row_volunteers,
            sdg_goals=tuple(sdg_goals or ()),
        )
        for (
            cause_id,
            name_fr,
            name_en,
            sdg_goals,
            row_hours,
            row_participations,
            row_volunteers,
        ) in _rows(_BY_CAUSE)
    ]
    by_sdg = [
        ReportRow(
            key=str(goal),
            label=sdg_label(goal),
            hours=Decimal(row_hours),
            participations=row_participations,
            volunteers=row_volunteers,
            sdg_goals=(goal,),
        )
        for goal, row_hours, row_participations, row_volunteers in _rows(_BY_SDG)
    ]

    def grouped(sql: str, nobody: str) -> list[ReportRow]:
        rows = []
        for key, name, row_hours, row_participations, row_volunteers, members in _rows(sql):
            if key is None and not row_participations and not row_hours:
                continue
            rows.append(
                ReportRow(
                    key=str(key) if key is not None else "",
                    label=name if key is not None else nobody,
                    hours=Decimal(row_hours),
                    participations=row_participations,
                    volunteers=row_volunteers,
                    members=members,
                )
            )
        return rows

    by_team = grouped(_BY_TEAM, _("In no team"))
    by_site = grouped(_BY_SITE, _("No site"))

    per_month = {
        month: (Decimal(row_hours), row_participations, row_volunteers)
        for month, row_hours, row_participations, row_volunteers in _rows(_BY_MONTH)
    }
    by_month = [
        ReportRow(
            key=month.isoformat()[:7],
            label=month.isoformat()[:7],
            hours=per_month.get(month, (ZERO, 0, 0))[0],
            participations=per_month.get(month, (ZERO, 0, 0))[1],
            volunteers=per_month.get(month, (ZERO, 0, 0))[2],
        )
        for month in _months(scope)
    ]
    by_organization = [
        ReportRow(
            key=key,
            label=label or "",
            hours=Decimal(row_hours),
            participations=row_participations,
            volunteers=row_volunteers,
        )
        for key, label, row_hours, row_participations, row_volunteers in _rows(_BY_ORGANIZATION)
    ]
    largest = {
        name: max((row.hours for row in rows), default=ZERO)
        for name, rows in (
            ("cause", by_cause),
            ("sdg", by_sdg),
            ("team", by_team),
            ("site", by_site),
            ("month", by_month),
        )
    }
    return CsrReport(
        scope=scope,
        totals=totals,
        by_cause=by_cause,
        by_sdg=by_sdg,
        by_team=by_team,
        by_site=by_site,
        by_month=by_month,
        by_organization=by_organization,
        generated_at=timezone.now(),
        hourly_rate=hourly_rate,
        currency=currency,
        largest=largest,
    )


# --- A volunteer's confirmed hours (certificates) ------------------------------------------------


@dataclass(frozen=True)
class ConfirmedActivity:
    """One line of a certificate: a mission attended or a confirmed declaration."""

    day: date
    what: str
    organization: str
    hours: Decimal


def confirmed_hours_of(
    *, volunteer: User, starts_on: date | None, ends_on: date | None
) -> list[ConfirmedActivity]:
    """The volunteer's confirmed hours between two days (inclusive; None: no bound), oldest
    first: attended participations with hours, and confirmed declarations. Two queries."""
    participations = (
        Participation.objects.filter(volunteer=volunteer, status=ATTENDED, hours__gt=0)
        .select_related("slot__mission__organization")
        .only(
            "hours",
            "decided_at",
            "created_at",
            "slot__starts_at",
            "slot__mission__title",
            "slot__mission__organization__name",
        )
    )
    declarations = HoursDeclaration.objects.filter(
        volunteer=volunteer, status=HoursDeclaration.Status.CONFIRMED
    ).select_related("organization")
    if starts_on is not None:
        declarations = declarations.filter(date__gte=starts_on)
    if ends_on is not None:
        declarations = declarations.filter(date__lte=ends_on)
    activities = []
    zone = timezone.get_current_timezone()
    for participation in participations:
        moment = (
            participation.slot.starts_at or participation.decided_at or participation.created_at
        )
        day = timezone.localtime(moment, zone).date()
        if (starts_on is not None and day < starts_on) or (ends_on is not None and day > ends_on):
            continue
        assert participation.hours is not None
        activities.append(
            ConfirmedActivity(
                day=day,
                what=participation.slot.mission.title,
                organization=participation.slot.mission.organization.name,
                hours=participation.hours,
            )
        )
    for declaration in declarations:
        activities.append(
            ConfirmedActivity(
                day=declaration.date,
                what=declaration.description,
                organization=(
                    declaration.organization.name
                    if declaration.organization is not None
                    else declaration.organization_name
                ),
                hours=declaration.hours,
            )
        )
    activities.sort(key=lambda activity: (activity.day, activity.what))
    return activities


def confirmed_hours_total(activities: Sequence[ConfirmedActivity]) -> Decimal:
    return sum((activity.hours for activity in activities), ZERO)


# --- Certificates ------------------------------------------------------------------------------

RECENT_CERTIFICATES = 50


def certificates_of(*, volunteer: User) -> QuerySet[Certificate]:
    return Certificate.objects.filter(volunteer=volunteer).order_by("-issued_at", "-id")


def certificates_recent() -> QuerySet[Certificate]:
    """The last certificates issued in the tenant (the admins' list), one query."""
    return Certificate.objects.order_by("-issued_at", "-id")[:RECENT_CERTIFICATES]


def certificate_for_token(*, token: str) -> Certificate | None:
    """The certificate a verification address names in this tenant's schema, or None."""
    if not token or len(token) > 64:
        return None
    return Certificate.objects.filter(token=token).first()

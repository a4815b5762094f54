"""Reads of a company programme: its settings, sites, teams, their members' activity and the
team standings. Every function costs a fixed number of queries, whatever the number of rows.

What counts for a person or a team (the same rule as the campaigns and the CSR reports):
participations confirmed or attended whose date starts within the period, the hours of those
attended, plus the hours declared outside the platform and confirmed, dated within the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from accounts.models import User
from engagement.participations.models import Participation
from engagement.programmes.models import (
    EmployeeProfile,
    ProgrammeSettings,
    Site,
    Team,
    TeamMembership,
)
from engagement.volunteers.selectors import volunteer_display_name
from engagement.worktime.models import HoursDeclaration

COUNTED_STATUSES = (Participation.Status.CONFIRMED, Participation.Status.ATTENDED)
ZERO = Decimal("0")
RECENT_MISSIONS_PER_MEMBER = 3
PEOPLE_SEARCH_LIMIT = 20


def programme_settings() -> ProgrammeSettings:
    """The current tenant's programme settings: the defaults until an admin saves them (a read
    never writes; engagement.programmes.services.programme_settings_update creates the row)."""
    return ProgrammeSettings.objects.filter(pk=1).first() or ProgrammeSettings(pk=1)


# --- Periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Inclusive dates, in the tenant's time zone."""

    starts_on: date
    ends_on: date

    def window(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes in the current time zone."""
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.starts_on, time.min, tzinfo=zone),
            datetime.combine(self.ends_on + timedelta(days=1), time.min, tzinfo=zone),
        )


def programme_year(*, starts_month: int, today: date | None = None) -> Period:
    """The allowance year that contains `today`: from the first day of `starts_month`."""
    today = today or timezone.localdate()
    year = today.year if today.month >= starts_month else today.year - 1
    starts_on = date(year, starts_month, 1)
    ends_on = date(year + 1, starts_month, 1) - timedelta(days=1)
    return Period(starts_on=starts_on, ends_on=ends_on)


def counted_participations(period: Period) -> QuerySet[Participation]:
    start, end = period.window()
    return Participation.objects.filter(
        status__in=COUNTED_STATUSES, slot__starts_at__gte=start, slot__starts_at__lt=end
    )


def confirmed_declarations(period: Period) -> QuerySet[HoursDeclaration]:
    return HoursDeclaration.objects.filter(
        status=HoursDeclaration.Status.CONFIRMED,
        date__gte=period.starts_on,
        date__lte=period.ends_on,
    )


# --- Sites --------------------------------------------------------------------------------------


def site_list() -> QuerySet[Site]:
    """Every site, active ones first, with the number of employees and teams (one query)."""
    return Site.objects.annotate(
        employee_count=Count("employees", distinct=True),
        team_count=Count("teams", distinct=True),
    ).order_by("-is_active", "name")


def site_choices() -> list[tuple[int, str]]:
    return list(Site.objects.filter(is_active=True).order_by("name").values_list("pk", "name"))


# --- Teams --------------------------------------------------------------------------------------


def team_list() -> QuerySet[Team]:
    """Every team by name, with its site and its number of members (one query)."""
    return (
        Team.objects.select_related("site")
        .annotate(member_count=Count("memberships"))
        .order_by("name", "pk")
    )


def team_ids_of_user(user: User) -> set[int]:
    return set(TeamMembership.objects.filter(user_id=user.pk).values_list("team_id", flat=True))


def team_memberships(team: Team) -> list[TeamMembership]:
    """The team's members (active accounts), leads first then by name (one query)."""
    memberships = list(
        TeamMembership.objects.filter(team=team, user__is_active=True).select_related(
            "user__volunteer_profile", "user__employee_profile"
        )
    )
    return sorted(
        memberships,
        key=lambda m: (not m.is_lead, volunteer_display_name(m.user).casefold(), m.pk),
    )


def people_search(*, query: str, exclude_team: Team | None = None) -> list[User]:
    """Active people whose name or e-mail address contains `query` (for an admin's picker)."""
    query = query.strip()
    if len(query) < 2:
        return []
    people = User.objects.filter(is_active=True).filter(
        Q(email__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
    )
    if exclude_team is not None:
        people = people.exclude(team_memberships__team=exclude_team)
    return list(
        people.select_related("volunteer_profile").order_by("last_name", "first_name", "pk")[
            :PEOPLE_SEARCH_LIMIT
        ]
    )


# --- A team's page ------------------------------------------------------------------------------


@dataclass
class RecentMission:
    mission_id: int
    title: str
    starts_at: datetime | None
    attended: bool


@dataclass
class MemberActivity:
    membership: TeamMembership
    name: str
    shows_activity: bool
    hours: Decimal = ZERO
    participations: int = 0
    recent: list[RecentMission] = field(default_factory=list)


@dataclass
class TeamPage:
    team: Team
    period: Period
    members: list[MemberActivity]
    total_hours: Decimal
    total_participations: int
    active_members: int


def _shows_activity(user: User) -> bool:
    profile = user._state.fields_cache.get("employee_profile")
    return profile is None or bool(profile.shows_activity_to_team)


def team_page(*, team: Team, period: Period) -> TeamPage:
    """The members of a team, the activity of those who show it, and the team's totals over
    `period` (five queries: members, participations, hours, declarations, recent missions).

    Totals count every member: a sum over a team tells nothing of one person unless the team
    is one person, and a person who hides their activity is not listed with figures."""
    memberships = team_memberships(team)
    member_ids = [m.user_id for m in memberships]
    counted = counted_participations(period).filter(volunteer_id__in=member_ids)
    counts: dict[int, int] = {}
    attended_hours: dict[int, Decimal] = {}
    for row in counted.values("volunteer_id").annotate(
        count=Count("id"),
        hours=Sum("hours", filter=Q(status=Participation.Status.ATTENDED)),
    ):
        counts[row["volunteer_id"]] = row["count"]
        attended_hours[row["volunteer_id"]] = row["hours"] or ZERO
    declared = (
        confirmed_declarations(period)
        .filter(volunteer_id__in=member_ids)
        .values("volunteer_id")
        .annotate(hours=Sum("hours"))
    )
    declared_hours = {row["volunteer_id"]: row["hours"] or ZERO for row in declared}
    visible_ids = [m.user_id for m in memberships if _shows_activity(m.user)]
    recent: dict[int, list[RecentMission]] = defaultdict(list)
    if visible_ids:
        rows = (
            counted.filter(volunteer_id__in=visible_ids)
            .order_by("volunteer_id", "-slot__starts_at", "-id")
            .values(
                "volunteer_id",
                "slot__mission_id",
                "slot__mission__title",
                "slot__starts_at",
                "status",
            )
        )
        for recent_row in rows:
            mine = recent[recent_row["volunteer_id"]]
            if len(mine) < RECENT_MISSIONS_PER_MEMBER:
                mine.append(
                    RecentMission(
                        mission_id=recent_row["slot__mission_id"],
                        title=recent_row["slot__mission__title"],
                        starts_at=recent_row["slot__starts_at"],
                        attended=recent_row["status"] == Participation.Status.ATTENDED,
                    )
                )
    members = []
    total_hours = ZERO
    total_participations = 0
    active = 0
    for membership in memberships:
        hours = attended_hours.get(membership.user_id, ZERO) + declared_hours.get(
            membership.user_id, ZERO
        )
        count = counts.get(membership.user_id, 0)
        total_hours += hours
        total_participations += count
        active += 1 if (hours or count) else 0
        shows = _shows_activity(membership.user)
        members.append(
            MemberActivity(
                membership=membership,
                name=volunteer_display_name(membership.user),
                shows_activity=shows,
                hours=hours if shows else ZERO,
                participations=count if shows else 0,
                recent=recent.get(membership.user_id, []) if shows else [],
            )
        )
    return TeamPage(
        team=team,
        period=period,
        members=members,
        total_hours=total_hours,
        total_participations=total_participations,
        active_members=active,
    )


# --- Standings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamStanding:
    rank: int
    team_id: int
    name: str
    hours: Decimal
    participations: int


def team_standings(
    *,
    participations: QuerySet[Participation],
    declarations: QuerySet[HoursDeclaration],
    order_by: str = "hours",
    team_ids: Iterable[int] | None = None,
) -> list[TeamStanding]:
    """Each team's hours and participations over the rows given, counted by the team membership
    of each volunteer (someone in two teams counts for both), best first (three queries).
    Teams with nothing yet are listed last, by name."""
    teams = Team.objects.order_by("name", "pk")
    if team_ids is not None:
        teams = teams.filter(pk__in=list(team_ids))
    hours: dict[int, Decimal] = defaultdict(lambda: ZERO)
    counts: dict[int, int] = defaultdict(int)
    for row in participations.values(team=F("volunteer__team_memberships__team_id")).annotate(
        count=Count("id", distinct=True),
        hours=Sum("hours", filter=Q(status=Participation.Status.ATTENDED)),
    ):
        hours[row["team"]] += row["hours"] or ZERO
        counts[row["team"]] += row["count"]
    for declared in declarations.values(team=F("volunteer__team_memberships__team_id")).annotate(
        hours=Sum("hours")
    ):
        hours[declared["team"]] += declared["hours"] or ZERO
    rows = [
        (team.pk, team.name, hours.get(team.pk, ZERO), counts.get(team.pk, 0))
        for team in teams.only("pk", "name")
    ]
    if order_by == "participations":
        rows.sort(key=lambda r: (-r[3], -r[2], r[1].casefold()))
    else:
        rows.sort(key=lambda r: (-r[2], -r[3], r[1].casefold()))
    return [
        TeamStanding(rank=index, team_id=pk, name=name, hours=hours, participations=count)
        for index, (pk, name, hours, count) in enumerate(rows, start=1)
    ]


def year_standings(*, period: Period, order_by: str = "hours") -> list[TeamStanding]:
    return team_standings(
        participations=counted_participations(period),
        declarations=confirmed_declarations(period),
        order_by=order_by,
    )


def employee_profile_of(user: User) -> EmployeeProfile | None:
    return EmployeeProfile.objects.filter(user_id=user.pk).first()


def activity_visibility_for(user: User) -> bool | None:
    """The person's "my teams see my activity" choice, or None when they are in no programme
    (no employee profile, no team: the profile page then shows no switch). One query."""
    row = (
        User.objects.filter(pk=user.pk)
        .values_list(
            Subquery(
                EmployeeProfile.objects.filter(user_id=OuterRef("pk")).values(
                    "shows_activity_to_team"
                )[:1]
            ),
            Exists(TeamMembership.objects.filter(user_id=OuterRef("pk"))),
        )
        .first()
    )
    if row is None:
        return None
    shows, in_a_team = row
    if shows is not None:
        return bool(shows)
    return True if in_a_team else None


def my_team_memberships(*, user: User) -> QuerySet[TeamMembership]:
    """The person's memberships, by team name, each team with its site and member count (one
    query per page)."""
    return (
        TeamMembership.objects.filter(user_id=user.pk)
        .select_related("team__site")
        .annotate(team_member_count=Count("team__memberships"))
        .order_by("team__name", "pk")
    )

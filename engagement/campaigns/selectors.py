"""What a campaign counts. The one rule, used by the campaign pages and by the CSR reports.

A campaign counts the participations (confirmed or attended) whose slot starts within its dates
(inclusive, in the tenant's time zone) on its featured missions or on the missions of its partner
organizations, and the hours of those that were attended; plus the confirmed hours declarations
dated within the campaign for one of its partner organizations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from engagement.campaigns.models import Campaign
from engagement.missions.models import Mission
from engagement.missions.search import (
    MissionSearchFilters,
    SearchResult,
    mission_search,
    search_result_from_mission,
)
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.programmes.selectors import TeamStanding, team_standings
from engagement.worktime.models import HoursDeclaration
from tenants.context import tenant_cache_key

COUNTED_STATUSES = (Participation.Status.CONFIRMED, Participation.Status.ATTENDED)


def campaign_window(campaign: Campaign) -> tuple[datetime, datetime]:
    """[start, end) of the campaign as aware datetimes in the current time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(campaign.starts_on, time.min, tzinfo=zone)
    end = datetime.combine(campaign.ends_on + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def campaign_participations(campaign: Campaign) -> QuerySet[Participation]:
    start, end = campaign_window(campaign)
    return Participation.objects.filter(
        Q(slot__mission__in=campaign.featured_missions.all())
        | Q(slot__mission__organization__in=campaign.partner_organizations.all()),
        status__in=COUNTED_STATUSES,
        slot__starts_at__gte=start,
        slot__starts_at__lt=end,
    )


def campaign_declarations(campaign: Campaign) -> QuerySet[HoursDeclaration]:
    return HoursDeclaration.objects.filter(
        status=HoursDeclaration.Status.CONFIRMED,
        organization__in=campaign.partner_organizations.all(),
        date__gte=campaign.starts_on,
        date__lte=campaign.ends_on,
    )


# --- Progress and standings ---------------------------------------------------------------------

ZERO = Decimal("0")


@dataclass(frozen=True)
class CampaignProgress:
    hours: Decimal
    participations: int
    goal_kind: str
    goal_value: int

    @property
    def value(self) -> Decimal:
        """The figure the goal is counted in (hours, or participations)."""
        if self.goal_kind == Campaign.GoalKind.PARTICIPATIONS:
            return Decimal(self.participations)
        return self.hours

    @property
    def percent(self) -> int:
        """Of the goal, 0 to 100 (a goal passed shows full)."""
        return progress_percent(self.value, self.goal_value)

    @property
    def bar_value(self) -> Decimal:
        """What a progress bar reports (at most the goal; the text says the whole figure)."""
        return min(self.value, Decimal(self.goal_value))


def progress_percent(value: Decimal, goal_value: int) -> int:
    if goal_value <= 0:
        return 0
    return min(100, int(value * 100 / goal_value))


def campaign_progress(campaign: Campaign) -> CampaignProgress:
    """Hours (attended participations' hours + confirmed declarations) and participations
    (counted ones) of the campaign (two queries)."""
    figures = campaign_participations(campaign).aggregate(
        count=Count("id"),
        hours=Sum("hours", filter=Q(status=Participation.Status.ATTENDED)),
    )
    declared = campaign_declarations(campaign).aggregate(hours=Sum("hours"))["hours"] or ZERO
    return CampaignProgress(
        hours=(figures["hours"] or ZERO) + declared,
        participations=figures["count"],
        goal_kind=campaign.goal_kind,
        goal_value=campaign.goal_value,
    )


def campaign_team_standings(campaign: Campaign) -> list[TeamStanding]:
    """Each team's part of the campaign, ranked by the campaign's goal (three queries)."""
    return team_standings(
        participations=campaign_participations(campaign),
        declarations=campaign_declarations(campaign),
        order_by=str(campaign.goal_kind),
    )


# --- Lists --------------------------------------------------------------------------------------


def campaign_is_running(campaign: Campaign, *, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return campaign.is_published and campaign.starts_on <= today <= campaign.ends_on


def campaigns_published_current(*, today: date | None = None) -> QuerySet[Campaign]:
    """Published campaigns running or still to come, soonest first (one query)."""
    today = today or timezone.localdate()
    return Campaign.objects.filter(is_published=True, ends_on__gte=today).order_by(
        "starts_on", "title", "pk"
    )


def campaigns_running(*, today: date | None = None) -> QuerySet[Campaign]:
    today = today or timezone.localdate()
    return campaigns_published_current(today=today).filter(starts_on__lte=today)


def campaign_list_for_admin() -> QuerySet[Campaign]:
    """Every campaign, newest first, with its numbers of featured missions and partners."""
    return Campaign.objects.annotate(
        featured_count=Count("featured_missions", distinct=True),
        partner_count=Count("partner_organizations", distinct=True),
    ).order_by("-starts_on", "title", "pk")


def campaign_featured_cards(campaign: Campaign) -> list[SearchResult]:
    """The campaign's featured missions still open to volunteers, as the search shows them
    (three queries: missions, organizations, causes)."""
    missions = (
        mission_search(filters=MissionSearchFilters())
        .filter(pk__in=campaign.featured_missions.values("pk"))
        .order_by("title", "pk")
    )
    # No point given: distance_km is None, as on a page without one.
    return [search_result_from_mission(mission) for mission in missions]


def published_mission_choices() -> list[tuple[int, str]]:
    """Published missions for the admin's picker: (id, "title — organization")."""
    return [
        (pk, f"{title} — {organization}")
        for pk, title, organization in Mission.objects.filter(status=Mission.Status.PUBLISHED)
        .order_by("title", "pk")
        .values_list("pk", "title", "organization__name")
    ]


# --- The home page's banners --------------------------------------------------------------------

# A new figure shows on the home page within this many seconds; meanwhile the page reads no
# campaign at all.
BANNERS_CACHE_SECONDS = 60


@dataclass(frozen=True)
class CampaignBanner:
    title: str
    slug: str
    ends_on: date
    goal_kind: str
    goal_value: int
    value: Decimal
    percent: int

    @property
    def bar_value(self) -> Decimal:
        return min(self.value, Decimal(self.goal_value))


def _banners_key(today: date) -> str:
    return tenant_cache_key("campaign-banners", today.isoformat())


def running_campaign_banners(*, today: date | None = None) -> list[CampaignBanner]:
    """The running published campaigns with their progress, read at most once a minute per
    tenant (cached; uncached: one query, plus two per running campaign)."""
    today = today or timezone.localdate()
    key = _banners_key(today)
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    banners = []
    for campaign in campaigns_running(today=today):
        progress = campaign_progress(campaign)
        banners.append(
            CampaignBanner(
                title=campaign.title,
                slug=campaign.slug,
                ends_on=campaign.ends_on,
                goal_kind=campaign.goal_kind,
                goal_value=campaign.goal_value,
                value=progress.value,
                percent=progress.percent,
            )
        )
    cache.set(key, banners, BANNERS_CACHE_SECONDS)
    return banners


def running_campaign_banners_forget(*, today: date | None = None) -> None:
    """Drop the cached banners (a campaign was published, changed or withdrawn)."""
    if today is not None:
        cache.delete(_banners_key(today))
        return
    # Whatever zone is active here (the tenant's in a request, UTC in a task or a command), the
    # tenant's own date is one of these three: the copy cached under it goes.
    utc_today = timezone.now().date()
    cache.delete_many([_banners_key(utc_today + timedelta(days=shift)) for shift in (-1, 0, 1)])


def partner_organization_choices() -> list[tuple[int, str]]:
    """Verified organizations for the admin's picker."""
    return list(
        Organization.objects.filter(verification_status=Organization.Verification.VERIFIED)
        .order_by("name", "pk")
        .values_list("pk", "name")
    )

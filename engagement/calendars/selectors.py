"""Reads of calendar feeds: which feed a token names, a person's working address, and what a
feed shows (each in one query)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from engagement.calendars.models import CalendarFeed
from engagement.missions.models import Mission, Slot
from engagement.organizations.access import ORGANIZER_ROLES
from engagement.organizations.models import Organization, OrganizationMembership
from engagement.participations.models import Participation

# A feed shows what is to come and what ended in the last FEED_PAST_DAYS (about six months),
# at most FEED_MAX_EVENTS events (the soonest first).
FEED_PAST_DAYS = 183
FEED_MAX_EVENTS = 2000
# Longer than any token minted (43 characters): refused before hashing.
MAX_TOKEN_LENGTH = 100
_DEFERRED = (
    "slot__mission__search_vector",
    "slot__mission__description",
    "slot__mission__organization__description",
)


def calendar_feed_for_token(*, token: str) -> CalendarFeed | None:
    """The working feed a token names in this tenant's schema, or None: unknown (another
    tenant's tokens are not in this schema), revoked, its owner's account closed, or an
    organization's feed whose owner no longer runs it. One query."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    feeds = CalendarFeed.objects.select_related("owner", "organization").filter(
        token_hash=CalendarFeed.hash_token(token), revoked_at__isnull=True, owner__is_active=True
    )
    runs_it = OrganizationMembership.objects.filter(
        organization_id=OuterRef("organization_id"),
        user_id=OuterRef("owner_id"),
        role__in=ORGANIZER_ROLES,
    )
    return (
        feeds.filter(Q(organization__isnull=True) | Exists(runs_it))
        .defer("organization__description")
        .first()
    )


def calendar_feed_active(
    *, owner: User, organization: Organization | None = None
) -> CalendarFeed | None:
    """The owner's working address for their calendar (or one organization's), if any."""
    return CalendarFeed.objects.filter(
        owner_id=owner.pk, organization=organization, revoked_at__isnull=True
    ).first()


def _since(now: datetime | None) -> datetime:
    return (now or timezone.now()) - timedelta(days=FEED_PAST_DAYS)


def feed_participations(*, user_id: int, now: datetime | None = None) -> QuerySet[Participation]:
    """The person's participations on dated slots to come or ended within the window, soonest
    first, with slot, mission and organization joined (cancelled ones too: calendars then
    show them cancelled)."""
    return (
        Participation.objects.filter(
            volunteer_id=user_id, slot__starts_at__isnull=False, slot__ends_at__gte=_since(now)
        )
        .select_related("slot__mission__organization")
        .defer(*_DEFERRED)
        .order_by("slot__starts_at", "id")[:FEED_MAX_EVENTS]
    )


def feed_slots(*, organization_id: int, now: datetime | None = None) -> QuerySet[Slot]:
    """The organization's dated slots to come or ended within the window (drafts left out),
    soonest first, with the counts of people waiting and awaiting approval."""
    active = Participation.Status
    return (
        Slot.objects.filter(
            mission__organization_id=organization_id,
            starts_at__isnull=False,
            ends_at__gte=_since(now),
        )
        .exclude(mission__status=Mission.Status.DRAFT)
        .select_related("mission__organization")
        .defer(
            "mission__search_vector", "mission__description", "mission__organization__description"
        )
        .annotate(
            waitlisted_count=Count(
                "participations", filter=Q(participations__status=active.WAITLISTED)
            ),
            requested_count=Count(
                "participations", filter=Q(participations__status=active.REQUESTED)
            ),
        )
        .order_by("starts_at", "id")[:FEED_MAX_EVENTS]
    )

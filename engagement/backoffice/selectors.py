"""Reads of the back office's home: what waits for someone, and this month at a glance.

Each figure is one aggregate query over an index-backed column, so the page costs the same
number of queries however large the tenant is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from engagement.missions.models import Mission
from engagement.organizations.models import Organization
from engagement.participations.models import Participation


@dataclass(frozen=True)
class ModerationSummary:
    organizations_pending: int
    missions_in_review: int


@dataclass(frozen=True)
class MonthSummary:
    since: datetime
    volunteers: int
    new_sign_ups: int
    published_missions: int
    participations_confirmed: int


def month_start(now: datetime | None = None) -> datetime:
    """Midnight on the first day of the current month, in the tenant's time zone."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def moderation_summary() -> ModerationSummary:
    """What waits for a moderator (two queries)."""
    return ModerationSummary(
        organizations_pending=Organization.objects.filter(
            verification_status=Organization.Verification.PENDING
        ).count(),
        missions_in_review=Mission.objects.filter(status=Mission.Status.IN_REVIEW).count(),
    )


def month_summary(*, now: datetime | None = None) -> MonthSummary:
    """The tenant this month (three queries)."""
    since = month_start(now)
    people = User.objects.filter(is_active=True).aggregate(
        volunteers=Count("pk"), new_sign_ups=Count("pk", filter=Q(date_joined__gte=since))
    )
    return MonthSummary(
        since=since,
        volunteers=people["volunteers"],
        new_sign_ups=people["new_sign_ups"],
        published_missions=Mission.objects.filter(status=Mission.Status.PUBLISHED).count(),
        participations_confirmed=Participation.objects.filter(
            status=Participation.Status.CONFIRMED, created_at__gte=since
        ).count(),
    )

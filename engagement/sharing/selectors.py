"""Reads of mission sharing, each in the current schema only (what crosses schemas is in
engagement.sharing.services). A fixed number of queries each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from engagement.participations.models import Participation
from engagement.sharing.models import (
    CitySubscription,
    SharedMission,
    SharedParticipation,
    SharingSubscriber,
)

# --- The company's side -------------------------------------------------------------------------


def shared_mission_list(
    *, q: str = "", cause: str = "", causes: Sequence[str] = ()
) -> QuerySet[SharedMission]:
    """The mirrored missions of the cities this company still subscribes to, soonest first;
    `q` searches the words, `cause` (or any of `causes`, slugs) narrows by cause."""
    missions = SharedMission.objects.filter(subscription__is_active=True).select_related(
        "subscription"
    )
    if q:
        missions = missions.filter(
            Q(title__icontains=q) | Q(organization_name__icontains=q) | Q(summary__icontains=q)
        )
    wanted = [slug for slug in (cause, *causes) if slug]
    if wanted:
        any_cause = Q()
        for slug in wanted:
            any_cause |= Q(causes__contains=[{"slug": slug}])
        missions = missions.filter(any_cause)
    return missions.order_by("next_starts_at", "id")


def shared_mission_get(*, shared_mission_id: int) -> SharedMission | None:
    return (
        SharedMission.objects.filter(pk=shared_mission_id, subscription__is_active=True)
        .select_related("subscription")
        .first()
    )


def city_subscription_list() -> QuerySet[CitySubscription]:
    return CitySubscription.objects.prefetch_related("sites").order_by("-is_active", "city_name")


def city_subscription_get(*, subscription_id: int) -> CitySubscription | None:
    return CitySubscription.objects.filter(pk=subscription_id).first()


def my_shared_participations(*, user: User) -> QuerySet[SharedParticipation]:
    return SharedParticipation.objects.filter(volunteer_id=user.pk).order_by("-starts_at", "-id")


def my_shared_participation_get(
    *, user: User, shared_participation_id: int
) -> SharedParticipation | None:
    return SharedParticipation.objects.filter(
        pk=shared_participation_id, volunteer_id=user.pk
    ).first()


def _period(starts_on: date | None, ends_on: date | None) -> Q:
    """Attended participations whose date falls within the period (both days included)."""
    condition = Q()
    zone = timezone.get_current_timezone()
    if starts_on is not None:
        condition &= Q(starts_at__gte=datetime.combine(starts_on, time.min, tzinfo=zone))
    if ends_on is not None:
        condition &= Q(starts_at__lte=datetime.combine(ends_on, time.max, tzinfo=zone))
    return condition


def shared_hours(
    *,
    volunteers: Iterable[User] | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Decimal:
    """Hours the employees gave on the cities' missions, as the cities' organizations recorded
    them (attended participations), within the period; add them to the confirmed hours.
    `volunteers` None: the whole company. One query."""
    rows = SharedParticipation.objects.filter(status=SharedParticipation.Status.ATTENDED).filter(
        _period(starts_on, ends_on)
    )
    if volunteers is not None:
        rows = rows.filter(volunteer_id__in=[user.pk for user in volunteers])
    return rows.aggregate(total=Sum("hours"))["total"] or Decimal("0")


def shared_attended_participations(
    *, starts_on: date | None = None, ends_on: date | None = None
) -> QuerySet[SharedParticipation]:
    """The employees' attended participations on the cities' missions, with their hours, within
    the period: the CSR report's third source (engagement.reports.selectors). One query."""
    return (
        SharedParticipation.objects.filter(
            status=SharedParticipation.Status.ATTENDED,
            volunteer__isnull=False,
            hours__isnull=False,
            starts_at__isnull=False,
        )
        .filter(_period(starts_on, ends_on))
        .only("volunteer_id", "organization_name", "city_name", "starts_at", "hours")
    )


def shared_hours_by_volunteer(
    *, starts_on: date | None = None, ends_on: date | None = None
) -> dict[int, Decimal]:
    """The same hours per employee id (reports by team or site). One query."""
    rows = (
        SharedParticipation.objects.filter(
            status=SharedParticipation.Status.ATTENDED, volunteer__isnull=False
        )
        .filter(_period(starts_on, ends_on))
        .values("volunteer_id")
        .annotate(total=Sum("hours"))
    )
    return {row["volunteer_id"]: row["total"] or Decimal("0") for row in rows}


# --- The city's side ------------------------------------------------------------------------


def sharing_subscriber_list() -> QuerySet[SharingSubscriber]:
    return SharingSubscriber.objects.order_by("-is_active", "company_name")


def sharing_subscriber_get(*, subscriber_id: int) -> SharingSubscriber | None:
    return SharingSubscriber.objects.filter(pk=subscriber_id).first()


def company_guest_participations(*, limit: int = 100) -> list[dict[str, Any]]:
    """The participations of companies' employees on this city's missions, latest first, with
    the person's name and company (the city's back office). One query."""
    rows = (
        Participation.objects.filter(volunteer__company_guest__isnull=False)
        .select_related("volunteer__company_guest", "slot__mission__organization")
        .order_by("-created_at")[:limit]
    )
    return [
        {
            "name": row.volunteer.display_name if row.volunteer else "",
            "company": row.volunteer.company_guest.company_name if row.volunteer else "",
            "mission": row.slot.mission.title,
            "organization": row.slot.mission.organization.name,
            "starts_at": row.slot.starts_at,
            "status": row.get_status_display(),
            "hours": row.hours,
        }
        for row in rows
    ]


def shared_participations_export(*, user: User) -> list[dict[str, Any]]:
    """The employee's participations on the cities' missions, for the GDPR export (art. 15)."""
    return [
        {
            "city": row.city_name,
            "mission": row.mission_title,
            "organization": row.organization_name,
            "starts_at": row.starts_at.isoformat() if row.starts_at else None,
            "status": row.status,
            "hours": str(row.hours) if row.hours is not None else None,
        }
        for row in my_shared_participations(user=user)
    ]

"""Reads of saved searches: a person's list, the filters a saved search stands for, the due
searches of an alert run and the missions announced in an alert."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from accounts.models import User
from engagement.alerts.models import SavedSearch, SavedSearchMatch
from engagement.missions.models import Mission
from engagement.missions.search import MissionSearchFilters

# A search is due when its last check is at least this old at the run's cut-off: a run a day
# (engagement.alerts.services) then checks the daily ones every day and the weekly ones every
# seventh day, whatever the minutes a run takes or a beat that fires a little late.
DUE_AFTER: dict[str, timedelta] = {
    SavedSearch.Frequency.DAILY: timedelta(hours=12),
    SavedSearch.Frequency.WEEKLY: timedelta(days=6, hours=12),
}


def saved_search_list_for_user(*, user: User) -> QuerySet[SavedSearch]:
    """The person's saved searches, newest first (one query)."""
    return SavedSearch.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def saved_search_count_for_user(*, user: User) -> int:
    return SavedSearch.objects.filter(user_id=user.pk).count()


def saved_search_by_token(*, token: str) -> SavedSearch | None:
    """The saved search of an unsubscribe link in this tenant's schema, or None."""
    if not token or len(token) > 64:
        return None
    return SavedSearch.objects.filter(unsubscribe_token=token).first()


def saved_search_filters(saved_search: SavedSearch) -> MissionSearchFilters:
    """The search a saved search stands for: the same object the search page and the API build,
    newest first (an alert lists the latest missions first)."""
    location = saved_search.location
    return MissionSearchFilters(
        lat=location.y if location is not None else None,
        lng=location.x if location is not None else None,
        radius_km=saved_search.radius_km,
        causes=tuple(saved_search.causes),
        skills=tuple(saved_search.skills),
        availability=saved_search.availability_mask,
        remote=saved_search.remote,
        step_free=saved_search.step_free,
        open_to_minors=saved_search.open_to_minors,
        beginner_friendly=saved_search.beginner_friendly,
        q=saved_search.query,
        sort="newest",
    )


def saved_searches_due(*, cutoff: datetime) -> QuerySet[SavedSearch]:
    """Active saved searches whose last check is old enough for their frequency (the partial
    index saved_search_due), with only the columns the evaluation reads."""
    due = Q()
    for frequency, interval in DUE_AFTER.items():
        due |= Q(frequency=frequency, last_checked_at__lte=cutoff - interval)
    return (
        SavedSearch.objects.filter(due, is_active=True)
        .only(
            "id",
            "location",
            "radius_km",
            "causes",
            "skills",
            "availability_mask",
            "query",
            "remote",
            "step_free",
            "open_to_minors",
            "beginner_friendly",
            "last_checked_at",
        )
        .order_by("id")
    )


def saved_search_unsent_matches(*, saved_search: SavedSearch) -> QuerySet[SavedSearchMatch]:
    """Missions found new for the search and not announced yet (the partial index
    saved_search_match_unsent)."""
    return SavedSearchMatch.objects.filter(saved_search=saved_search, sent_at__isnull=True)


def alert_missions(*, mission_ids: list[int]) -> QuerySet[Mission]:
    """The missions of an alert that are still published, newest first, with their
    organization (two queries)."""
    return (
        Mission.objects.filter(pk__in=mission_ids, status=Mission.Status.PUBLISHED)
        .select_related("organization")
        .defer("search_vector", "description", "organization__description")
        .order_by("-published_at", "-id")
    )

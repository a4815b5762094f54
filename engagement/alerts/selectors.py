"""Reads of saved searches: a person's list, the filters a saved search stands for, the due
searches of an alert run and the missions announced in an alert."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Q, QuerySet

from accounts.models import User
from engagement.alerts.models import SavedSearch, SavedSearchAlert
from engagement.missions.models import Mission, Slot
from engagement.missions.search import MissionSearchFilters
from engagement.missions.text_search import SEARCH_CONFIGS, Unaccent
from engagement.taxonomy.models import Cause, Skill

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


def saved_search_unsent_alerts(*, saved_search: SavedSearch) -> QuerySet[SavedSearchAlert]:
    """What runs found for the search and no e-mail announced yet, oldest first."""
    return SavedSearchAlert.objects.filter(
        saved_search=saved_search, sent_at__isnull=True
    ).order_by("found_at", "id")


def alert_missions(*, mission_ids: list[int], limit: int) -> tuple[list[Mission], int]:
    """The `limit` newest of these missions that are still published, with their organization,
    and how many are still published (two queries)."""
    published = Mission.objects.filter(pk__in=mission_ids, status=Mission.Status.PUBLISHED)
    shown = list(
        published.select_related("organization")
        .defer("search_vector", "description", "organization__description")
        .order_by("-published_at", "-id")[:limit]
    )
    total = len(shown) if len(shown) < limit else published.count()
    return shown, total


# --- New matches of many saved searches in one statement ----------------------------------------

_SAVED = SavedSearch._meta.db_table
_ALERT = SavedSearchAlert._meta.db_table
_MISSION = Mission._meta.db_table
_SLOT = Slot._meta.db_table
_CAUSE = Cause._meta.db_table
_SKILL = Skill._meta.db_table
_MISSION_SKILLS = Mission.skills.through._meta.db_table


def _text_query(column: str) -> str:
    """engagement.missions.text_search.search_query over a column: the words in French or
    English, websearch syntax, accents ignored."""
    cleaned = f"COALESCE({Unaccent.function}({column}), '')"
    return " || ".join(
        f"websearch_to_tsquery('{config}'::regconfig, {cleaned})" for config in SEARCH_CONFIGS
    )


# Each condition is the search's own (engagement.missions.search._search_candidates and
# _slot_match), written over the saved search's columns instead of parameters; a filter the search
# does not have is NULL, and its condition is then true. What depends on the search alone (cause and
# skill ids, the parsed words) is computed once per search in `searches`, and what depends on the
# mission alone (published, joinable, in the window) once per mission in `fresh`; the join then
# tests pairs, PostgreSQL evaluating the cheap in-row conditions before ST_DWithin and the slot
# probe. Only constant identifiers are formatted in; values are %(name)s parameters.
_NEW_MATCHES_CTE = f"""
WITH searches AS MATERIALIZED (
  SELECT ss.id, ss.last_checked_at, ss.location, ss.radius_km * 1000.0 AS radius_m,
         CASE WHEN cardinality(ss.causes) > 0 THEN
           ARRAY(SELECT c.id FROM {_CAUSE} c WHERE c.slug = ANY(ss.causes)) END AS cause_ids,
         CASE WHEN cardinality(ss.skills) > 0 THEN
           ARRAY(SELECT k.id FROM {_SKILL} k WHERE k.slug = ANY(ss.skills)) END AS skill_ids,
         CASE WHEN ss.query <> '' THEN {_text_query("ss.query")} END AS words,
         ss.availability_mask, ss.remote, ss.step_free, ss.open_to_minors, ss.beginner_friendly
  FROM {_SAVED} ss
  WHERE ss.id = ANY(%(saved_search_ids)s)
),
fresh AS MATERIALIZED (
  SELECT m.id, m.published_at, m.created_at, m.location, m.cause_ids, m.search_vector, m.is_remote,
         m.is_step_free, m.is_open_to_minors, m.is_beginner_friendly
  FROM {_MISSION} m
  WHERE m.status = %(published)s
    AND m.published_at > (SELECT min(last_checked_at) FROM searches)
    AND m.published_at <= %(cutoff)s
    AND (m.has_open_ongoing_slot OR m.last_open_slot_start > %(now)s)
)
"""  # noqa: S608 - constant identifiers only

# The pairs (search, mission): missions of the search's window it finds, except those an
# earlier alert of the search holds. Only a mission created before the search's last check can
# be in an earlier alert (it had to be published before that check), so the probe of earlier
# alerts is made for those only.
_NEW_MATCHES_FROM = f"""
FROM searches s
JOIN fresh m ON m.published_at > s.last_checked_at
WHERE (s.remote IS NULL OR m.is_remote = s.remote)
  AND (s.step_free IS NULL OR m.is_step_free = s.step_free)
  AND (s.open_to_minors IS NULL OR m.is_open_to_minors = s.open_to_minors)
  AND (s.beginner_friendly IS NULL OR m.is_beginner_friendly = s.beginner_friendly)
  AND (s.cause_ids IS NULL OR m.cause_ids && s.cause_ids)
  AND (s.words IS NULL OR m.search_vector @@ s.words)
  AND (s.radius_m IS NULL OR ST_DWithin(m.location, s.location, s.radius_m))
  AND (s.skill_ids IS NULL
       OR EXISTS (SELECT 1 FROM {_MISSION_SKILLS} link
                  WHERE link.mission_id = m.id AND link.skill_id = ANY(s.skill_ids)))
  AND (s.availability_mask IS NULL
       OR EXISTS (SELECT 1 FROM {_SLOT} slot
                  WHERE slot.mission_id = m.id AND slot.status = %(open)s
                    AND (slot.starts_at IS NULL OR slot.starts_at > %(now)s)
                    AND (slot.starts_at IS NULL
                         OR (s.availability_mask >> slot.time_bit) & 1 = 1)))
  AND (m.created_at > s.last_checked_at
       OR NOT EXISTS (SELECT 1 FROM {_ALERT} a
                      WHERE a.saved_search_id = s.id AND a.mission_ids @> ARRAY[m.id]))
"""  # noqa: S608 - constant identifiers only

NEW_MATCHES_SQL = _NEW_MATCHES_CTE + "SELECT s.id, m.id" + _NEW_MATCHES_FROM

# The same, written as one alert per search with news (newest missions first).
RECORD_ALERTS_SQL = (
    _NEW_MATCHES_CTE
    + f"INSERT INTO {_ALERT} (saved_search_id, mission_ids, found_at, sent_at) "
    + "SELECT s.id, array_agg(m.id ORDER BY m.published_at DESC, m.id DESC), %(found_at)s, NULL"
    + _NEW_MATCHES_FROM
    + "GROUP BY s.id RETURNING saved_search_id, cardinality(mission_ids)"
)


def saved_search_new_matches(
    *, saved_search_ids: list[int], cutoff: datetime, now: datetime
) -> list[tuple[int, int]]:
    """(saved search id, mission id) for every mission published after the search's last check
    and at or before `cutoff` that the search finds at `now`: what mission_search finds with
    the search's filters (saved_search_filters), for many searches in one statement.

    PostgreSQL reads the missions of the window through the (status, published_at) index once
    and tests each against the searches, the cheap in-row conditions first; a run is a few
    statements whatever the number of searches (bench/alerts.py, docs/benchmarks.md).
    tests/engagement/alerts/test_selectors.py checks it against mission_search.
    """
    if not saved_search_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            NEW_MATCHES_SQL,
            {
                "saved_search_ids": saved_search_ids,
                "cutoff": cutoff,
                "now": now,
                "published": Mission.Status.PUBLISHED.value,
                "open": Slot.Status.OPEN.value,
            },
        )
        return [(row[0], row[1]) for row in cursor.fetchall()]

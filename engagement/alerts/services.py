"""Writes of saved searches, and the alert runs.

An alert run (once a day per tenant, at SAVED_SEARCH_ALERTS_LOCAL_HOUR in the tenant's time
zone: engagement/alerts/tasks.py) has two steps:

1. Evaluation (`saved_search_alerts_evaluate`): for every due search, the missions that are new
   for it. "New" is exact: `last_checked_at < published_at <= cutoff`, matching the search's
   filters at the time of the run, and not announced before (an earlier SavedSearchAlert).
   The cut-off is the run's start minus SETTLE, so a mission whose publishing transaction
   commits a little after its `published_at` is still seen by the next run; `last_checked_at`
   then moves to the cut-off. The matching goes the other way round from the search page: the
   few missions published since the oldest check are read once, and one statement tells, for
   thousands of searches at a time, which of them each search finds
   (engagement.alerts.selectors.saved_search_new_matches: the search's own conditions over
   the saved columns, checked against mission_search by the tests). One query per search
   through the ORM costs more to build than to run — tens of milliseconds each, minutes for
   10,000 searches (bench/alerts.py, docs/benchmarks.md). No lock is taken on missions or
   slots.
2. Sending (`saved_search_alert_send`): one e-mail per search with new matches, sent by tasks in
   batches (ALERT_SEND_BATCH searches each) so that workers share the rendering. A search with
   nothing new gets nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from accounts.models import User
from engagement.alerts.models import SavedSearch, SavedSearchAlert
from engagement.alerts.selectors import (
    RECORD_ALERTS_SQL,
    alert_missions,
    saved_search_unsent_alerts,
    saved_searches_due,
)
from engagement.emails.delivery import EmailCategory, deliver_email
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.links import MISSION_PATH, language_for
from engagement.missions.models import Mission, Slot
from engagement.missions.search import MissionSearchFilters
from engagement.taxonomy.models import Cause, Skill
from engagement.volunteers.models import VolunteerProfile
from tenants.audit.services import audit_record
from tenants.context import current_tenant, tenant_context
from tenants.models import Tenant
from tenants.outbox.services import outbox_enqueue

logger = logging.getLogger(__name__)

# Each person keeps at most this many saved searches (an alert each).
MAX_SAVED_SEARCHES_PER_USER = 20
# Missions published this close to a run are left to the next one (see the module docstring).
SETTLE = timedelta(minutes=10)
# Searches per sending task.
ALERT_SEND_BATCH = 200
# Missions listed in one alert; the e-mail links to the rest.
ALERT_MISSIONS_SHOWN = 10
# Saved searches evaluated per statement.
EVALUATION_BATCH = 2000

UNSUBSCRIBE_PATH = "/alertes/desabonnement/{token}/"
SAVED_SEARCHES_PATH = "/alertes/"
SAVED_SEARCH_RESULTS_PATH = "/alertes/{saved_search_id}/"


# --- Saved searches -----------------------------------------------------------------------------


def _checked_taxonomy(filters: MissionSearchFilters) -> None:
    """Unknown causes or skills are an error here (the search would just find nothing)."""
    errors: dict[str, list[str]] = {}
    if filters.causes:
        known = set(Cause.objects.filter(slug__in=filters.causes).values_list("slug", flat=True))
        unknown = [slug for slug in filters.causes if slug not in known]
        if unknown:
            errors["cause"] = [_("Unknown cause: %(slugs)s.") % {"slugs": ", ".join(unknown)}]
    if filters.skills:
        known = set(Skill.objects.filter(slug__in=filters.skills).values_list("slug", flat=True))
        unknown = [slug for slug in filters.skills if slug not in known]
        if unknown:
            errors["skill"] = [_("Unknown skill: %(slugs)s.") % {"slugs": ", ".join(unknown)}]
    if errors:
        code = (
            EngagementErrorCode.UNKNOWN_CAUSE
            if "cause" in errors
            else EngagementErrorCode.UNKNOWN_SKILL
        )
        raise EngagementError(_("Some filters are unknown."), code=code, fields=errors)


def _availability(filters: MissionSearchFilters, user: User) -> int | None:
    """The weekly mask to keep: "my availability" is read from the profile now (a saved search
    keeps the grid it was saved with)."""
    if not filters.availability_mine:
        return filters.availability
    mask = (
        VolunteerProfile.objects.filter(user_id=user.pk)
        .values_list("availability_mask", flat=True)
        .first()
    )
    return mask or None


def _apply_filters(
    saved_search: SavedSearch, filters: MissionSearchFilters, *, user: User, place_label: str
) -> None:
    if filters.radius_km is not None and not filters.has_point:
        raise EngagementError(
            _("A radius needs a place."),
            code=EngagementErrorCode.INVALID,
            fields={"radius_km": [_("A radius needs a place.")]},
        )
    _checked_taxonomy(filters)
    point = filters.point
    saved_search.location = Point(*point, srid=4326) if point is not None else None
    saved_search.place_label = place_label.strip()[:160] if point is not None else ""
    saved_search.radius_km = filters.radius_km
    saved_search.causes = list(dict.fromkeys(filters.causes))
    saved_search.skills = list(dict.fromkeys(filters.skills))
    saved_search.availability_mask = _availability(filters, user)
    saved_search.query = " ".join(filters.q.split())
    saved_search.remote = filters.remote
    saved_search.step_free = filters.step_free
    saved_search.open_to_minors = filters.open_to_minors
    saved_search.beginner_friendly = filters.beginner_friendly


def _full_clean(saved_search: SavedSearch) -> None:
    try:
        saved_search.full_clean(exclude=["user", "unsubscribe_token"])
    except ValidationError as error:
        raise EngagementError(
            _("Some values are not valid."),
            code=EngagementErrorCode.INVALID,
            fields={
                name: [str(message) for message in messages]
                for name, messages in error.message_dict.items()
            },
        ) from None


def saved_search_create(
    *,
    user: User,
    name: str,
    frequency: str,
    filters: MissionSearchFilters,
    place_label: str = "",
) -> SavedSearch:
    """Save a search for `user`; its alerts announce missions published from now on."""
    with transaction.atomic():
        # Serialises two saves of the same person, so the limit holds.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if SavedSearch.objects.filter(user_id=user.pk).count() >= MAX_SAVED_SEARCHES_PER_USER:
            message = _("You can keep at most %(max)d saved searches: delete one first.") % {
                "max": MAX_SAVED_SEARCHES_PER_USER
            }
            raise EngagementError(
                message,
                code=EngagementErrorCode.SAVED_SEARCH_LIMIT_REACHED,
                fields={"non_field_errors": [message]},
            )
        saved_search = SavedSearch(
            user=user,
            name=" ".join(name.split()),
            frequency=frequency,
            last_checked_at=timezone.now(),
        )
        _apply_filters(saved_search, filters, user=user, place_label=place_label)
        _full_clean(saved_search)
        saved_search.save()
        audit_record(
            actor=user,
            action="saved_search.created",
            target=saved_search,
            data={"frequency": saved_search.frequency},
        )
    logger.info("saved_search.created", extra={"saved_search_id": saved_search.pk})
    return saved_search


def saved_search_update(
    *,
    saved_search: SavedSearch,
    actor: User,
    name: str | None = None,
    frequency: str | None = None,
    is_active: bool | None = None,
    filters: MissionSearchFilters | None = None,
    place_label: str | None = None,
) -> SavedSearch:
    """Change what is given. Turning alerts back on starts from now: what was published while
    they were paused is not sent all at once."""
    with transaction.atomic():
        locked = SavedSearch.objects.select_for_update().get(pk=saved_search.pk)
        if name is not None:
            locked.name = " ".join(name.split())
        if frequency is not None:
            locked.frequency = frequency
        if is_active is not None:
            if is_active and not locked.is_active:
                locked.last_checked_at = timezone.now()
            locked.is_active = is_active
        if filters is not None:
            label = place_label if place_label is not None else locked.place_label
            _apply_filters(locked, filters, user=actor, place_label=label)
        elif place_label is not None and locked.location is not None:
            locked.place_label = place_label.strip()[:160]
        _full_clean(locked)
        locked.save()
        audit_record(
            actor=actor,
            action="saved_search.updated",
            target=locked,
            data={"frequency": locked.frequency, "is_active": locked.is_active},
        )
    return locked


def saved_search_delete(*, saved_search: SavedSearch, actor: User) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action="saved_search.deleted", target=saved_search)
        saved_search.delete()


def saved_search_unsubscribe(*, saved_search: SavedSearch) -> bool:
    """Stop the alerts of this search (the one-click link of its e-mails); True if they were
    on. Idempotent: a second click changes nothing."""
    with transaction.atomic():
        changed = SavedSearch.objects.filter(pk=saved_search.pk, is_active=True).update(
            is_active=False, updated_at=timezone.now()
        )
        if changed:
            audit_record(actor=None, action="saved_search.unsubscribed", target=saved_search)
    saved_search.is_active = False
    return bool(changed)


# --- Alert runs: evaluation ---------------------------------------------------------------------


@dataclass(frozen=True)
class AlertsEvaluation:
    cutoff: datetime
    searches: int
    matches: int
    # Searches with missions not announced yet, for the sending step.
    to_send: list[int]


def _jit_off() -> None:
    """The matching statement is a nested loop of cheap tests: PostgreSQL's JIT compiles it for
    seconds (measured: 4.5 s of 8.9 s for 500 searches) to gain nothing. For this transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")


def saved_search_alerts_evaluate(*, now: datetime | None = None) -> AlertsEvaluation:
    """Find the new missions of every due saved search (module docstring) and move the
    searches' last check to the cut-off. Safe to run twice: a mission is recorded once per
    search, and a search checked by this run is not due again before its interval."""
    moment = now or timezone.now()
    cutoff = moment - SETTLE
    # Oldest check first: a batch then holds searches with close windows, so the missions it
    # reads are about those its searches need (daily ones a day's, weekly ones a week's).
    due_ids = list(
        saved_searches_due(cutoff=cutoff)
        .order_by("last_checked_at", "id")
        .values_list("pk", flat=True)
    )
    matches = 0
    with transaction.atomic():
        _jit_off()
        for start in range(0, len(due_ids), EVALUATION_BATCH):
            batch = due_ids[start : start + EVALUATION_BATCH]
            recorded = _alerts_record(saved_search_ids=batch, cutoff=cutoff, now=moment)
            matches += sum(found for _saved_search_id, found in recorded)
            SavedSearch.objects.filter(pk__in=batch, last_checked_at__lt=cutoff).update(
                last_checked_at=cutoff
            )
    # This run's alerts, and any an earlier run could not send.
    to_send = list(
        SavedSearchAlert.objects.filter(saved_search_id__in=due_ids, sent_at__isnull=True)
        .values_list("saved_search_id", flat=True)
        .distinct()
        .order_by("saved_search_id")
    )
    logger.info("saved_search.evaluated", extra={"searches": len(due_ids), "matches": matches})
    return AlertsEvaluation(cutoff=cutoff, searches=len(due_ids), matches=matches, to_send=to_send)


def _alerts_record(
    *, saved_search_ids: list[int], cutoff: datetime, now: datetime
) -> list[tuple[int, int]]:
    """One SavedSearchAlert per search with new missions, written by the matching statement
    itself (the pairs never leave the database): (saved search id, missions found) each."""
    with connection.cursor() as cursor:
        cursor.execute(
            RECORD_ALERTS_SQL,
            {
                "saved_search_ids": saved_search_ids,
                "cutoff": cutoff,
                "now": now,
                "found_at": now,
                "published": Mission.Status.PUBLISHED.value,
                "open": Slot.Status.OPEN.value,
            },
        )
        return [(row[0], row[1]) for row in cursor.fetchall()]


def saved_search_alerts_run(*, now: datetime | None = None) -> AlertsEvaluation:
    """Evaluate the due searches of this tenant, then schedule their e-mails in batches."""
    evaluation = saved_search_alerts_evaluate(now=now)
    with transaction.atomic():
        for start in range(0, len(evaluation.to_send), ALERT_SEND_BATCH):
            outbox_enqueue(
                "engagement.saved_search_alerts_send",
                evaluation.to_send[start : start + ALERT_SEND_BATCH],
            )
    return evaluation


# --- Alert runs: sending ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Links:
    """Absolute links on the tenant's origin (engagement.links.page_url, its origin read once)."""

    origin: str

    def url(self, name: str, fallback: str, **kwargs: object) -> str:
        try:
            path = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            path = fallback.format(**kwargs)
        return f"{self.origin}{path}"

    def unsubscribe(self, saved_search: SavedSearch) -> str:
        return self.url(
            "saved-search-unsubscribe", UNSUBSCRIBE_PATH, token=saved_search.unsubscribe_token
        )


def unsubscribe_headers(links: _Links, saved_search: SavedSearch) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe with the one-click POST of RFC 8058: mail providers POST
    `List-Unsubscribe=One-Click` to the HTTPS link. The mailto names the search's token for the
    mailbox ALERTS_UNSUBSCRIBE_MAILBOX (DEFAULT_FROM_EMAIL's by default), for clients that only
    write; reading that mailbox is the operator's part."""
    _name, mailbox = parseaddr(settings.DEFAULT_FROM_EMAIL)
    mailbox = settings.ALERTS_UNSUBSCRIBE_MAILBOX or mailbox
    mailto = f"mailto:{mailbox}?subject=unsubscribe%20{saved_search.unsubscribe_token}"
    return {
        "List-Unsubscribe": f"<{links.unsubscribe(saved_search)}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def saved_search_alert_send(*, saved_search_id: int, now: datetime | None = None) -> bool:
    """E-mail the missions found new for this search and not announced yet; True if sent.

    The search's row is locked while it sends, so two tasks never announce the same missions;
    the alerts are marked sent even when the person's preferences turn alerts off (they are
    not kept for later). Missions unpublished since they were found are left out, and an alert
    with nothing left is not sent.
    """
    sent_at = now or timezone.now()
    with transaction.atomic():
        saved_search = (
            SavedSearch.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=saved_search_id, is_active=True)
            .first()
        )
        if saved_search is None:
            return False
        unsent = list(saved_search_unsent_alerts(saved_search=saved_search))
        if not unsent:
            return False
        SavedSearchAlert.objects.filter(pk__in=[alert.pk for alert in unsent]).update(
            sent_at=sent_at
        )
        mission_ids = list(dict.fromkeys(pk for alert in unsent for pk in alert.mission_ids))
        missions, count = alert_missions(mission_ids=mission_ids, limit=ALERT_MISSIONS_SHOWN)
        if not missions or not saved_search.user.is_active:
            return False
        tenant = current_tenant()
        user = saved_search.user
        # The tenant's origin is read once (a domain lookup) for the dozen links of the e-mail.
        links = _Links(tenant.base_url)
        delivered = deliver_email(
            key=f"saved-search:{saved_search.pk}:alert:{unsent[0].pk}",
            tenant=tenant,
            template="saved_search_alert",
            recipient=user,
            language=language_for(tenant, user),
            context={
                "saved_search": saved_search,
                "missions": [
                    {
                        "mission": mission,
                        "url": links.url("mission-detail", MISSION_PATH, mission_id=mission.pk),
                    }
                    for mission in missions
                ],
                "count": count,
                "more": max(count - len(missions), 0),
                "results_url": links.url(
                    "saved-search-results",
                    SAVED_SEARCH_RESULTS_PATH,
                    saved_search_id=saved_search.pk,
                ),
                "manage_url": links.url("saved-searches", SAVED_SEARCHES_PATH),
                "unsubscribe_url": links.unsubscribe(saved_search),
            },
            category=EmailCategory.ALERTS,
            # This search's own one-click unsubscribe, not the whole "alerts" category's.
            unsubscribe=links.unsubscribe(saved_search),
            headers=unsubscribe_headers(links, saved_search),
        )
        if delivered:
            SavedSearch.objects.filter(pk=saved_search.pk).update(last_sent_at=sent_at)
    return delivered


def saved_search_alerts_send(*, saved_search_ids: Iterable[int]) -> int:
    """saved_search_alert_send for each search; the number of e-mails sent."""
    return sum(
        saved_search_alert_send(saved_search_id=saved_search_id)
        for saved_search_id in saved_search_ids
    )


# --- Alert runs: every tenant at its local hour -------------------------------------------------


def _local_hour(tenant: Tenant, now: datetime) -> int:
    try:
        zone = ZoneInfo(tenant.timezone)
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).hour


def saved_search_alerts_schedule_everywhere(*, now: datetime | None = None) -> int:
    """The hourly beat task: in each active tenant where it is now SAVED_SEARCH_ALERTS_LOCAL_HOUR
    o'clock, schedule that tenant's alert run; returns the tenants scheduled. A tenant that
    fails is logged and skipped."""
    moment = now or timezone.now()
    hour = int(settings.SAVED_SEARCH_ALERTS_LOCAL_HOUR)
    scheduled = 0
    tenants = (
        Tenant.objects.exclude(schema_name=get_public_schema_name())
        .filter(status=Tenant.Status.ACTIVE)
        .order_by("pk")
    )
    for tenant in tenants:
        if _local_hour(tenant, moment) != hour:
            continue
        try:
            with tenant_context(tenant), transaction.atomic():
                outbox_enqueue("engagement.saved_search_alerts_run")
            scheduled += 1
        except DatabaseError:
            logger.exception("saved_search.schedule_failed", extra={"schema": tenant.schema_name})
    return scheduled

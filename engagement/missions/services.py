"""Missions: creation, edits, the moderation lifecycle, closing and cancelling; their slots.

Lifecycle: draft → (submit) → in_review → (publish) → published → closed | cancelled; a moderator
may send a mission in review back to draft with a note (reject). When the tenant does not moderate
(`Tenant.moderation_enabled` off) submitting publishes directly. A mission is published only if
its organization is verified. Only the organization's admins and editors create, edit and submit
its missions; moderators (and tenant admins) publish, reject, close and cancel any mission.

Slots are the dates of a mission (or an ongoing, undated period) and their seats. Only the
mission's organization admins and editors add, move, resize or cancel slots, and not once the
mission is closed or cancelled. A dated slot starts in the future and lasts at most
SLOT_MAX_DURATION; its `time_bit` (weekday × period in the tenant's time zone) is kept in step
with its start. Capacity never drops below the confirmed participations; raising it promotes the
waiting list. Cancelling a slot cancels its active participations and tells the volunteers.

Every change of a slot that its participants must see in their calendar (its dates, the
mission's place, its cancellation) raises `Slot.sequence` under the locks of the change; moved
dates and a new place are told to the participants (engagement.calendars.services), a
cancellation by the cancellation e-mail itself. Other edits (texts, seats) change no version.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import Enum
from typing import Final, TypedDict, Unpack

from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import user_is_moderator
from engagement.access import require_moderator
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.limits import SLOT_HORIZON
from engagement.missions.geo import CAUSE_CELL_KEY_SQL
from engagement.missions.models import SLOT_MISSION_COPIES, SLOT_MISSION_FLAGS, Mission, Slot
from engagement.missions.text_search import mission_search_vector_refresh
from engagement.notifications import (
    Event,
    SlotChange,
    notify_mission_moderation,
    notify_slot_changed,
)
from engagement.organizations.access import require_organization_role, user_has_organization_role
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.participations.services import (
    lock_slot,
    participations_cancel_for_slot,
    promote_first_waitlisted,
)
from engagement.taxonomy.services import taxonomy_resolve
from engagement.validation import checked_point, clean_texts, copy_fields, validated
from tenants.audit.services import audit_record
from tenants.context import current_tenant

logger = logging.getLogger("engagement.services")

MISSION_HTML_FIELDS = {"description": 10_000}
MISSION_TEXT_FIELDS = {
    "title": 160,
    "summary": 300,
    "address": 255,
    "postcode": 16,
    "city": 120,
}


class MissionChanges(TypedDict, total=False):
    """What mission_update may change; a field left out stays as it is."""

    title: str
    summary: str
    description: str
    cause_ids: Iterable[int]
    skill_ids: Iterable[int]
    location: Point | None
    address: str
    postcode: str
    city: str
    is_remote: bool
    is_step_free: bool
    is_open_to_minors: bool
    is_beginner_friendly: bool
    requires_approval: bool


MISSION_FIELDS = MissionChanges.__optional_keys__
SEARCHABLE_FIELDS = frozenset({"title", "summary", "description", "city", "postcode"})
EDITABLE_STATUSES = (Mission.Status.DRAFT, Mission.Status.IN_REVIEW, Mission.Status.PUBLISHED)

NOTE_MAX_LENGTH = 500


def _invalid(code: EngagementErrorCode, field: str, message: str) -> EngagementError:
    return EngagementError(message, code=code, fields={field: [message]})


def _place(mission: Mission) -> None:
    """A mission is remote (and has no point) or located at a point."""
    if mission.is_remote:
        mission.location = None
    elif mission.location is None:
        raise _invalid(
            EngagementErrorCode.LOCATION_REQUIRED,
            "location",
            _("Place the mission on the map, or mark it as remote."),
        )


def _require_not_rejected(organization: Organization) -> None:
    if organization.verification_status == Organization.Verification.REJECTED:
        raise EngagementError(
            _("This organization was not approved by the moderators."),
            code=EngagementErrorCode.ORGANIZATION_NOT_VERIFIED,
        )


def _require_verified(organization: Organization) -> None:
    if not organization.is_verified:
        raise EngagementError(
            _("The organization must be verified before its missions are published."),
            code=EngagementErrorCode.ORGANIZATION_NOT_VERIFIED,
        )


def _require_joinable(mission: Mission, *, now: datetime) -> None:
    """A mission goes out with something to join: an open date not started yet, or an open
    ongoing slot. Read from the locked row's search columns, which every slot write rewrites
    under the same lock (mission_search_columns_refresh)."""
    upcoming = mission.last_open_slot_start is not None and mission.last_open_slot_start > now
    if not (mission.has_open_ongoing_slot or upcoming):
        raise EngagementError(
            _("Add at least one upcoming date, or an ongoing slot, before submitting the mission."),
            code=EngagementErrorCode.MISSION_WITHOUT_DATES,
        )


def _transition_error(mission: Mission) -> EngagementError:
    return EngagementError(
        _("This is not possible while the mission is “%(status)s”.")
        % {"status": mission.get_status_display()},
        code=EngagementErrorCode.INVALID_TRANSITION,
    )


def lock_mission(mission_id: int) -> Mission:
    return (
        Mission.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=mission_id)
    )


# A mission's fields that make its place: changing one is a change its participants see.
PLACE_FIELDS = frozenset({"location", "address", "postcode", "city", "is_remote"})


def _slot_changed(slot: Slot, *, now: datetime) -> None:
    """A new version of the slot's events (iCalendar SEQUENCE), under the caller's locks; the
    caller saves `sequence` and `changed_at`."""
    slot.sequence += 1
    slot.changed_at = now


def _slots_with_participants(slot_ids: Iterable[int]) -> set[int]:
    return set(
        Participation.objects.filter(
            slot_id__in=list(slot_ids), status__in=Participation.ACTIVE_STATUSES
        ).values_list("slot_id", flat=True)
    )


def _place_changed(mission: Mission, *, now: datetime) -> None:
    """The mission (locked) moved: a new version of each of its open dates to come, and a
    notice to their participants."""
    upcoming = list(
        Slot.objects.select_for_update(of=("self",))
        .filter(mission_id=mission.pk, status=Slot.Status.OPEN, starts_at__gt=now)
        .order_by("id")
    )
    for slot in upcoming:
        _slot_changed(slot, now=now)
        slot.save(update_fields=["sequence", "changed_at"])
    with_participants = _slots_with_participants(slot.pk for slot in upcoming)
    for slot in upcoming:
        if slot.pk in with_participants:
            notify_slot_changed(slot, SlotChange.PLACE)


# One statement for the search columns of Mission (cause_ids, skill_ids, cause_cells,
# last_open_slot_start, has_open_ongoing_slot, and the table's open_slot_periods), recomputed
# from the rows; the migrations that added them run the same (0009 three of them, 0029
# cause_cells, 0031 open_slot_periods, 0034 skill_ids).
_MISSION_CAUSE_CELL_SQL = CAUSE_CELL_KEY_SQL.format(cause="link.cause_id", location="m.location")
SEARCH_COLUMNS_REFRESH_SQL = f"""
UPDATE engagement_mission AS m SET
    cause_ids = ARRAY(
        SELECT link.cause_id FROM engagement_mission_causes AS link
        WHERE link.mission_id = m.id ORDER BY link.cause_id
    ),
    skill_ids = ARRAY(
        SELECT link.skill_id FROM engagement_mission_skills AS link
        WHERE link.mission_id = m.id ORDER BY link.skill_id
    ),
    cause_cells = ARRAY(
        SELECT {_MISSION_CAUSE_CELL_SQL} FROM engagement_mission_causes AS link
        WHERE link.mission_id = m.id AND m.location IS NOT NULL ORDER BY link.cause_id
    ),
    last_open_slot_start = (
        SELECT max(s.starts_at) FROM engagement_slot AS s
        WHERE s.mission_id = m.id AND s.status = 'open'
    ),
    has_open_ongoing_slot = EXISTS (
        SELECT 1 FROM engagement_slot AS s
        WHERE s.mission_id = m.id AND s.status = 'open' AND s.starts_at IS NULL
    ),
    open_slot_periods = COALESCE((
        SELECT range_agg(tstzrange(s.starts_at, s.ends_at)) FROM engagement_slot AS s
        WHERE s.mission_id = m.id AND s.status = 'open' AND s.ends_at > now()
    ), '{{}}')
"""  # noqa: S608 - constant SQL


# The slots' copies of their mission's columns (SLOT_MISSION_COPIES: causes, skills, flags),
# after the mission's are rewritten; only the slots whose copies changed are written.
SLOT_SEARCH_COLUMNS_REFRESH_SQL = """
UPDATE engagement_slot AS s SET {assignments}
FROM engagement_mission AS m
WHERE s.mission_id = m.id
AND ({slot_columns}) IS DISTINCT FROM ({mission_columns})
""".format(
    assignments=", ".join(f"{column} = m.{column}" for column in SLOT_MISSION_COPIES),
    slot_columns=", ".join(f"s.{column}" for column in SLOT_MISSION_COPIES),
    mission_columns=", ".join(f"m.{column}" for column in SLOT_MISSION_COPIES),
)


def mission_search_columns_refresh(*, mission_ids: Iterable[int]) -> None:
    """Rewrite the search columns of these missions from their causes, skills and slots, then
    their slots' copies of the causes, skills and flags (SLOT_MISSION_COPIES).

    Called in the transaction of every write to a mission's causes, skills, place (cause_cells)
    or flags or to its slots' status or dates (mission_create, mission_update, slot_create,
    slot_update, slot_cancel, mission_cancel), after the mission row is locked, so the values
    are exact at commit.
    """
    ids = sorted(set(mission_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_COLUMNS_REFRESH_SQL + " WHERE m.id = ANY(%s)", [ids])
        cursor.execute(SLOT_SEARCH_COLUMNS_REFRESH_SQL + " AND m.id = ANY(%s)", [ids])


def _apply_taxonomy(
    mission: Mission,
    *,
    cause_ids: Iterable[int] | None,
    skill_ids: Iterable[int] | None,
    keep_retired: bool = False,
) -> None:
    """Set the mission's causes and skills. With `keep_retired` (an edit), a retired cause or
    skill the mission already has may stay; a new mission gets active ones only."""
    kept_causes: Iterable[int] = ()
    kept_skills: Iterable[int] = ()
    if keep_retired:
        if cause_ids is not None:
            kept_causes = list(mission.causes.values_list("pk", flat=True))
        if skill_ids is not None:
            kept_skills = list(mission.skills.values_list("pk", flat=True))
    causes, skills = taxonomy_resolve(
        cause_ids=cause_ids,
        skill_ids=skill_ids,
        kept_cause_ids=kept_causes,
        kept_skill_ids=kept_skills,
    )
    if causes is not None:
        mission.causes.set(causes)
    if skills is not None:
        mission.skills.set(skills)


def mission_create(
    *,
    organization: Organization,
    actor: User,
    title: str,
    summary: str = "",
    description: str = "",
    cause_ids: Iterable[int] = (),
    skill_ids: Iterable[int] = (),
    location: Point | None = None,
    address: str = "",
    postcode: str = "",
    city: str = "",
    is_remote: bool = False,
    is_step_free: bool = False,
    is_open_to_minors: bool = False,
    is_beginner_friendly: bool = True,
    requires_approval: bool = False,
) -> Mission:
    """A draft mission of the organization; texts sanitized, searchable at once."""
    require_organization_role(actor, organization)
    _require_not_rejected(organization)
    texts = clean_texts(
        {
            "title": title,
            "summary": summary,
            "description": description,
            "address": address,
            "postcode": postcode,
            "city": city,
        },
        html_fields=MISSION_HTML_FIELDS,
        text_fields=MISSION_TEXT_FIELDS,
    )
    mission = Mission(
        organization=organization,
        location=checked_point(location),
        is_remote=bool(is_remote),
        is_step_free=bool(is_step_free),
        is_open_to_minors=bool(is_open_to_minors),
        is_beginner_friendly=bool(is_beginner_friendly),
        requires_approval=bool(requires_approval),
        status=Mission.Status.DRAFT,
        created_by=actor,
        **texts,
    )
    _place(mission)
    validated(mission, exclude=["search_vector"])
    with transaction.atomic():
        mission.save()
        _apply_taxonomy(mission, cause_ids=list(cause_ids), skill_ids=list(skill_ids))
        mission_search_vector_refresh(mission_ids=[mission.pk])
        mission_search_columns_refresh(mission_ids=[mission.pk])
        audit_record(
            actor=actor,
            action="mission.created",
            target=mission,
            data={"organization_id": organization.pk},
        )
    logger.info("mission.created", extra={"mission_id": mission.pk})
    return mission


def mission_update(*, mission: Mission, actor: User, **fields: Unpack[MissionChanges]) -> Mission:
    """Change a mission's texts, themes, place or options (not once closed or cancelled).

    A published mission stays published after an edit; every edit is in the audit trail.
    """
    unknown = set(fields) - MISSION_FIELDS
    if unknown:
        raise TypeError(f"mission_update() got unexpected fields: {sorted(unknown)}")
    require_organization_role(actor, mission.organization)
    texts = clean_texts(fields, html_fields=MISSION_HTML_FIELDS, text_fields=MISSION_TEXT_FIELDS)
    if "location" in texts:
        texts["location"] = checked_point(texts["location"])
    cause_ids = texts.pop("cause_ids", None)
    skill_ids = texts.pop("skill_ids", None)
    with transaction.atomic():
        locked = lock_mission(mission.pk)
        if locked.status not in EDITABLE_STATUSES:
            raise EngagementError(
                _("A closed or cancelled mission cannot be edited."),
                code=EngagementErrorCode.MISSION_NOT_EDITABLE,
            )
        changed = sorted(name for name, value in texts.items() if getattr(locked, name) != value)
        for name, value in texts.items():
            setattr(locked, name, value)
        _place(locked)
        validated(locked, exclude=["search_vector"])
        locked.save()
        _apply_taxonomy(
            locked,
            cause_ids=list(cause_ids) if cause_ids is not None else None,
            skill_ids=list(skill_ids) if skill_ids is not None else None,
            keep_retired=True,
        )
        if cause_ids is not None:
            changed.append("causes")
        if (
            cause_ids is not None
            or skill_ids is not None
            or {"location", *SLOT_MISSION_FLAGS} & set(changed)
        ):
            # The causes' and skills' ids follow them, the causes' cells the causes and the
            # point (an address alone moves none), the slots' copies the causes, skills and
            # flags.
            mission_search_columns_refresh(mission_ids=[locked.pk])
        if skill_ids is not None:
            changed.append("skills")
        if SEARCHABLE_FIELDS & set(texts):
            mission_search_vector_refresh(mission_ids=[locked.pk])
        if PLACE_FIELDS & set(changed):
            _place_changed(locked, now=timezone.now())
        audit_record(actor=actor, action="mission.updated", target=locked, data={"fields": changed})
    locked.refresh_from_db(fields=["search_vector"])
    copy_fields(mission, locked)
    logger.info("mission.updated", extra={"mission_id": locked.pk})
    return locked


def _publish(mission: Mission, *, now: datetime) -> None:
    _require_verified(mission.organization)
    mission.status = Mission.Status.PUBLISHED
    mission.published_at = now
    mission.moderation_note = ""


def mission_submit(*, mission: Mission, actor: User) -> Mission:
    """Send a draft to the moderators, or publish it when the tenant does not moderate. It
    needs a date one can still join (or an ongoing slot)."""
    require_organization_role(actor, mission.organization)
    moderated = bool(current_tenant().moderation_enabled)
    now = timezone.now()
    with transaction.atomic():
        locked = lock_mission(mission.pk)
        if locked.status != Mission.Status.DRAFT:
            raise _transition_error(locked)
        _require_not_rejected(locked.organization)
        _require_joinable(locked, now=now)
        if moderated:
            locked.status = Mission.Status.IN_REVIEW
        else:
            _publish(locked, now=now)
        locked.save(update_fields=["status", "published_at", "moderation_note", "updated_at"])
        audit_record(
            actor=actor,
            action="mission.submitted" if moderated else "mission.published",
            target=locked,
            data={"status": locked.status},
        )
    copy_fields(mission, locked)
    logger.info("mission.submitted", extra={"mission_id": locked.pk, "status": locked.status})
    return locked


def mission_publish(*, mission: Mission, actor: User) -> Mission:
    """A moderator approves a mission in review."""
    require_moderator(actor)
    now = timezone.now()
    with transaction.atomic():
        locked = lock_mission(mission.pk)
        if locked.status != Mission.Status.IN_REVIEW:
            raise _transition_error(locked)
        _publish(locked, now=now)
        locked.save(update_fields=["status", "published_at", "moderation_note", "updated_at"])
        audit_record(actor=actor, action="mission.published", target=locked)
        notify_mission_moderation(locked, Event.MISSION_PUBLISHED)
    copy_fields(mission, locked)
    logger.info("mission.published", extra={"mission_id": locked.pk})
    return locked


def mission_reject(*, mission: Mission, actor: User, note: str) -> Mission:
    """A moderator sends a mission in review back to draft, saying why."""
    require_moderator(actor)
    note = clean_texts({"note": note}, html_fields={}, text_fields={"note": NOTE_MAX_LENGTH})[
        "note"
    ]
    if not note:
        raise _invalid(EngagementErrorCode.NOTE_REQUIRED, "note", _("Say what should be changed."))
    with transaction.atomic():
        locked = lock_mission(mission.pk)
        if locked.status != Mission.Status.IN_REVIEW:
            raise _transition_error(locked)
        locked.status = Mission.Status.DRAFT
        locked.moderation_note = note
        locked.save(update_fields=["status", "moderation_note", "updated_at"])
        audit_record(actor=actor, action="mission.rejected", target=locked, data={"note": note})
        notify_mission_moderation(locked, Event.MISSION_REJECTED)
    copy_fields(mission, locked)
    logger.info("mission.rejected", extra={"mission_id": locked.pk})
    return locked


def _require_manager(actor: User, mission: Mission) -> None:
    """Closing and cancelling: the organization's admins and editors, or a moderator."""
    if user_is_moderator(actor) or user_has_organization_role(actor, mission.organization_id):
        return
    require_organization_role(actor, mission.organization)


def mission_close(*, mission: Mission, actor: User) -> Mission:
    """Stop taking participations; people already registered (and waiting) keep their place."""
    _require_manager(actor, mission)
    with transaction.atomic():
        locked = lock_mission(mission.pk)
        if locked.status != Mission.Status.PUBLISHED:
            raise _transition_error(locked)
        locked.status = Mission.Status.CLOSED
        locked.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="mission.closed", target=locked)
    copy_fields(mission, locked)
    logger.info("mission.closed", extra={"mission_id": locked.pk})
    return locked


def mission_cancel(*, mission: Mission, actor: User) -> Mission:
    """Cancel the mission and its dates to come; their volunteers are told."""
    _require_manager(actor, mission)
    now = timezone.now()
    with transaction.atomic():
        locked = lock_mission(mission.pk)
        if locked.status == Mission.Status.CANCELLED:
            raise _transition_error(locked)
        cancelled_participations = 0
        upcoming = (
            Slot.objects.select_for_update(of=("self",))
            .select_related("mission__organization")
            .filter(mission_id=locked.pk, status=Slot.Status.OPEN)
            .exclude(starts_at__lte=now)
            .order_by("id")
        )
        slot_ids = []
        for slot in upcoming:
            cancelled_participations += participations_cancel_for_slot(
                slot=slot, actor=actor, now=now
            )
            slot.status = Slot.Status.CANCELLED
            _slot_changed(slot, now=now)
            slot.save(update_fields=["status", "sequence", "changed_at"])
            slot_ids.append(slot.pk)
        mission_search_columns_refresh(mission_ids=[locked.pk])
        previous = locked.status
        locked.status = Mission.Status.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="mission.cancelled",
            target=locked,
            data={
                "previous_status": previous,
                "slot_ids": slot_ids,
                "participations_cancelled": cancelled_participations,
            },
        )
    copy_fields(mission, locked)
    logger.info(
        "mission.cancelled",
        extra={"mission_id": locked.pk, "participations": cancelled_participations},
    )
    return locked


SLOT_MAX_CAPACITY = 10_000
SLOT_MAX_DURATION = timedelta(days=31)


class _Unchanged(Enum):
    """The default of slot_update's fields: keep the value (None is a value: no dates)."""

    UNCHANGED = "unchanged"


_UNCHANGED: Final = _Unchanged.UNCHANGED


def _checked_dates(
    starts_at: datetime | None, ends_at: datetime | None, *, now: datetime
) -> tuple[datetime | None, datetime | None]:
    if starts_at is None and ends_at is None:
        return None, None
    if starts_at is None or ends_at is None:
        raise _invalid(
            EngagementErrorCode.SLOT_DATES_INVALID,
            "starts_at",
            _("Give both a start and an end, or neither for an ongoing mission."),
        )
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise _invalid(
            EngagementErrorCode.SLOT_DATES_INVALID, "starts_at", _("Dates need a time zone.")
        )
    if ends_at <= starts_at:
        raise _invalid(
            EngagementErrorCode.SLOT_DATES_INVALID, "ends_at", _("The end must follow the start.")
        )
    if ends_at - starts_at > SLOT_MAX_DURATION:
        raise _invalid(
            EngagementErrorCode.SLOT_DATES_INVALID,
            "ends_at",
            _("A date lasts at most 31 days; use an ongoing mission for longer."),
        )
    if starts_at <= now:
        raise _invalid(
            EngagementErrorCode.SLOT_DATES_INVALID,
            "starts_at",
            _("The start must be in the future."),
        )
    if starts_at > now + SLOT_HORIZON:
        # Far dates are typing mistakes, and 9999-12-31 would be stored as year 10000.
        raise _invalid(
            EngagementErrorCode.SLOT_DATES_INVALID,
            "starts_at",
            _("A date can be planned at most five years ahead."),
        )
    return starts_at, ends_at


def _checked_capacity(capacity: int) -> int:
    if isinstance(capacity, bool):
        capacity = 0
    elif not isinstance(capacity, int):
        try:
            capacity = int(capacity)
        except (TypeError, ValueError):
            capacity = 0
    if not 1 <= capacity <= SLOT_MAX_CAPACITY:
        raise _invalid(
            EngagementErrorCode.CAPACITY_INVALID,
            "capacity",
            _("Between 1 and %(max)d seats.") % {"max": SLOT_MAX_CAPACITY},
        )
    return capacity


def _require_slots_editable(mission: Mission) -> None:
    if mission.status not in EDITABLE_STATUSES:
        raise EngagementError(
            _("A closed or cancelled mission cannot be edited."),
            code=EngagementErrorCode.MISSION_NOT_EDITABLE,
        )


def slot_create(
    *,
    mission: Mission,
    actor: User,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    capacity: int,
) -> Slot:
    """A date (or, without dates, an ongoing period) with a number of seats."""
    require_organization_role(actor, mission.organization)
    now = timezone.now()
    starts_at, ends_at = _checked_dates(starts_at, ends_at, now=now)
    capacity = _checked_capacity(capacity)
    with transaction.atomic():
        locked = lock_mission(mission.pk)
        _require_slots_editable(locked)
        slot = Slot(
            mission=locked,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            time_bit=Slot.time_bit_for(starts_at, current_tenant().timezone),
        )
        validated(slot)
        slot.save()
        mission_search_columns_refresh(mission_ids=[locked.pk])
        audit_record(
            actor=actor,
            action="slot.created",
            target=slot,
            data={"mission_id": locked.pk, "capacity": capacity},
        )
    logger.info("slot.created", extra={"slot_id": slot.pk, "mission_id": locked.pk})
    return slot


def slot_update(
    *,
    slot: Slot,
    actor: User,
    starts_at: datetime | None | _Unchanged = _UNCHANGED,
    ends_at: datetime | None | _Unchanged = _UNCHANGED,
    capacity: int | _Unchanged = _UNCHANGED,
) -> Slot:
    """Move a date or change its seats: never below the confirmed participations; more seats
    promote people from the waiting list."""
    require_organization_role(actor, slot.mission.organization)
    now = timezone.now()
    with transaction.atomic():
        # The mission first, then the slot (the order of slot_create and mission_cancel): the
        # search columns are rewritten under the mission's lock.
        lock_mission(slot.mission_id)
        locked = lock_slot(slot.pk)
        _require_slots_editable(locked.mission)
        if locked.status == Slot.Status.CANCELLED:
            raise EngagementError(
                _("This date was cancelled."), code=EngagementErrorCode.SLOT_CANCELLED
            )
        changes: dict[str, str | int | None] = {}
        new_starts = locked.starts_at if starts_at is _UNCHANGED else starts_at
        new_ends = locked.ends_at if ends_at is _UNCHANGED else ends_at
        if (new_starts, new_ends) != (locked.starts_at, locked.ends_at):
            if locked.starts_at is not None and locked.starts_at <= now:
                raise EngagementError(
                    _("This date has already started; it cannot be moved."),
                    code=EngagementErrorCode.SLOT_STARTED,
                )
            new_starts, new_ends = _checked_dates(new_starts, new_ends, now=now)
            changes["starts_at"] = new_starts.isoformat() if new_starts else None
            changes["ends_at"] = new_ends.isoformat() if new_ends else None
            locked.starts_at, locked.ends_at = new_starts, new_ends
            locked.time_bit = Slot.time_bit_for(new_starts, current_tenant().timezone)
        if capacity is not _UNCHANGED:
            new_capacity = _checked_capacity(capacity)
            if new_capacity < locked.confirmed_count:
                raise _invalid(
                    EngagementErrorCode.CAPACITY_BELOW_CONFIRMED,
                    "capacity",
                    _("%(count)d volunteers are confirmed: keep at least that many seats.")
                    % {"count": locked.confirmed_count},
                )
            # Seats held for friends of a group sign-up are promised too: they expire or are
            # claimed within a day, after which the capacity can go down.
            if new_capacity < locked.confirmed_count + locked.held_count:
                raise _invalid(
                    EngagementErrorCode.CAPACITY_BELOW_CONFIRMED,
                    "capacity",
                    _(
                        "%(count)d volunteers are confirmed and %(held)d seats are held for "
                        "their friends: keep at least %(total)d seats."
                    )
                    % {
                        "count": locked.confirmed_count,
                        "held": locked.held_count,
                        "total": locked.confirmed_count + locked.held_count,
                    },
                )
            if new_capacity != locked.capacity:
                changes["capacity"] = new_capacity
                locked.capacity = new_capacity
        if changes:
            if "starts_at" in changes:
                _slot_changed(locked, now=now)
            validated(locked)
            locked.save(
                update_fields=[
                    "starts_at",
                    "ends_at",
                    "time_bit",
                    "capacity",
                    "sequence",
                    "changed_at",
                ]
            )
            if "starts_at" in changes:
                mission_search_columns_refresh(mission_ids=[locked.mission_id])
                if _slots_with_participants([locked.pk]):
                    notify_slot_changed(locked, SlotChange.DATES)
            audit_record(actor=actor, action="slot.updated", target=locked, data=changes)
            promote_first_waitlisted(slot=locked, actor=actor)
    copy_fields(slot, locked)
    logger.info("slot.updated", extra={"slot_id": locked.pk})
    return locked


def slot_cancel(*, slot: Slot, actor: User) -> Slot:
    """Cancel one date; its volunteers (confirmed, waiting or pending) are told."""
    require_organization_role(actor, slot.mission.organization)
    now = timezone.now()
    with transaction.atomic():
        lock_mission(slot.mission_id)
        locked = lock_slot(slot.pk)
        if locked.status == Slot.Status.CANCELLED:
            raise EngagementError(
                _("This date was already cancelled."), code=EngagementErrorCode.INVALID_TRANSITION
            )
        if locked.ends_at is not None and locked.ends_at <= now:
            raise EngagementError(_("This date is over."), code=EngagementErrorCode.SLOT_STARTED)
        count = participations_cancel_for_slot(slot=locked, actor=actor, now=now)
        locked.status = Slot.Status.CANCELLED
        # The cancellation e-mails carry the new version (METHOD:CANCEL): no other notice.
        _slot_changed(locked, now=now)
        locked.save(update_fields=["status", "sequence", "changed_at"])
        mission_search_columns_refresh(mission_ids=[locked.mission_id])
        audit_record(
            actor=actor,
            action="slot.cancelled",
            target=locked,
            data={"mission_id": locked.mission_id, "participations_cancelled": count},
        )
    copy_fields(slot, locked)
    logger.info("slot.cancelled", extra={"slot_id": locked.pk, "participations": count})
    return locked

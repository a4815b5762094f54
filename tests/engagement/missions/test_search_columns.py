"""The search columns of Mission (cause_ids, cause_cells, last_open_slot_start,
has_open_ongoing_slot, and the table's open_slot_periods), and the slots' copies of the causes,
skills and flags, stay exact through every write to causes, place and slots, and the migrations
compute the same values."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from engagement.errors import EngagementError
from engagement.missions.geo import cause_cell_key
from engagement.missions.models import Mission, Slot
from engagement.missions.services import (
    SEARCH_COLUMNS_REFRESH_SQL,
    SLOT_SEARCH_COLUMNS_REFRESH_SQL,
    mission_cancel,
    mission_create,
    mission_update,
    slot_cancel,
    slot_create,
    slot_update,
)
from tests.engagement.factories import (
    CauseFactory,
    MissionFactory,
    SkillFactory,
    SlotFactory,
    paris_point,
)

# Error messages are asserted in English, their source language.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

BACKFILL = importlib.import_module("engagement.migrations.0009_mission_search_columns")
CELLS_BACKFILL = importlib.import_module("engagement.migrations.0029_mission_cause_cells")
PERIODS_BACKFILL = importlib.import_module("engagement.migrations.0031_mission_open_slot_periods")
SKILLS_BACKFILL = importlib.import_module("engagement.migrations.0034_mission_skill_ids")
SLOTS_BACKFILL = importlib.import_module("engagement.migrations.0036_slot_cause_and_skill_ids")
SLOT_FLAGS_BACKFILL = importlib.import_module("engagement.migrations.0037_slot_flags")


def columns(mission: Mission) -> tuple[list[int], datetime | None, bool]:
    row = Mission.objects.values_list(
        "cause_ids", "last_open_slot_start", "has_open_ongoing_slot"
    ).get(pk=mission.pk)
    return row[0], row[1], row[2]


def in_days(days: int, hour: int = 10) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def dated(mission: Mission, actor, days: int) -> Slot:  # type: ignore[no-untyped-def]
    start = in_days(days)
    return slot_create(
        mission=mission,
        actor=actor,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=3,
    )


# --- Causes -------------------------------------------------------------------------------------


def test_mission_create_writes_the_cause_ids_sorted(organization, org_admin):
    first, second = CauseFactory(), CauseFactory()

    mission = mission_create(
        organization=organization,
        actor=org_admin,
        title="Maraude",
        location=paris_point(),
        cause_ids=[second.pk, first.pk],
    )

    assert columns(mission) == (sorted([first.pk, second.pk]), None, False)


def test_mission_update_rewrites_the_cause_ids_only_when_causes_change(mission, org_admin):
    first, second = CauseFactory(), CauseFactory()
    mission_update(mission=mission, actor=org_admin, cause_ids=[first.pk])
    assert columns(mission)[0] == [first.pk]

    mission_update(mission=mission, actor=org_admin, title="Maraude du soir")
    assert columns(mission)[0] == [first.pk]

    mission_update(mission=mission, actor=org_admin, cause_ids=[second.pk])
    assert columns(mission)[0] == [second.pk]

    mission_update(mission=mission, actor=org_admin, cause_ids=[])
    assert columns(mission)[0] == []


def test_a_refused_cause_change_leaves_the_cause_ids(mission, org_admin):
    cause = CauseFactory()
    mission_update(mission=mission, actor=org_admin, cause_ids=[cause.pk])

    with pytest.raises(EngagementError):
        mission_update(mission=mission, actor=org_admin, cause_ids=[cause.pk, 999_999])

    assert columns(mission)[0] == [cause.pk]


def skill_ids(mission: Mission) -> list[int]:
    return Mission.objects.values_list("skill_ids", flat=True).get(pk=mission.pk)


def test_mission_create_writes_the_skill_ids_sorted(organization, org_admin):
    first, second = SkillFactory(), SkillFactory()

    mission = mission_create(
        organization=organization,
        actor=org_admin,
        title="Maraude",
        location=paris_point(),
        skill_ids=[second.pk, first.pk],
    )

    assert skill_ids(mission) == sorted([first.pk, second.pk])


def test_mission_update_rewrites_the_skill_ids_when_the_skills_change(mission, org_admin):
    first, second = SkillFactory(), SkillFactory()
    mission_update(mission=mission, actor=org_admin, skill_ids=[first.pk])
    assert skill_ids(mission) == [first.pk]

    mission_update(mission=mission, actor=org_admin, title="Maraude du soir")
    assert skill_ids(mission) == [first.pk]

    mission_update(mission=mission, actor=org_admin, skill_ids=[second.pk])
    assert skill_ids(mission) == [second.pk]

    mission_update(mission=mission, actor=org_admin, skill_ids=[])
    assert skill_ids(mission) == []


def test_the_skills_backfill_fills_the_missions_with_skills(in_paris):
    skill_a, skill_b = SkillFactory(), SkillFactory()
    with_both = MissionFactory(skills=[skill_b, skill_a])
    without = MissionFactory()
    expected = {with_both.pk: sorted([skill_a.pk, skill_b.pk]), without.pk: []}
    assert {pk: skill_ids(Mission(pk=pk)) for pk in expected} == expected
    Mission.objects.filter(pk__in=expected).update(skill_ids=[])

    with connection.schema_editor() as editor:
        SKILLS_BACKFILL.backfill(None, editor)

    assert {pk: skill_ids(Mission(pk=pk)) for pk in expected} == expected


def slot_copies(mission: Mission) -> set[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The (cause_ids, skill_ids) of the mission's slots, each distinct pair once."""
    return {
        (tuple(causes), tuple(skills))
        for causes, skills in Slot.objects.filter(mission=mission).values_list(
            "cause_ids", "skill_ids"
        )
    }


def test_a_new_slot_carries_its_mission_s_causes_and_skills(mission, org_admin):
    cause, skill = CauseFactory(), SkillFactory()
    mission_update(mission=mission, actor=org_admin, cause_ids=[cause.pk], skill_ids=[skill.pk])

    dated(mission, org_admin, 3)
    slot_create(mission=mission, actor=org_admin, starts_at=None, ends_at=None, capacity=2)

    assert slot_copies(mission) == {((cause.pk,), (skill.pk,))}


def test_the_slots_follow_their_mission_s_causes_and_skills(mission, org_admin):
    first, second = CauseFactory(), CauseFactory()
    skill = SkillFactory()
    dated(mission, org_admin, 3)
    dated(mission, org_admin, 5)
    other = MissionFactory(causes=[first])
    SlotFactory(mission=other)

    mission_update(mission=mission, actor=org_admin, cause_ids=[second.pk, first.pk])
    assert slot_copies(mission) == {(tuple(sorted([first.pk, second.pk])), ())}

    mission_update(mission=mission, actor=org_admin, skill_ids=[skill.pk], cause_ids=[])
    assert slot_copies(mission) == {((), (skill.pk,))}
    # Another mission's slots keep theirs.
    assert slot_copies(other) == {((first.pk,), ())}


def test_the_slots_backfill_fills_every_slot_s_causes_and_skills(in_paris):
    cause, skill = CauseFactory(), SkillFactory()
    with_both = MissionFactory(causes=[cause], skills=[skill])
    SlotFactory(mission=with_both)
    SlotFactory(mission=with_both, starts_at=None, ends_at=None)
    without = MissionFactory()
    SlotFactory(mission=without)
    Slot.objects.update(cause_ids=[999], skill_ids=[999])

    with connection.schema_editor() as editor:
        SLOTS_BACKFILL.backfill(None, editor)

    assert slot_copies(with_both) == {((cause.pk,), (skill.pk,))}
    assert slot_copies(without) == {((), ())}


FLAGS = ("is_remote", "is_step_free", "is_open_to_minors", "is_beginner_friendly")


def slot_flags(mission: Mission) -> set[tuple[bool, ...]]:
    """The flags of the mission's slots (FLAGS' order), each distinct tuple once."""
    return set(Slot.objects.filter(mission=mission).values_list(*FLAGS))


def test_a_new_slot_carries_its_mission_s_flags(organization, org_admin):
    mission = MissionFactory(
        organization=organization,
        is_step_free=True,
        is_open_to_minors=True,
        is_beginner_friendly=False,
    )

    dated(mission, org_admin, 3)
    slot_create(mission=mission, actor=org_admin, starts_at=None, ends_at=None, capacity=2)

    assert slot_flags(mission) == {(False, True, True, False)}


def test_the_slots_follow_their_mission_s_flags(mission, org_admin):
    dated(mission, org_admin, 3)
    dated(mission, org_admin, 5)
    other = MissionFactory(is_step_free=True)
    SlotFactory(mission=other)
    assert slot_flags(mission) == {(False, False, False, True)}

    mission_update(mission=mission, actor=org_admin, is_step_free=True)
    assert slot_flags(mission) == {(False, True, False, True)}

    mission_update(
        mission=mission, actor=org_admin, is_open_to_minors=True, is_beginner_friendly=False
    )
    assert slot_flags(mission) == {(False, True, True, False)}

    mission_update(mission=mission, actor=org_admin, is_remote=True)
    assert slot_flags(mission) == {(True, True, True, False)}
    # Another mission's slots keep theirs.
    assert slot_flags(other) == {(False, True, False, True)}


def test_the_slots_flags_backfill_is_the_service_statement_and_fills_every_slot(in_paris):
    assert SLOT_FLAGS_BACKFILL.BACKFILL_SQL == SLOT_SEARCH_COLUMNS_REFRESH_SQL
    cause = CauseFactory()
    flagged = MissionFactory(
        causes=[cause], is_step_free=True, is_open_to_minors=True, is_beginner_friendly=False
    )
    SlotFactory(mission=flagged)
    SlotFactory(mission=flagged, starts_at=None, ends_at=None)
    remote = MissionFactory(is_remote=True, location=None)
    SlotFactory(mission=remote)
    plain = MissionFactory()
    SlotFactory(mission=plain)
    # As the slots were before 0037: every flag at its column's default.
    Slot.objects.update(
        is_remote=False, is_step_free=False, is_open_to_minors=False, is_beginner_friendly=True
    )

    with connection.schema_editor() as editor:
        SLOT_FLAGS_BACKFILL.backfill(None, editor)

    assert slot_flags(flagged) == {(False, True, True, False)}
    assert slot_flags(remote) == {(True, False, False, True)}
    assert slot_flags(plain) == {(False, False, False, True)}
    assert slot_copies(flagged) == {((cause.pk,), ())}


def cells(mission: Mission) -> list[int]:
    return Mission.objects.values_list("cause_cells", flat=True).get(pk=mission.pk)


def test_mission_create_writes_each_cause_in_the_cell_of_the_place(organization, org_admin):
    first, second = CauseFactory(), CauseFactory()

    mission = mission_create(
        organization=organization,
        actor=org_admin,
        title="Maraude",
        location=paris_point(2.3522, 48.8566),
        cause_ids=[second.pk, first.pk],
    )

    assert cells(mission) == [
        cause_cell_key(first.pk, 2.3522, 48.8566),
        cause_cell_key(second.pk, 2.3522, 48.8566),
    ]


def test_the_cells_follow_the_causes_and_the_place(mission, org_admin):
    cause, other = CauseFactory(), CauseFactory()
    mission_update(mission=mission, actor=org_admin, cause_ids=[cause.pk])
    where = (mission.location.x, mission.location.y)
    assert cells(mission) == [cause_cell_key(cause.pk, *where)]

    mission_update(mission=mission, actor=org_admin, location=paris_point(2.2950, 48.8738))
    assert cells(mission) == [cause_cell_key(cause.pk, 2.2950, 48.8738)]
    assert cause_cell_key(cause.pk, 2.2950, 48.8738) != cause_cell_key(cause.pk, *where)

    mission_update(mission=mission, actor=org_admin, cause_ids=[other.pk])
    assert cells(mission) == [cause_cell_key(other.pk, 2.2950, 48.8738)]

    mission_update(mission=mission, actor=org_admin, is_remote=True)
    assert cells(mission) == []

    mission_update(mission=mission, actor=org_admin, is_remote=False, location=paris_point())
    assert cells(mission) == [cause_cell_key(other.pk, *paris_point().coords)]

    mission_update(mission=mission, actor=org_admin, cause_ids=[])
    assert cells(mission) == []


def test_a_refused_place_change_leaves_the_cells(mission, org_admin):
    cause = CauseFactory()
    mission_update(mission=mission, actor=org_admin, cause_ids=[cause.pk])
    before = cells(mission)

    with pytest.raises(EngagementError):
        mission_update(mission=mission, actor=org_admin, is_remote=False, location=None)

    assert cells(mission) == before != []


# --- Slots --------------------------------------------------------------------------------------


def test_slot_create_keeps_the_latest_open_start_and_the_ongoing_flag(mission, org_admin):
    assert columns(mission) == ([], None, False)

    later = dated(mission, org_admin, 14)
    assert columns(mission) == ([], later.starts_at, False)

    dated(mission, org_admin, 3)
    assert columns(mission) == ([], later.starts_at, False)

    slot_create(mission=mission, actor=org_admin, capacity=5)
    assert columns(mission) == ([], later.starts_at, True)


def test_moving_the_latest_slot_earlier_or_later_follows_it(mission, org_admin):
    week = dated(mission, org_admin, 7)
    fortnight = dated(mission, org_admin, 14)

    moved = slot_update(
        slot=fortnight,
        actor=org_admin,
        starts_at=in_days(2),
        ends_at=in_days(2) + timedelta(hours=1),
    )
    assert moved.starts_at == in_days(2)
    assert columns(mission) == ([], week.starts_at, False)

    slot_update(slot=moved, actor=org_admin, starts_at=in_days(30), ends_at=in_days(30, hour=12))
    assert columns(mission) == ([], in_days(30), False)


def test_a_capacity_change_leaves_the_columns(mission, org_admin):
    week = dated(mission, org_admin, 7)

    slot_update(slot=week, actor=org_admin, capacity=9)

    assert columns(mission) == ([], week.starts_at, False)


def test_cancelling_slots_falls_back_to_the_remaining_open_ones(mission, org_admin):
    week = dated(mission, org_admin, 7)
    fortnight = dated(mission, org_admin, 14)
    ongoing = slot_create(mission=mission, actor=org_admin, capacity=5)

    slot_cancel(slot=fortnight, actor=org_admin)
    assert columns(mission) == ([], week.starts_at, True)

    slot_cancel(slot=ongoing, actor=org_admin)
    assert columns(mission) == ([], week.starts_at, False)

    slot_cancel(slot=week, actor=org_admin)
    assert columns(mission) == ([], None, False)


def test_a_refused_slot_write_leaves_the_columns(mission, org_admin):
    week = dated(mission, org_admin, 7)
    slot_cancel(slot=week, actor=org_admin)
    before = columns(mission)

    with pytest.raises(EngagementError):
        slot_update(slot=week, actor=org_admin, starts_at=in_days(9), ends_at=in_days(9, 12))

    assert columns(mission) == before == ([], None, False)


def test_mission_cancel_cascades_to_the_columns(mission, org_admin, started_slot):
    dated(mission, org_admin, 7)
    slot_create(mission=mission, actor=org_admin, capacity=5)

    mission_cancel(mission=mission, actor=org_admin)

    # Only the slot that has started stays open: it can no longer be joined.
    assert Slot.objects.get(pk=started_slot.pk).status == Slot.Status.OPEN
    assert columns(mission) == ([], started_slot.starts_at, False)
    assert started_slot.starts_at < timezone.now()


# --- Open slot periods (a column of the table, read with SQL) -----------------------------------


def periods(mission: Mission) -> list[tuple[datetime, datetime]]:
    """The mission's open_slot_periods as (start, end) pairs, each [start, end)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lower(p), upper(p), lower_inc(p), upper_inc(p) "
            "FROM engagement_mission AS m, unnest(m.open_slot_periods) AS p "
            "WHERE m.id = %s ORDER BY 1",
            [mission.pk],
        )
        rows = cursor.fetchall()
    assert all(lower_inc and not upper_inc for *_, lower_inc, upper_inc in rows)
    return [(start, end) for start, end, *_ in rows]


def test_a_new_mission_has_no_open_slot_period(organization, org_admin):
    mission = mission_create(
        organization=organization, actor=org_admin, title="Maraude", location=paris_point()
    )

    assert periods(mission) == []


def test_the_periods_are_the_open_dated_slots(mission, org_admin):
    fortnight = dated(mission, org_admin, 14)
    week = dated(mission, org_admin, 7)
    slot_create(mission=mission, actor=org_admin, capacity=5)  # ongoing: no period

    assert periods(mission) == [
        (week.starts_at, week.ends_at),
        (fortnight.starts_at, fortnight.ends_at),
    ]


def test_overlapping_slots_make_one_period(mission, org_admin):
    first = dated(mission, org_admin, 7)  # 10:00-12:00
    second = slot_create(
        mission=mission,
        actor=org_admin,
        starts_at=first.starts_at + timedelta(hours=1),
        ends_at=first.ends_at + timedelta(hours=1),
        capacity=3,
    )

    assert periods(mission) == [(first.starts_at, second.ends_at)]


def test_moving_and_cancelling_slots_rewrites_the_periods(mission, org_admin):
    week = dated(mission, org_admin, 7)
    fortnight = dated(mission, org_admin, 14)

    moved = slot_update(
        slot=fortnight, actor=org_admin, starts_at=in_days(2), ends_at=in_days(2, 11)
    )
    assert periods(mission) == [(in_days(2), in_days(2, 11)), (week.starts_at, week.ends_at)]

    slot_cancel(slot=week, actor=org_admin)
    assert periods(mission) == [(moved.starts_at, moved.ends_at)]

    slot_cancel(slot=moved, actor=org_admin)
    assert periods(mission) == []


def test_a_refused_slot_write_leaves_the_periods(mission, org_admin):
    week = dated(mission, org_admin, 7)
    slot_cancel(slot=week, actor=org_admin)

    with pytest.raises(EngagementError):
        slot_update(slot=week, actor=org_admin, starts_at=in_days(9), ends_at=in_days(9, 12))

    assert periods(mission) == []


def test_mission_cancel_leaves_only_the_started_slot_s_period(mission, org_admin, started_slot):
    dated(mission, org_admin, 7)

    mission_cancel(mission=mission, actor=org_admin)

    # The started slot stays open until it ends: it cannot be joined, and no search date finds
    # it (a matching slot starts after now), but its period is kept until it has ended.
    assert periods(mission) == [(started_slot.starts_at, started_slot.ends_at)]
    assert started_slot.ends_at > timezone.now()


def test_slots_that_have_ended_leave_the_periods(mission, org_admin):
    week = dated(mission, org_admin, 7)
    ended = SlotFactory(mission=mission)
    Slot.objects.filter(pk=ended.pk).update(
        starts_at=in_days(-3), ends_at=in_days(-3) + timedelta(hours=2)
    )

    # The next write to the slots' dates rewrites the row.
    slot_update(slot=week, actor=org_admin, starts_at=in_days(8), ends_at=in_days(8, 12))

    assert periods(mission) == [(in_days(8), in_days(8, 12))]


# --- Backfill -----------------------------------------------------------------------------------


def _assignment(backfill_sql: str) -> str:
    return backfill_sql.split(" SET\n", 1)[1].split("\nWHERE ")[0]


def test_the_migrations_backfills_are_the_service_statement(in_paris):
    """0009 wrote three of the columns, 0029 the cells, 0031 the periods and 0034 the skills
    (only where there are some): the service's statement is 0009's with 0034's, 0029's and
    0031's assignments added."""
    cells_assignment = _assignment(CELLS_BACKFILL.BACKFILL_SQL)
    periods_assignment = _assignment(PERIODS_BACKFILL.BACKFILL_SQL)
    skills_assignment = _assignment(SKILLS_BACKFILL.BACKFILL_SQL)
    assert cells_assignment.startswith("    cause_cells = ARRAY(")
    assert periods_assignment.startswith("    open_slot_periods = COALESCE((")
    assert skills_assignment.startswith("    skill_ids = ARRAY(")
    expected = BACKFILL.BACKFILL_SQL.replace(
        "ORDER BY link.cause_id\n    ),\n",
        f"ORDER BY link.cause_id\n    ),\n{skills_assignment},\n{cells_assignment},\n",
        1,
    )
    assert expected.endswith("\n    )\n")
    assert SEARCH_COLUMNS_REFRESH_SQL == f"{expected[:-1]},\n{periods_assignment}\n"


def test_the_periods_backfill_fills_the_missions_with_open_dated_slots(in_paris):
    with_slots = MissionFactory()
    week = SlotFactory(mission=with_slots)
    SlotFactory(mission=with_slots, status=Slot.Status.CANCELLED)
    ongoing_only = MissionFactory()
    SlotFactory(mission=ongoing_only, ongoing=True)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE engagement_mission SET open_slot_periods = '{}'")
        cursor.execute(PERIODS_BACKFILL.BACKFILL_SQL)

    assert periods(with_slots) == [(week.starts_at, week.ends_at)]
    assert periods(ongoing_only) == []


def test_the_cells_backfill_fills_the_located_missions_with_causes(in_paris):
    cause_a, cause_b = CauseFactory(), CauseFactory()
    located = MissionFactory(causes=[cause_b, cause_a], location=paris_point(2.33, 48.87))
    remote = MissionFactory(causes=[cause_a], is_remote=True, location=None)
    without = MissionFactory(location=paris_point(2.33, 48.87))
    expected = {
        located.pk: [cause_cell_key(pk, 2.33, 48.87) for pk in sorted([cause_a.pk, cause_b.pk])],
        remote.pk: [],
        without.pk: [],
    }
    assert {pk: cells(Mission(pk=pk)) for pk in expected} == expected
    Mission.objects.filter(pk__in=expected).update(cause_cells=[])

    with connection.schema_editor() as editor:
        CELLS_BACKFILL.backfill(None, editor)

    assert {pk: cells(Mission(pk=pk)) for pk in expected} == expected


def test_the_migration_backfill_recomputes_every_mission_from_its_rows(in_paris):
    cause_a, cause_b = CauseFactory(), CauseFactory()
    with_both = MissionFactory(causes=[cause_b, cause_a])
    week = SlotFactory(mission=with_both, starts_at=in_days(7))
    SlotFactory(mission=with_both, starts_at=in_days(20), status=Slot.Status.CANCELLED)
    SlotFactory(mission=with_both, ongoing=True, status=Slot.Status.CANCELLED)
    bare = MissionFactory()
    SlotFactory(mission=bare, ongoing=True)
    expected = {with_both.pk: columns(with_both), bare.pk: columns(bare)}
    assert expected == {
        with_both.pk: (sorted([cause_a.pk, cause_b.pk]), week.starts_at, False),
        bare.pk: ([], None, True),
    }
    Mission.objects.filter(pk__in=expected).update(
        cause_ids=[], last_open_slot_start=None, has_open_ongoing_slot=False
    )

    with connection.schema_editor() as editor:
        BACKFILL.backfill(None, editor)

    assert {with_both.pk: columns(with_both), bare.pk: columns(bare)} == expected

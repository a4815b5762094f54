"""What a mission page loads (engagement/missions/selectors.py, mission_detail): causes and
skills in display order from one statement, then read without a query; its upcoming dates from
one statement written once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagement.missions import selectors
from engagement.missions.access import mission_get_published
from engagement.missions.models import Mission, Slot
from engagement.missions.selectors import (
    mission_detail,
    mission_with_upcoming_slots,
    slot_seats_left,
    upcoming_slots,
)
from engagement.taxonomy.models import Cause, Skill
from tenants.context import tenant_context
from tests.engagement.factories import MissionFactory, SlotFactory

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:  # type: ignore[no-untyped-def]
    return {
        field.attname: getattr(instance, field.attname)
        for field in type(instance)._meta.concrete_fields
    }


def test_causes_and_skills_come_in_display_order_with_every_field(in_paris):
    causes = list(Cause.objects.order_by("-slug")[:3])
    skills = list(Skill.objects.order_by("-slug")[:2])
    # A retired cause still shows on a mission that has it; positions decide, then slugs.
    causes[0].is_active = False
    causes[0].position = 0
    causes[0].save(update_fields=["is_active", "position"])
    mission = MissionFactory(causes=causes)
    mission.skills.set(skills)
    SlotFactory(mission=mission)

    found = mission_detail(mission=mission_get_published(mission_id=mission.pk))

    with CaptureQueriesContext(connection) as queries:
        shown_causes = list(found.causes.all())
        shown_skills = list(found.skills.all())
        assert found.organization.name
    assert len(queries) == 0
    expected_causes = list(Cause.objects.filter(missions=mission).order_by("position", "slug"))
    expected_skills = list(Skill.objects.filter(missions=mission).order_by("position", "slug"))
    assert [c.pk for c in shown_causes] == [c.pk for c in expected_causes]
    assert [s.pk for s in shown_skills] == [s.pk for s in expected_skills]
    assert [_fields(c) for c in shown_causes] == [_fields(c) for c in expected_causes]
    assert [_fields(s) for s in shown_skills] == [_fields(s) for s in expected_skills]
    assert all(not c._state.adding for c in shown_causes)
    # Narrowed further, it still reads this mission's causes only.
    other = MissionFactory(causes=list(Cause.objects.exclude(pk__in=[c.pk for c in causes])))
    assert other.causes.exists()
    assert {c.pk for c in found.causes.filter(position__gte=0)} == {c.pk for c in causes}
    assert found.skills.filter(slug=skills[0].slug).get().pk == skills[0].pk
    assert [c.label for c in shown_causes] == [c.label for c in expected_causes]


def test_a_mission_page_loads_in_two_queries_after_its_lookup(in_paris, django_assert_num_queries):
    mission = MissionFactory(causes=list(Cause.objects.all()[:2]))
    SlotFactory(mission=mission)
    found = mission_get_published(mission_id=mission.pk)
    with django_assert_num_queries(2):
        loaded = mission_detail(mission=found)
        assert len(loaded.upcoming_slots) == 1
        assert len(loaded.causes.all()) == 2


def test_without_causes_or_skills_and_without_the_organization_joined(
    in_paris, django_assert_num_queries
):
    mission = MissionFactory()
    bare = Mission.objects.get(pk=mission.pk)
    with django_assert_num_queries(3):
        loaded = mission_detail(mission=bare)
    assert list(loaded.causes.all()) == []
    assert list(loaded.skills.all()) == []
    assert loaded.organization.pk == mission.organization_id


def test_the_same_mission_id_in_another_tenant_reads_that_tenants_rows(paris, montreal):
    with tenant_context(paris):
        paris_mission = MissionFactory(causes=list(Cause.objects.order_by("slug")[:2]))
        assert len(mission_detail(mission=paris_mission).causes.all()) == 2
    with tenant_context(montreal):
        Mission.objects.filter(pk=paris_mission.pk).delete()
        cause = Cause.objects.order_by("-slug").first()
        same_id = MissionFactory(id=paris_mission.pk, causes=[cause])
        shown = mission_detail(mission=Mission.objects.get(pk=same_id.pk)).causes.all()
        assert [c.pk for c in shown] == [cause.pk]


def test_the_upcoming_dates_are_upcoming_slots_of_the_mission(in_paris, django_assert_num_queries):
    """mission_with_upcoming_slots is SQL written once: the rows, order and columns of
    `upcoming_slots()` narrowed to the mission, at most a page of them."""
    mission, other = MissionFactory(), MissionFactory()
    now = timezone.now()
    SlotFactory(
        mission=mission, starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3.1)
    )
    SlotFactory(mission=mission, ongoing=True)
    SlotFactory(
        mission=mission, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1.1)
    )
    SlotFactory(
        mission=mission, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    SlotFactory(
        mission=mission,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2.1),
        status=Slot.Status.CANCELLED,
    )
    SlotFactory(mission=other, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1.1))

    with django_assert_num_queries(1):
        loaded = mission_with_upcoming_slots(mission=mission)
        assert all(slot.mission is mission for slot in loaded.upcoming_slots)

    expected = list(upcoming_slots().filter(mission=mission))
    assert [slot.pk for slot in loaded.upcoming_slots] == [slot.pk for slot in expected]
    assert len(expected) == 3
    for mine, theirs in zip(loaded.upcoming_slots, expected, strict=True):
        assert {f.attname: getattr(mine, f.attname) for f in Slot._meta.concrete_fields} == {
            f.attname: getattr(theirs, f.attname) for f in Slot._meta.concrete_fields
        }


def test_at_most_a_page_of_dates(in_paris, monkeypatch):
    monkeypatch.setattr(selectors, "DETAIL_SLOTS_LIMIT", 2)
    mission = MissionFactory()
    for days in (3, 1, 2):
        SlotFactory(
            mission=mission,
            starts_at=timezone.now() + timedelta(days=days),
            ends_at=timezone.now() + timedelta(days=days, hours=2),
        )
    starts = [
        slot.starts_at for slot in mission_with_upcoming_slots(mission=mission).upcoming_slots
    ]
    assert len(starts) == 2 and starts == sorted(starts)


def test_slot_seats_left_reads_only_the_missions_dates_in_one_query(in_paris):
    mission = MissionFactory()
    open_slot = SlotFactory(mission=mission, capacity=5)
    full = SlotFactory(mission=mission, capacity=2)
    other = SlotFactory(mission=MissionFactory(), capacity=9)
    Slot.objects.filter(pk=open_slot.pk).update(confirmed_count=2, held_count=1)
    Slot.objects.filter(pk=full.pk).update(confirmed_count=2)

    with CaptureQueriesContext(connection) as queries:
        seats = slot_seats_left(mission_id=mission.pk, slot_ids={open_slot.pk, full.pk, other.pk})

    assert len(queries) == 1
    # The other mission's date is not this mission's: left out, whatever its id.
    assert seats == {open_slot.pk: 2, full.pk: 0}
    assert seats[open_slot.pk] == Slot.objects.get(pk=open_slot.pk).seats_left

"""Model instances from hand-written SQL (engagement/rows.py), and the statements built on it:
the slot a sign-up locks (engagement.participations.services.lock_slot) and a volunteer's own
participation (engagement.participations.access.participation_get_for_volunteer). Each gives what
the ORM's queryset gives, in the tenant's schema only."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.http import Http404

from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization
from engagement.participations.access import participation_get_for_volunteer
from engagement.participations.models import Participation
from engagement.participations.services import lock_slot
from engagement.rows import Columns, fetch_all, instances, joined
from tenants.context import tenant_context
from tests.engagement.factories import (
    MissionFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _values(instance) -> dict:  # type: ignore[no-untyped-def,type-arg]
    fields = instance._meta.concrete_fields
    return {
        f.attname: getattr(instance, f.attname) for f in fields if f.attname in instance.__dict__
    }


def test_columns_name_the_models_columns_in_order() -> None:
    columns = Columns.of(Organization, "o", deferred=("description",))

    assert "description" not in columns.attnames
    assert columns.attnames[0] == "id"
    assert columns.sql.startswith('o."id", o.')
    assert columns.table == f'"{Organization._meta.db_table}" o'
    with pytest.raises(ValueError, match="no column"):
        Columns.of(Organization, "o", deferred=("nothing",))


def test_instances_are_the_orms_with_the_columns_left_out_deferred(in_paris):
    mission = MissionFactory()
    parts = (Columns.of(Mission, "m", deferred=("description",)), Columns.of(Organization, "o"))
    (row,) = fetch_all(
        f"SELECT {parts[0].sql}, {parts[1].sql} FROM {parts[0].table} "
        f"JOIN {parts[1].table} ON o.id = m.organization_id WHERE m.id = %s",
        [mission.pk],
    )

    made, organization = instances(row, *parts)

    loaded = Mission.objects.defer("description").get(pk=mission.pk)
    assert _values(made) == _values(loaded)
    assert made.get_deferred_fields() == loaded.get_deferred_fields() == {"description"}
    assert _values(organization) == _values(Organization.objects.get(pk=mission.organization_id))
    assert made._state.adding is False and made._state.db == connection.alias


def test_a_locked_slot_is_the_orms_with_its_mission_and_organization(
    in_paris, django_assert_num_queries
):
    slot = SlotFactory(capacity=4)

    with transaction.atomic(), django_assert_num_queries(1):
        locked = lock_slot(slot.pk)
        assert locked.mission.organization.name  # joined: no query more

    loaded = Slot.objects.select_related("mission__organization").get(pk=slot.pk)
    assert _values(locked) == _values(loaded)
    assert _values(locked.mission) == _values(loaded.mission)
    assert _values(locked.mission.organization) == _values(loaded.mission.organization)


def test_the_lock_is_a_row_lock_on_the_slot_only(in_paris):
    slot = SlotFactory()
    with transaction.atomic():
        lock_slot(slot.pk)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relation::regclass::text FROM pg_locks WHERE pid = pg_backend_pid() "
                "AND mode = 'RowShareLock'"
            )
            locked_tables = {row[0].split(".")[-1] for row in cursor.fetchall()}
    assert Slot._meta.db_table in locked_tables
    assert Mission._meta.db_table not in locked_tables


def test_a_slot_that_does_not_exist_here_is_does_not_exist(paris, montreal):
    with tenant_context(paris):
        slot = SlotFactory()
    with tenant_context(montreal), transaction.atomic():
        with pytest.raises(Slot.DoesNotExist):
            lock_slot(slot.pk + 10_000)
        if not Slot.objects.filter(pk=slot.pk).exists():
            with pytest.raises(Slot.DoesNotExist):
                lock_slot(slot.pk)


def test_a_volunteers_own_participation_is_the_orms(in_paris, django_assert_num_queries):
    volunteer = UserFactory()
    participation = ParticipationFactory(volunteer=volunteer)

    with django_assert_num_queries(1):
        found = participation_get_for_volunteer(participation_id=participation.pk, user=volunteer)
        assert found.slot.mission.organization.name

    loaded = Participation.objects.select_related("slot__mission__organization").get(
        pk=participation.pk
    )
    assert _values(found) == _values(loaded)
    assert _values(found.slot) == _values(loaded.slot)
    assert _values(found.slot.mission) == _values(loaded.slot.mission)
    assert _values(found.slot.mission.organization) == _values(loaded.slot.mission.organization)


def test_someone_elses_or_another_tenants_participation_is_a_404(paris, montreal):
    with tenant_context(paris):
        volunteer, other = UserFactory(), UserFactory()
        participation = ParticipationFactory(volunteer=volunteer)
        with pytest.raises(Http404):
            participation_get_for_volunteer(participation_id=participation.pk, user=other)
    with tenant_context(montreal):
        with pytest.raises(Http404):
            participation_get_for_volunteer(participation_id=participation.pk, user=volunteer)


def test_joined_sets_each_part_on_the_one_before_as_select_related_does(
    in_paris, django_assert_num_queries
):
    participation = ParticipationFactory()
    parts = (Columns.of(Participation, "p"), Columns.of(Slot, "s"), Columns.of(Mission, "m"))
    (row,) = fetch_all(
        f"SELECT {', '.join(part.sql for part in parts)} FROM {parts[0].table} "
        f"JOIN {parts[1].table} ON s.id = p.slot_id JOIN {parts[2].table} ON m.id = s.mission_id "
        "WHERE p.id = %s",
        [participation.pk],
    )

    with django_assert_num_queries(0):
        found = joined(row, *parts)
        assert found.slot.pk == participation.slot_id
        assert found.slot.mission.pk == participation.slot.mission_id

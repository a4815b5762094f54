"""Many volunteers press "Je participe" on the last seats at the same moment.

Each thread has its own database connection and transaction, so the data must be committed.
The test's own connection sits in pytest-django's rolled-back transaction, so the data is written
(and deleted afterwards, with the audit rows and e-mail deliveries the services wrote) from
separate threads, each on its own autocommit connection — never through `transactional_db`,
whose flush would destroy the session's tenants.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery._state import _set_task_join_will_block
from django.core import mail
from django.db import connection

from accounts.models import User
from engagement.emails.models import EmailDelivery
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.participations.services import participation_request
from tenants.audit.models import AuditEvent
from tenants.models import Tenant
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

# Error messages are asserted in English, their source language.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

THREADS = 12


def in_own_connection(tenant: Tenant, function: Callable[[], Any]) -> Any:
    """Run `function` in a thread with its own (autocommit) connection set to `tenant`."""
    return run_at_once(tenant, [function], raise_errors=True)[0]


@pytest.fixture
def committed(paris) -> Iterator[dict[str, Any]]:
    """A published mission with a slot of 5 seats, 3 already taken, and 12 volunteers —
    committed in Paris, deleted afterwards."""
    assert connection.settings_dict["NAME"].startswith("test_")

    def create() -> dict[str, Any]:
        membership = MembershipFactory(user__email="organizer-concurrency@example.org")
        slot = SlotFactory(mission=MissionFactory(organization=membership.organization), capacity=5)
        seated = ParticipationFactory.create_batch(3, slot=slot)
        return {
            "last_audit_id": AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
            or 0,
            "last_delivery_id": EmailDelivery.objects.order_by("-id")
            .values_list("id", flat=True)
            .first()
            or 0,
            "organization_id": membership.organization_id,
            "slot": slot,
            "user_ids": [membership.user_id, *(p.volunteer_id for p in seated)],
            "volunteers": [
                UserFactory(email=f"concurrent{index}@example.org") for index in range(THREADS)
            ],
        }

    data = in_own_connection(paris, create)

    def delete() -> None:
        Participation.objects.filter(
            slot__mission__organization_id=data["organization_id"]
        ).delete()
        Slot.objects.filter(mission__organization_id=data["organization_id"]).delete()
        Mission.objects.filter(organization_id=data["organization_id"]).delete()
        Organization.objects.filter(pk=data["organization_id"]).delete()
        User.objects.filter(
            pk__in=[*data["user_ids"], *(volunteer.pk for volunteer in data["volunteers"])]
        ).delete()
        AuditEvent.objects.filter(id__gt=data["last_audit_id"]).delete()
        EmailDelivery.objects.filter(id__gt=data["last_delivery_id"]).delete()

    try:
        yield data
    finally:
        in_own_connection(paris, delete)
        # Eager Celery tasks run in parallel threads race on Celery's process-wide "join will
        # block" flag (set and restored around each eager call) and can leave it set, which
        # would make later `.get()` calls in this process fail: put it back.
        _set_task_join_will_block(False)


def run_at_once(
    tenant: Tenant, calls: list[Callable[[], Any]], *, raise_errors: bool = False
) -> list[Any]:
    """Run the calls in parallel threads released together; returns results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def work(index: int) -> None:
        connection.set_tenant(tenant)
        try:
            barrier.wait(timeout=30)
            results[index] = calls[index]()
        except Exception as error:  # noqa: BLE001 - collected and asserted by the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    if raise_errors:
        for result in results:
            if isinstance(result, Exception):
                raise result
    return results


def test_twelve_volunteers_racing_for_the_last_two_seats(committed, paris):
    slot = committed["slot"]
    calls = [
        (lambda volunteer=volunteer: participation_request(volunteer=volunteer, slot=slot))
        for volunteer in committed["volunteers"]
    ]

    results = run_at_once(paris, calls)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sorted(result.status for result in results) == ["confirmed"] * 2 + ["waitlisted"] * 10

    def read() -> dict[str, Any]:
        slot.refresh_from_db()
        rows = list(Participation.objects.filter(slot=slot).values_list("volunteer_id", "status"))
        return {
            "seats": (slot.capacity, slot.confirmed_count),
            "rows": len(rows),
            "volunteers": len({volunteer for volunteer, _ in rows}),
            "confirmed": sum(status == "confirmed" for _, status in rows),
            "audited": AuditEvent.objects.filter(
                action="participation.requested", target_id__in=[r.pk for r in results]
            ).count(),
            "waitlisted_at": list(
                Participation.objects.filter(slot=slot, status="waitlisted").values_list(
                    "waitlisted_at", flat=True
                )
            ),
        }

    found = in_own_connection(paris, read)
    assert found["seats"] == (5, 5)
    assert (found["rows"], found["volunteers"], found["confirmed"]) == (15, 15, 5)
    assert found["audited"] == THREADS
    assert len(found["waitlisted_at"]) == 10 and None not in found["waitlisted_at"]
    # Each volunteer got one e-mail (confirmed or waitlisted) once their transaction committed;
    # the two confirmations carry the calendar invitation.
    volunteer_mails = [m for m in mail.outbox if m.to[0].startswith("concurrent")]
    assert len(volunteer_mails) == THREADS
    assert len([m for m in volunteer_mails if m.attachments]) == 2


def test_one_volunteer_double_clicking_gets_one_participation(committed, paris):
    slot = committed["slot"]
    volunteer = committed["volunteers"][0]

    results = run_at_once(
        paris, [lambda: participation_request(volunteer=volunteer, slot=slot)] * 8
    )

    created = [r for r in results if isinstance(r, Participation)]
    refused = [r for r in results if isinstance(r, EngagementError)]
    assert (len(created), len(refused)) == (1, 7)
    assert {error.code for error in refused} == {EngagementErrorCode.ALREADY_PARTICIPATING}

    def read() -> tuple[int, int]:
        slot.refresh_from_db()
        return (
            Participation.objects.filter(slot=slot, volunteer=volunteer).count(),
            slot.confirmed_count,
        )

    assert in_own_connection(paris, read) == (1, 4)

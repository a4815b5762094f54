"""Every participation transition, allowed and refused; refused ones change nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from engagement.errors import EngagementError, EngagementErrorCode
from engagement.missions.models import Mission, Slot
from engagement.participations.models import Participation
from engagement.participations.services import (
    ONGOING_MAX_HOURS,
    participation_cancel,
    participation_confirm,
    participation_decline,
    participation_mark_attended,
    participation_mark_no_show,
    participation_request,
)
from tenants.audit.models import AuditEvent
from tests.engagement.conftest import audit_actions
from tests.engagement.factories import (
    MissionFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

# Error messages are asserted in English, their source language.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

Status = Participation.Status


def state(slot: Slot) -> tuple:
    """Everything a participation service may write about a slot."""
    slot.refresh_from_db()
    rows = tuple(
        Participation.objects.filter(slot=slot)
        .order_by("id")
        .values_list("id", "volunteer_id", "status", "hours", "waitlisted_at", "decided_at")
    )
    return (slot.confirmed_count, slot.capacity, slot.status, rows, AuditEvent.objects.count())


def assert_refused(code: EngagementErrorCode, call, slot: Slot) -> EngagementError:
    before = state(slot)
    with pytest.raises(EngagementError) as raised:
        call()
    assert raised.value.code == code
    assert state(slot) == before
    return raised.value


def assert_seats_match(slot: Slot) -> None:
    slot.refresh_from_db()
    confirmed = Participation.objects.filter(slot=slot, status=Status.CONFIRMED).count()
    assert slot.confirmed_count == confirmed


# --- Request --------------------------------------------------------------------------------------


def test_request_with_a_free_seat_is_confirmed_and_takes_the_seat(slot, volunteer):
    participation = participation_request(volunteer=volunteer, slot=slot, message="Je viens !")

    assert participation.status == Status.CONFIRMED
    assert participation.message == "Je viens !"
    assert participation.decided_at is not None
    assert participation.waitlisted_at is None
    assert slot.confirmed_count == 1
    slot.refresh_from_db()
    assert slot.confirmed_count == 1
    event = AuditEvent.objects.get()
    assert (event.action, event.target_type, event.target_id, event.actor_id) == (
        "participation.requested",
        "participation",
        participation.pk,
        volunteer.pk,
    )
    assert event.data == {"slot_id": slot.pk, "status": "confirmed"}


def test_request_on_a_full_slot_is_waitlisted_without_a_seat(slot, volunteer):
    ParticipationFactory.create_batch(2, slot=slot)

    participation = participation_request(volunteer=volunteer, slot=slot)

    assert participation.status == Status.WAITLISTED
    assert participation.waitlisted_at is not None
    slot.refresh_from_db()
    assert slot.confirmed_count == 2
    assert_seats_match(slot)


def test_request_on_a_mission_requiring_approval_waits_for_the_organization(
    organization, volunteer
):
    slot = SlotFactory(mission=MissionFactory(organization=organization, requires_approval=True))

    participation = participation_request(volunteer=volunteer, slot=slot)

    assert participation.status == Status.REQUESTED
    slot.refresh_from_db()
    assert slot.confirmed_count == 0


def test_a_second_active_request_on_the_same_slot_is_refused(slot, volunteer):
    participation_request(volunteer=volunteer, slot=slot)

    assert_refused(
        EngagementErrorCode.ALREADY_PARTICIPATING,
        lambda: participation_request(volunteer=volunteer, slot=slot),
        slot,
    )


def test_a_waitlisted_volunteer_cannot_request_again(slot, volunteer):
    ParticipationFactory.create_batch(2, slot=slot)
    participation_request(volunteer=volunteer, slot=slot)

    assert_refused(
        EngagementErrorCode.ALREADY_PARTICIPATING,
        lambda: participation_request(volunteer=volunteer, slot=slot),
        slot,
    )


def test_requesting_again_after_cancelling_creates_a_new_participation(slot, volunteer):
    first = participation_request(volunteer=volunteer, slot=slot)
    participation_cancel(participation=first, actor=volunteer)

    second = participation_request(volunteer=volunteer, slot=slot)

    assert second.pk != first.pk
    assert second.status == Status.CONFIRMED
    assert list(
        Participation.objects.filter(slot=slot).order_by("id").values_list("status", flat=True)
    ) == [Status.CANCELLED, Status.CONFIRMED]
    assert_seats_match(slot)


def test_request_on_a_started_slot_is_refused(started_slot, volunteer):
    assert_refused(
        EngagementErrorCode.SLOT_STARTED,
        lambda: participation_request(volunteer=volunteer, slot=started_slot),
        started_slot,
    )


def test_request_on_a_past_slot_is_refused(mission, volunteer):
    now = timezone.now()
    past = SlotFactory(
        mission=mission,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=2, hours=-3),
    )

    assert_refused(
        EngagementErrorCode.SLOT_STARTED,
        lambda: participation_request(volunteer=volunteer, slot=past),
        past,
    )


def test_request_on_a_cancelled_slot_is_refused(mission, volunteer):
    cancelled = SlotFactory(mission=mission, status=Slot.Status.CANCELLED)

    assert_refused(
        EngagementErrorCode.SLOT_CANCELLED,
        lambda: participation_request(volunteer=volunteer, slot=cancelled),
        cancelled,
    )


@pytest.mark.parametrize(
    "status",
    [
        Mission.Status.DRAFT,
        Mission.Status.IN_REVIEW,
        Mission.Status.CLOSED,
        Mission.Status.CANCELLED,
    ],
)
def test_request_on_a_mission_that_is_not_published_is_refused(organization, volunteer, status):
    slot = SlotFactory(mission=MissionFactory(organization=organization, status=status))

    assert_refused(
        EngagementErrorCode.MISSION_NOT_PUBLISHED,
        lambda: participation_request(volunteer=volunteer, slot=slot),
        slot,
    )


def test_anonymous_request_is_refused(slot):
    error = assert_refused(
        EngagementErrorCode.NOT_ALLOWED,
        lambda: participation_request(volunteer=AnonymousUser(), slot=slot),
        slot,
    )
    assert error.status_code == 403


def test_request_message_is_stored_as_plain_text(slot, volunteer):
    participation = participation_request(
        volunteer=volunteer, slot=slot, message='<b>Bonjour</b><script>alert("x")</script>'
    )

    assert participation.message == "Bonjour"


def test_request_message_longer_than_the_limit_is_refused(slot, volunteer):
    error = assert_refused(
        EngagementErrorCode.TEXT_TOO_LONG,
        lambda: participation_request(volunteer=volunteer, slot=slot, message="x" * 2001),
        slot,
    )
    assert list(error.fields) == ["message"]
    assert error.status_code == 400


# --- Cancel ---------------------------------------------------------------------------------------


def test_cancelling_a_confirmed_participation_promotes_the_earliest_waitlisted(slot, volunteer):
    mine = participation_request(volunteer=volunteer, slot=slot)
    ParticipationFactory(slot=slot)
    now = timezone.now()
    later = ParticipationFactory(
        slot=slot, status=Status.WAITLISTED, waitlisted_at=now - timedelta(minutes=1)
    )
    earliest = ParticipationFactory(
        slot=slot, status=Status.WAITLISTED, waitlisted_at=now - timedelta(minutes=5)
    )

    cancelled = participation_cancel(participation=mine, actor=volunteer)

    assert cancelled.status == Status.CANCELLED
    assert mine.status == Status.CANCELLED
    assert cancelled.cancelled_at is not None
    earliest.refresh_from_db()
    later.refresh_from_db()
    assert earliest.status == Status.CONFIRMED
    assert later.status == Status.WAITLISTED
    slot.refresh_from_db()
    assert slot.confirmed_count == 2
    assert_seats_match(slot)
    assert audit_actions() == [
        "participation.requested",
        "participation.cancelled",
        "participation.promoted",
    ]
    promoted = AuditEvent.objects.get(action="participation.promoted")
    assert (promoted.target_id, promoted.actor_id) == (earliest.pk, volunteer.pk)


def test_cancelling_a_waitlisted_participation_promotes_nobody(slot, volunteer):
    ParticipationFactory.create_batch(2, slot=slot)
    other = ParticipationFactory(slot=slot, status=Status.WAITLISTED)
    mine = participation_request(volunteer=volunteer, slot=slot)

    participation_cancel(participation=mine, actor=volunteer)

    other.refresh_from_db()
    assert other.status == Status.WAITLISTED
    slot.refresh_from_db()
    assert slot.confirmed_count == 2


def test_cancelling_a_request_awaiting_approval(organization, volunteer):
    slot = SlotFactory(mission=MissionFactory(organization=organization, requires_approval=True))
    mine = participation_request(volunteer=volunteer, slot=slot)

    participation_cancel(participation=mine, actor=volunteer)

    mine.refresh_from_db()
    assert mine.status == Status.CANCELLED
    slot.refresh_from_db()
    assert slot.confirmed_count == 0


def test_a_volunteer_cannot_cancel_someone_elses_participation(slot, volunteer):
    theirs = ParticipationFactory(slot=slot)

    error = assert_refused(
        EngagementErrorCode.NOT_OWN_PARTICIPATION,
        lambda: participation_cancel(participation=theirs, actor=volunteer),
        slot,
    )
    assert error.status_code == 403


def test_an_organizer_cannot_cancel_a_volunteers_participation(slot, org_admin):
    theirs = ParticipationFactory(slot=slot)

    assert_refused(
        EngagementErrorCode.NOT_OWN_PARTICIPATION,
        lambda: participation_cancel(participation=theirs, actor=org_admin),
        slot,
    )


def test_cancelling_twice_is_refused(slot, volunteer):
    mine = participation_request(volunteer=volunteer, slot=slot)
    participation_cancel(participation=mine, actor=volunteer)

    error = assert_refused(
        EngagementErrorCode.INVALID_TRANSITION,
        lambda: participation_cancel(participation=mine, actor=volunteer),
        slot,
    )
    assert error.status_code == 409


def test_cancelling_once_the_slot_started_is_refused(started_slot, volunteer):
    mine = ParticipationFactory(slot=started_slot, volunteer=volunteer)

    assert_refused(
        EngagementErrorCode.SLOT_STARTED,
        lambda: participation_cancel(participation=mine, actor=volunteer),
        started_slot,
    )


def test_cancelling_on_an_ongoing_slot_is_always_possible_and_promotes(mission, volunteer):
    ongoing = SlotFactory(mission=mission, ongoing=True, capacity=1)
    mine = participation_request(volunteer=volunteer, slot=ongoing)
    waiting = ParticipationFactory(slot=ongoing, status=Status.WAITLISTED)

    participation_cancel(participation=mine, actor=volunteer)

    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED
    assert_seats_match(ongoing)


def test_cancellation_on_a_closed_mission_still_promotes_the_waiting_list(slot, volunteer):
    mine = participation_request(volunteer=volunteer, slot=slot)
    ParticipationFactory(slot=slot)
    waiting = ParticipationFactory(slot=slot, status=Status.WAITLISTED)
    Mission.objects.filter(pk=slot.mission_id).update(status=Mission.Status.CLOSED)

    participation_cancel(participation=mine, actor=volunteer)

    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED


# --- Confirm and decline ----------------------------------------------------------------------


@pytest.fixture
def approval_slot(organization):
    return SlotFactory(
        mission=MissionFactory(organization=organization, requires_approval=True), capacity=1
    )


def test_confirming_a_request_with_a_free_seat_confirms_it(approval_slot, volunteer, org_admin):
    requested = participation_request(volunteer=volunteer, slot=approval_slot)

    confirmed = participation_confirm(participation=requested, actor=org_admin)

    assert confirmed.status == Status.CONFIRMED
    assert (confirmed.decided_by_id, requested.status) == (org_admin.pk, Status.CONFIRMED)
    approval_slot.refresh_from_db()
    assert approval_slot.confirmed_count == 1
    event = AuditEvent.objects.get(action="participation.confirmed")
    assert event.data == {
        "slot_id": approval_slot.pk,
        "previous_status": "requested",
        "status": "confirmed",
    }


def test_an_editor_can_confirm(approval_slot, volunteer, org_editor):
    requested = participation_request(volunteer=volunteer, slot=approval_slot)

    assert participation_confirm(participation=requested, actor=org_editor).status == (
        Status.CONFIRMED
    )


def test_confirming_a_request_on_a_full_slot_puts_it_on_the_waiting_list(
    approval_slot, volunteer, org_admin
):
    ParticipationFactory(slot=approval_slot)
    requested = participation_request(volunteer=volunteer, slot=approval_slot)

    result = participation_confirm(participation=requested, actor=org_admin)

    assert result.status == Status.WAITLISTED
    assert result.waitlisted_at is not None
    approval_slot.refresh_from_db()
    assert approval_slot.confirmed_count == 1


def test_an_approved_waitlisted_request_is_promoted_when_a_seat_frees(
    approval_slot, volunteer, org_admin
):
    first = ParticipationFactory(slot=approval_slot)
    requested = participation_request(volunteer=volunteer, slot=approval_slot)
    participation_confirm(participation=requested, actor=org_admin)

    participation_cancel(participation=first, actor=first.volunteer)

    requested.refresh_from_db()
    assert requested.status == Status.CONFIRMED
    assert_seats_match(approval_slot)


def test_confirming_a_waitlisted_participation_needs_a_free_seat(slot, org_admin):
    ParticipationFactory.create_batch(2, slot=slot)
    waiting = ParticipationFactory(slot=slot, status=Status.WAITLISTED)

    assert_refused(
        EngagementErrorCode.SLOT_FULL,
        lambda: participation_confirm(participation=waiting, actor=org_admin),
        slot,
    )


def test_confirming_a_waitlisted_participation_with_a_free_seat(slot, org_admin):
    waiting = ParticipationFactory(slot=slot, status=Status.WAITLISTED)

    assert participation_confirm(participation=waiting, actor=org_admin).status == (
        Status.CONFIRMED
    )
    assert_seats_match(slot)


@pytest.mark.parametrize("actor_name", ["volunteer", "outsider"])
def test_only_the_organization_confirms(approval_slot, volunteer, outsider, actor_name):
    requested = ParticipationFactory(slot=approval_slot, status=Status.REQUESTED)
    actor = {"volunteer": volunteer, "outsider": outsider}[actor_name]

    error = assert_refused(
        EngagementErrorCode.NOT_ORGANIZATION_MEMBER,
        lambda: participation_confirm(participation=requested, actor=actor),
        approval_slot,
    )
    assert error.status_code == 403


def test_confirming_a_confirmed_participation_is_refused(slot, org_admin):
    confirmed = ParticipationFactory(slot=slot)

    assert_refused(
        EngagementErrorCode.INVALID_TRANSITION,
        lambda: participation_confirm(participation=confirmed, actor=org_admin),
        slot,
    )


def test_confirming_once_the_slot_started_is_refused(started_slot, org_admin):
    requested = ParticipationFactory(slot=started_slot, status=Status.REQUESTED)

    assert_refused(
        EngagementErrorCode.SLOT_STARTED,
        lambda: participation_confirm(participation=requested, actor=org_admin),
        started_slot,
    )


def test_declining_a_request_records_the_reason(approval_slot, volunteer, org_admin):
    requested = participation_request(volunteer=volunteer, slot=approval_slot)

    declined = participation_decline(
        participation=requested, actor=org_admin, reason="Complet <b>pour</b> cette date"
    )

    assert declined.status == Status.DECLINED
    assert declined.decision_note == "Complet pour cette date"
    assert declined.decided_by_id == org_admin.pk
    assert audit_actions()[-1] == "participation.declined"


def test_declining_a_waitlisted_participation(slot, org_editor):
    waiting = ParticipationFactory(slot=slot, status=Status.WAITLISTED)

    assert participation_decline(participation=waiting, actor=org_editor).status == (
        Status.DECLINED
    )


def test_declining_a_confirmed_participation_is_refused(slot, org_admin):
    confirmed = ParticipationFactory(slot=slot)

    assert_refused(
        EngagementErrorCode.INVALID_TRANSITION,
        lambda: participation_decline(participation=confirmed, actor=org_admin),
        slot,
    )


def test_only_the_organization_declines(approval_slot, outsider):
    requested = ParticipationFactory(slot=approval_slot, status=Status.REQUESTED)

    assert_refused(
        EngagementErrorCode.NOT_ORGANIZATION_MEMBER,
        lambda: participation_decline(participation=requested, actor=outsider),
        approval_slot,
    )


# --- Attendance -----------------------------------------------------------------------------------


def test_marking_attended_records_the_hours_and_frees_the_seat(started_slot, org_admin):
    confirmed = ParticipationFactory(slot=started_slot)

    attended = participation_mark_attended(participation=confirmed, actor=org_admin, hours="2.5")

    assert attended.status == Status.ATTENDED
    assert attended.hours == Decimal("2.50")
    started_slot.refresh_from_db()
    assert started_slot.confirmed_count == 0
    event = AuditEvent.objects.get(action="participation.attended")
    assert event.data == {
        "slot_id": started_slot.pk,
        "previous_status": "confirmed",
        "hours": "2.50",
    }


def test_an_editor_can_mark_attendance(started_slot, org_editor):
    confirmed = ParticipationFactory(slot=started_slot)

    assert participation_mark_no_show(participation=confirmed, actor=org_editor).status == (
        Status.NO_SHOW
    )


def test_marking_attended_before_the_slot_starts_is_refused(slot, org_admin):
    confirmed = ParticipationFactory(slot=slot)

    assert_refused(
        EngagementErrorCode.SLOT_NOT_STARTED,
        lambda: participation_mark_attended(participation=confirmed, actor=org_admin, hours=1),
        slot,
    )


def test_marking_no_show_before_the_slot_starts_is_refused(slot, org_admin):
    confirmed = ParticipationFactory(slot=slot)

    assert_refused(
        EngagementErrorCode.SLOT_NOT_STARTED,
        lambda: participation_mark_no_show(participation=confirmed, actor=org_admin),
        slot,
    )


@pytest.mark.parametrize("hours", [0, -1, "3.01", "abc", None, "NaN", "Infinity"])
def test_hours_must_be_positive_and_within_the_slot(started_slot, org_admin, hours):
    confirmed = ParticipationFactory(slot=started_slot)

    error = assert_refused(
        EngagementErrorCode.HOURS_INVALID,
        lambda: participation_mark_attended(participation=confirmed, actor=org_admin, hours=hours),
        started_slot,
    )
    assert list(error.fields) == ["hours"]


def test_hours_up_to_the_slot_duration_are_accepted(started_slot, org_admin):
    confirmed = ParticipationFactory(slot=started_slot)

    attended = participation_mark_attended(participation=confirmed, actor=org_admin, hours=3)

    assert attended.hours == Decimal("3.00")


def test_ongoing_slot_hours_are_bounded(mission, org_admin):
    ongoing = SlotFactory(mission=mission, ongoing=True)
    confirmed = ParticipationFactory(slot=ongoing)

    assert_refused(
        EngagementErrorCode.HOURS_INVALID,
        lambda: participation_mark_attended(
            participation=confirmed, actor=org_admin, hours=ONGOING_MAX_HOURS + 1
        ),
        ongoing,
    )
    attended = participation_mark_attended(
        participation=confirmed, actor=org_admin, hours=ONGOING_MAX_HOURS
    )
    assert attended.hours == ONGOING_MAX_HOURS


def test_attendance_on_an_ongoing_slot_frees_the_seat_for_the_waiting_list(mission, org_admin):
    ongoing = SlotFactory(mission=mission, ongoing=True, capacity=1)
    confirmed = ParticipationFactory(slot=ongoing)
    waiting = ParticipationFactory(slot=ongoing, status=Status.WAITLISTED)

    participation_mark_attended(participation=confirmed, actor=org_admin, hours=12)

    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED
    assert_seats_match(ongoing)


def test_attendance_on_a_started_dated_slot_promotes_nobody(started_slot, org_admin):
    Slot.objects.filter(pk=started_slot.pk).update(capacity=1)
    confirmed = ParticipationFactory(slot=started_slot)
    waiting = ParticipationFactory(slot=started_slot, status=Status.WAITLISTED)

    participation_mark_no_show(participation=confirmed, actor=org_admin)

    waiting.refresh_from_db()
    assert waiting.status == Status.WAITLISTED


def test_a_no_show_can_be_corrected_to_attended(started_slot, org_admin):
    confirmed = ParticipationFactory(slot=started_slot)
    participation_mark_no_show(participation=confirmed, actor=org_admin)

    corrected = participation_mark_attended(participation=confirmed, actor=org_admin, hours=2)

    assert (corrected.status, corrected.hours) == (Status.ATTENDED, Decimal("2.00"))
    assert_seats_match(started_slot)


@pytest.mark.parametrize(
    "status", [Status.REQUESTED, Status.WAITLISTED, Status.DECLINED, Status.CANCELLED]
)
def test_attendance_needs_a_confirmed_participation(started_slot, org_admin, status):
    participation = ParticipationFactory(slot=started_slot, status=status)

    assert_refused(
        EngagementErrorCode.INVALID_TRANSITION,
        lambda: participation_mark_attended(participation=participation, actor=org_admin, hours=1),
        started_slot,
    )
    assert_refused(
        EngagementErrorCode.INVALID_TRANSITION,
        lambda: participation_mark_no_show(participation=participation, actor=org_admin),
        started_slot,
    )


def test_a_no_show_cannot_be_marked_again(started_slot, org_admin):
    participation = ParticipationFactory(slot=started_slot, status=Status.NO_SHOW)

    assert_refused(
        EngagementErrorCode.INVALID_TRANSITION,
        lambda: participation_mark_no_show(participation=participation, actor=org_admin),
        started_slot,
    )


@pytest.mark.parametrize("actor_name", ["volunteer", "outsider"])
def test_only_the_organization_marks_attendance(started_slot, volunteer, outsider, actor_name):
    confirmed = ParticipationFactory(slot=started_slot, volunteer=volunteer)
    actor = {"volunteer": volunteer, "outsider": outsider}[actor_name]

    assert_refused(
        EngagementErrorCode.NOT_ORGANIZATION_MEMBER,
        lambda: participation_mark_attended(participation=confirmed, actor=actor, hours=1),
        started_slot,
    )


def test_a_long_sequence_keeps_the_seat_count_exact(mission, org_admin):
    slot = SlotFactory(mission=mission, capacity=3)
    volunteers = UserFactory.create_batch(6)
    participations = [participation_request(volunteer=v, slot=slot) for v in volunteers]
    assert [p.status for p in participations] == [Status.CONFIRMED] * 3 + [Status.WAITLISTED] * 3

    participation_cancel(participation=participations[0], actor=volunteers[0])
    participation_cancel(participation=participations[4], actor=volunteers[4])
    participation_cancel(participation=participations[1], actor=volunteers[1])

    statuses = list(
        Participation.objects.filter(slot=slot).order_by("id").values_list("status", flat=True)
    )
    assert statuses == [
        Status.CANCELLED,
        Status.CANCELLED,
        Status.CONFIRMED,
        Status.CONFIRMED,
        Status.CANCELLED,
        Status.CONFIRMED,
    ]
    assert_seats_match(slot)


def test_the_database_refuses_overbooking_even_without_the_services(slot):
    from django.db import IntegrityError, transaction

    ParticipationFactory.create_batch(2, slot=slot)

    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(confirmed_count=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(capacity=0, confirmed_count=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipationFactory(slot=slot, status=Status.WAITLISTED, waitlisted_at=None)

    slot.refresh_from_db()
    assert (slot.capacity, slot.confirmed_count) == (2, 2)

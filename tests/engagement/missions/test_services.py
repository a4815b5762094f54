"""Mission lifecycle with and without moderation, edits, slots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from engagement.errors import EngagementError, EngagementErrorCode
from engagement.missions.models import Mission, Slot
from engagement.missions.services import (
    mission_cancel,
    mission_close,
    mission_create,
    mission_publish,
    mission_reject,
    mission_submit,
    mission_update,
    slot_cancel,
    slot_create,
    slot_update,
)
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from tenants.audit.models import AuditEvent
from tests.engagement.conftest import audit_actions
from tests.engagement.factories import (
    MissionFactory,
    ModeratorFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    TenantAdminFactory,
    paris_point,
)

# Error messages are asserted in English, their source language.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

Status = Mission.Status


def mission_state(mission: Mission) -> tuple:
    mission.refresh_from_db()
    return (
        mission.status,
        mission.title,
        mission.description,
        mission.moderation_note,
        mission.published_at,
        AuditEvent.objects.count(),
        Slot.objects.filter(mission=mission).count(),
    )


def assert_refused(code: EngagementErrorCode, call, mission: Mission) -> EngagementError:
    before = mission_state(mission)
    with pytest.raises(EngagementError) as raised:
        call()
    assert raised.value.code == code
    assert mission_state(mission) == before
    return raised.value


@pytest.fixture
def moderator(in_paris):
    return ModeratorFactory()


@pytest.fixture
def moderation_off(in_paris):
    tenant = connection.tenant
    tenant.moderation_enabled = False
    yield
    tenant.moderation_enabled = True


@pytest.fixture
def draft(organization):
    """A draft with one upcoming date (what submitting needs)."""
    mission = MissionFactory(organization=organization, status=Status.DRAFT)
    SlotFactory(mission=mission)
    return mission


# --- Create and update ----------------------------------------------------------------------------


def test_an_editor_creates_a_sanitized_searchable_draft(organization, org_editor):
    mission = mission_create(
        organization=organization,
        actor=org_editor,
        title="  Maraude <b>solidaire</b> ",
        summary="Aller vers les personnes à la rue",
        description='<p onclick="x()">Le <strong>mardi</strong> soir<script>alert(1)</script></p>',
        cause_ids=[1],
        skill_ids=[2],
        location=paris_point(2.3700, 48.8675),
        address="Place de la République",
        postcode="75011",
        city="Paris",
        requires_approval=True,
    )

    mission.refresh_from_db()
    assert mission.status == Status.DRAFT
    assert mission.title == "Maraude solidaire"
    assert mission.description == "<p>Le <strong>mardi</strong> soir</p>"
    assert list(mission.causes.values_list("pk", flat=True)) == [1]
    assert list(mission.skills.values_list("pk", flat=True)) == [2]
    assert mission.requires_approval is True
    assert mission.created_by_id == org_editor.pk
    assert mission.search_vector is not None
    assert Mission.objects.filter(pk=mission.pk, search_vector="maraude").exists()
    assert audit_actions() == ["mission.created"]


def test_a_remote_mission_drops_its_point(organization, org_admin):
    mission = mission_create(
        organization=organization,
        actor=org_admin,
        title="Soutien scolaire en visio",
        is_remote=True,
        location=paris_point(),
    )

    assert (mission.is_remote, mission.location) == (True, None)


def test_a_mission_needs_a_point_or_remote(organization, org_admin):
    with pytest.raises(EngagementError) as raised:
        mission_create(organization=organization, actor=org_admin, title="Quelque part")

    assert raised.value.code == EngagementErrorCode.LOCATION_REQUIRED
    assert list(raised.value.fields) == ["location"]
    assert Mission.objects.count() == 0


@pytest.mark.parametrize(
    "location", [Point(200, 48, srid=4326), Point(2, 95, srid=4326), (2.35, 48.85)]
)
def test_invalid_coordinates_are_refused(organization, org_admin, location):
    with pytest.raises(EngagementError) as raised:
        mission_create(organization=organization, actor=org_admin, title="X", location=location)

    assert raised.value.code == EngagementErrorCode.INVALID
    assert Mission.objects.count() == 0


def test_unknown_cause_is_refused(organization, org_admin):
    with pytest.raises(EngagementError) as raised:
        mission_create(
            organization=organization,
            actor=org_admin,
            title="X",
            location=paris_point(),
            cause_ids=[99999],
        )

    assert raised.value.code == EngagementErrorCode.UNKNOWN_CAUSE
    assert Mission.objects.count() == 0


def test_a_title_too_long_is_refused(organization, org_admin):
    with pytest.raises(EngagementError) as raised:
        mission_create(
            organization=organization, actor=org_admin, title="x" * 161, location=paris_point()
        )

    assert raised.value.code == EngagementErrorCode.TEXT_TOO_LONG
    assert raised.value.fields == {"title": ["At most 160 characters."]}


@pytest.mark.parametrize("actor_name", ["outsider", "volunteer", "moderator"])
def test_only_members_create_missions(organization, outsider, volunteer, moderator, actor_name):
    actor = {"outsider": outsider, "volunteer": volunteer, "moderator": moderator}[actor_name]

    with pytest.raises(EngagementError) as raised:
        mission_create(organization=organization, actor=actor, title="X", location=paris_point())

    assert raised.value.code == EngagementErrorCode.NOT_ORGANIZATION_MEMBER
    assert Mission.objects.count() == 0


def test_a_rejected_organization_cannot_create_missions(org_admin, organization):
    Organization.objects.filter(pk=organization.pk).update(
        verification_status=Organization.Verification.REJECTED
    )
    organization.refresh_from_db()

    with pytest.raises(EngagementError) as raised:
        mission_create(
            organization=organization, actor=org_admin, title="X", location=paris_point()
        )

    assert raised.value.code == EngagementErrorCode.ORGANIZATION_NOT_VERIFIED


def test_updating_texts_refreshes_search_and_audits_the_fields(mission, org_editor):
    updated = mission_update(
        mission=mission,
        actor=org_editor,
        title="Collecte de jouets",
        description="<p>Avant Noël</p><img src=x onerror=alert(1)>",
        cause_ids=[3],
    )

    assert updated.title == mission.title == "Collecte de jouets"
    assert updated.description == "<p>Avant Noël</p>"
    assert Mission.objects.filter(pk=mission.pk, search_vector="jouets").exists()
    event = AuditEvent.objects.get(action="mission.updated")
    assert event.data == {"fields": ["description", "title", "causes"]}
    assert updated.status == Status.PUBLISHED


def test_an_outsider_cannot_update(mission, outsider):
    assert_refused(
        EngagementErrorCode.NOT_ORGANIZATION_MEMBER,
        lambda: mission_update(mission=mission, actor=outsider, title="Pirate"),
        mission,
    )


@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED])
def test_closed_or_cancelled_missions_cannot_be_edited(organization, org_admin, status):
    mission = MissionFactory(organization=organization, status=status)

    assert_refused(
        EngagementErrorCode.MISSION_NOT_EDITABLE,
        lambda: mission_update(mission=mission, actor=org_admin, title="Nouveau"),
        mission,
    )


def test_update_rejects_unknown_fields(mission, org_admin):
    with pytest.raises(TypeError):
        mission_update(mission=mission, actor=org_admin, status="published")


# --- Submit, publish, reject ----------------------------------------------------------------------


def test_submitting_under_moderation_sends_to_review(draft, org_editor):
    submitted = mission_submit(mission=draft, actor=org_editor)

    assert submitted.status == draft.status == Status.IN_REVIEW
    assert submitted.published_at is None
    assert audit_actions() == ["mission.submitted"]


def test_submitting_without_moderation_publishes(draft, org_admin, moderation_off):
    submitted = mission_submit(mission=draft, actor=org_admin)

    assert submitted.status == Status.PUBLISHED
    assert submitted.published_at is not None
    assert audit_actions() == ["mission.published"]


@pytest.mark.parametrize("moderated", [True, False])
@pytest.mark.parametrize(
    "slots",
    [
        [],
        [{"status": Slot.Status.CANCELLED}],
        [{"starts_at": timezone.now() - timedelta(hours=1)}],
        [
            {"ongoing": True, "status": Slot.Status.CANCELLED},
            {"starts_at": timezone.now() - timedelta(days=3)},
        ],
    ],
    ids=["no-slot", "cancelled", "started", "cancelled-ongoing-and-past"],
)
def test_a_mission_without_a_date_to_join_cannot_be_submitted(
    organization, org_admin, moderated, slots
):
    connection.tenant.moderation_enabled = moderated
    try:
        mission = MissionFactory(organization=organization, status=Status.DRAFT)
        for fields in slots:
            SlotFactory(mission=mission, **fields)

        error = assert_refused(
            EngagementErrorCode.MISSION_WITHOUT_DATES,
            lambda: mission_submit(mission=mission, actor=org_admin),
            mission,
        )
    finally:
        connection.tenant.moderation_enabled = True

    assert error.status_code == 409
    assert "upcoming date" in str(error)


@pytest.mark.parametrize(
    "fields",
    [{"ongoing": True}, {"starts_in": timedelta(minutes=5)}],
    ids=["ongoing", "in-five-minutes"],
)
def test_one_open_ongoing_or_upcoming_slot_is_enough_to_submit(organization, org_admin, fields):
    # "In five minutes" counts from the test's own start, not from collection time.
    if "starts_in" in fields:
        fields = {"starts_at": timezone.now() + fields["starts_in"]}
    mission = MissionFactory(organization=organization, status=Status.DRAFT)
    SlotFactory(mission=mission, status=Slot.Status.CANCELLED)
    SlotFactory(mission=mission, **fields)

    assert mission_submit(mission=mission, actor=org_admin).status == Status.IN_REVIEW


def test_without_moderation_an_unverified_organization_cannot_publish(in_paris, moderation_off):
    from tests.engagement.factories import MembershipFactory

    pending = OrganizationFactory(verification_status=Organization.Verification.PENDING)
    admin = MembershipFactory(organization=pending).user
    mission = MissionFactory(organization=pending, status=Status.DRAFT)
    SlotFactory(mission=mission)

    assert_refused(
        EngagementErrorCode.ORGANIZATION_NOT_VERIFIED,
        lambda: mission_submit(mission=mission, actor=admin),
        mission,
    )


def test_under_moderation_an_unverified_organization_may_submit_but_not_be_published(
    in_paris, moderator
):
    from tests.engagement.factories import MembershipFactory

    pending = OrganizationFactory(verification_status=Organization.Verification.PENDING)
    admin = MembershipFactory(organization=pending).user
    mission = MissionFactory(organization=pending, status=Status.DRAFT)
    SlotFactory(mission=mission)

    mission_submit(mission=mission, actor=admin)

    assert mission.status == Status.IN_REVIEW
    assert_refused(
        EngagementErrorCode.ORGANIZATION_NOT_VERIFIED,
        lambda: mission_publish(mission=mission, actor=moderator),
        mission,
    )


@pytest.mark.parametrize("status", [Status.IN_REVIEW, Status.PUBLISHED, Status.CLOSED])
def test_only_drafts_are_submitted(organization, org_admin, status):
    mission = MissionFactory(organization=organization, status=status)

    assert_refused(
        EngagementErrorCode.INVALID_TRANSITION,
        lambda: mission_submit(mission=mission, actor=org_admin),
        mission,
    )


def test_an_outsider_cannot_submit(draft, outsider):
    assert_refused(
        EngagementErrorCode.NOT_ORGANIZATION_MEMBER,
        lambda: mission_submit(mission=draft, actor=outsider),
        draft,
    )


def test_a_moderator_publishes_a_mission_in_review(organization, moderator):
    mission = MissionFactory(organization=organization, status=Status.IN_REVIEW)

    published = mission_publish(mission=mission, actor=moderator)

    assert published.status == Status.PUBLISHED
    assert published.published_at is not None
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id) == ("mission.published", moderator.pk)


def test_a_tenant_admin_publishes_too(organization, in_paris):
    mission = MissionFactory(organization=organization, status=Status.IN_REVIEW)

    assert mission_publish(mission=mission, actor=TenantAdminFactory()).status == Status.PUBLISHED


@pytest.mark.parametrize("actor_name", ["org_admin", "volunteer"])
def test_members_and_volunteers_do_not_moderate(organization, org_admin, volunteer, actor_name):
    mission = MissionFactory(organization=organization, status=Status.IN_REVIEW)
    actor = {"org_admin": org_admin, "volunteer": volunteer}[actor_name]

    error = assert_refused(
        EngagementErrorCode.NOT_MODERATOR,
        lambda: mission_publish(mission=mission, actor=actor),
        mission,
    )
    assert error.status_code == 403
    assert_refused(
        EngagementErrorCode.NOT_MODERATOR,
        lambda: mission_reject(mission=mission, actor=actor, note="Non"),
        mission,
    )


def test_publishing_a_draft_is_refused(draft, moderator):
    assert_refused(
        EngagementErrorCode.INVALID_TRANSITION,
        lambda: mission_publish(mission=draft, actor=moderator),
        draft,
    )


def test_rejecting_sends_back_to_draft_with_the_note(organization, moderator):
    mission = MissionFactory(organization=organization, status=Status.IN_REVIEW)

    rejected = mission_reject(mission=mission, actor=moderator, note="Précisez l'adresse.")

    assert (rejected.status, rejected.moderation_note) == (Status.DRAFT, "Précisez l'adresse.")
    assert AuditEvent.objects.get().data == {"note": "Précisez l'adresse."}


def test_rejecting_needs_a_note(organization, moderator):
    mission = MissionFactory(organization=organization, status=Status.IN_REVIEW)

    error = assert_refused(
        EngagementErrorCode.NOTE_REQUIRED,
        lambda: mission_reject(mission=mission, actor=moderator, note="  <b></b> "),
        mission,
    )
    assert list(error.fields) == ["note"]


def test_resubmitting_after_rejection_clears_the_note_on_publication(organization, moderator):
    mission = MissionFactory(organization=organization, status=Status.IN_REVIEW)
    mission_reject(mission=mission, actor=moderator, note="Ajoutez une photo.")
    Mission.objects.filter(pk=mission.pk).update(status=Status.IN_REVIEW)

    published = mission_publish(mission=mission, actor=moderator)

    assert published.moderation_note == ""


# --- Close and cancel -----------------------------------------------------------------------------


def test_closing_keeps_participations(slot, org_admin):
    confirmed = ParticipationFactory(slot=slot)

    closed = mission_close(mission=slot.mission, actor=org_admin)

    assert closed.status == Status.CLOSED
    confirmed.refresh_from_db()
    assert confirmed.status == Participation.Status.CONFIRMED


def test_a_moderator_can_close(mission, moderator):
    assert mission_close(mission=mission, actor=moderator).status == Status.CLOSED


def test_closing_a_draft_is_refused(draft, org_admin):
    assert_refused(
        EngagementErrorCode.INVALID_TRANSITION,
        lambda: mission_close(mission=draft, actor=org_admin),
        draft,
    )


def test_an_outsider_cannot_close_or_cancel(mission, outsider):
    assert_refused(
        EngagementErrorCode.NOT_ORGANIZATION_MEMBER,
        lambda: mission_close(mission=mission, actor=outsider),
        mission,
    )
    assert_refused(
        EngagementErrorCode.NOT_ORGANIZATION_MEMBER,
        lambda: mission_cancel(mission=mission, actor=outsider),
        mission,
    )


def test_cancelling_cancels_upcoming_slots_and_their_participations(mission, org_admin):
    upcoming = SlotFactory(mission=mission, capacity=1)
    confirmed = ParticipationFactory(slot=upcoming)
    waiting = ParticipationFactory(slot=upcoming, status=Participation.Status.WAITLISTED)
    now = timezone.now()
    past = SlotFactory(
        mission=mission,
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3, hours=-2),
    )
    attended = ParticipationFactory(slot=past, status=Participation.Status.ATTENDED, hours=2)
    ongoing = SlotFactory(mission=mission, ongoing=True)

    cancelled = mission_cancel(mission=mission, actor=org_admin)

    assert cancelled.status == Status.CANCELLED
    for participation in (confirmed, waiting, attended):
        participation.refresh_from_db()
    assert (confirmed.status, waiting.status, attended.status) == (
        Participation.Status.CANCELLED,
        Participation.Status.CANCELLED,
        Participation.Status.ATTENDED,
    )
    statuses = dict(Slot.objects.filter(mission=mission).values_list("pk", "status"))
    assert statuses == {
        upcoming.pk: Slot.Status.CANCELLED,
        past.pk: Slot.Status.OPEN,
        ongoing.pk: Slot.Status.CANCELLED,
    }
    upcoming.refresh_from_db()
    assert upcoming.confirmed_count == 0
    event = AuditEvent.objects.get(action="mission.cancelled")
    assert event.data == {
        "previous_status": "published",
        "slot_ids": sorted([upcoming.pk, ongoing.pk]),
        "participations_cancelled": 2,
    }


def test_cancelling_twice_is_refused(mission, org_admin):
    mission_cancel(mission=mission, actor=org_admin)

    assert_refused(
        EngagementErrorCode.INVALID_TRANSITION,
        lambda: mission_cancel(mission=mission, actor=org_admin),
        mission,
    )


# --- Slots ----------------------------------------------------------------------------------------


def test_creating_a_dated_slot_sets_its_time_bit_in_the_tenant_zone(mission, org_editor):
    # Saturday 2031-03-01 09:00 UTC is 10:00 in Paris: Saturday (5) morning (0) → bit 15.
    starts = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)

    slot = slot_create(
        mission=mission,
        actor=org_editor,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        capacity=8,
    )

    assert (slot.capacity, slot.confirmed_count, slot.time_bit) == (8, 0, 15)
    assert audit_actions() == ["slot.created"]


def test_creating_an_ongoing_slot(mission, org_admin):
    slot = slot_create(mission=mission, actor=org_admin, capacity=5)

    assert (slot.starts_at, slot.ends_at, slot.time_bit, slot.is_ongoing) == (
        None,
        None,
        None,
        True,
    )


@pytest.mark.parametrize(
    ("start_offset", "duration", "field"),
    [
        (timedelta(hours=-1), timedelta(hours=2), "starts_at"),
        (timedelta(days=1), timedelta(hours=-1), "ends_at"),
        (timedelta(days=1), timedelta(days=32), "ends_at"),
        (timedelta(days=1), None, "starts_at"),
    ],
)
def test_invalid_slot_dates_are_refused(mission, org_admin, start_offset, duration, field):
    starts = timezone.now() + start_offset
    ends = starts + duration if duration is not None else None

    with pytest.raises(EngagementError) as raised:
        slot_create(mission=mission, actor=org_admin, starts_at=starts, ends_at=ends, capacity=3)

    assert raised.value.code == EngagementErrorCode.SLOT_DATES_INVALID
    assert list(raised.value.fields) == [field]
    assert Slot.objects.count() == 0


@pytest.mark.parametrize(
    "starts",
    [
        # Year 9999 in a zone west of UTC is year 10000 in PostgreSQL: unreadable once stored.
        datetime(9999, 12, 31, 20, 0, tzinfo=ZoneInfo("America/Toronto")),
        datetime(9999, 12, 31, 9, 0, tzinfo=UTC),
        "five years and a month",
    ],
)
def test_slot_dates_beyond_five_years_are_refused(mission, org_admin, starts):
    if starts == "five years and a month":
        starts = timezone.now() + timedelta(days=5 * 366 + 31)

    with pytest.raises(EngagementError) as raised:
        slot_create(
            mission=mission,
            actor=org_admin,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=3,
        )

    assert raised.value.code == EngagementErrorCode.SLOT_DATES_INVALID
    assert raised.value.fields == {"starts_at": ["A date can be planned at most five years ahead."]}
    assert Slot.objects.count() == 0


def test_moving_a_slot_beyond_five_years_is_refused_and_keeps_it(slot, org_admin):
    before = (slot.starts_at, slot.ends_at)
    starts = datetime(9999, 12, 31, 20, 0, tzinfo=ZoneInfo("America/Toronto"))

    with pytest.raises(EngagementError) as raised:
        slot_update(
            slot=slot, actor=org_admin, starts_at=starts, ends_at=starts + timedelta(hours=1)
        )

    assert list(raised.value.fields) == ["starts_at"]
    slot.refresh_from_db()
    assert (slot.starts_at, slot.ends_at) == before


@pytest.mark.parametrize("capacity", [0, -3, 10_001, "many", None, True])
def test_invalid_capacity_is_refused(mission, org_admin, capacity):
    with pytest.raises(EngagementError) as raised:
        slot_create(mission=mission, actor=org_admin, capacity=capacity)

    assert raised.value.code == EngagementErrorCode.CAPACITY_INVALID
    assert Slot.objects.count() == 0


def test_an_outsider_cannot_add_slots(mission, outsider):
    assert_refused(
        EngagementErrorCode.NOT_ORGANIZATION_MEMBER,
        lambda: slot_create(mission=mission, actor=outsider, capacity=3),
        mission,
    )


def test_no_slot_on_a_cancelled_mission(organization, org_admin):
    mission = MissionFactory(organization=organization, status=Status.CANCELLED)

    assert_refused(
        EngagementErrorCode.MISSION_NOT_EDITABLE,
        lambda: slot_create(mission=mission, actor=org_admin, capacity=3),
        mission,
    )


def test_raising_capacity_promotes_the_waiting_list_in_order(slot, org_admin):
    ParticipationFactory.create_batch(2, slot=slot)
    now = timezone.now()
    second = ParticipationFactory(
        slot=slot, status=Participation.Status.WAITLISTED, waitlisted_at=now
    )
    first = ParticipationFactory(
        slot=slot,
        status=Participation.Status.WAITLISTED,
        waitlisted_at=now - timedelta(minutes=2),
    )
    third = ParticipationFactory(
        slot=slot,
        status=Participation.Status.WAITLISTED,
        waitlisted_at=now + timedelta(minutes=2),
    )

    updated = slot_update(slot=slot, actor=org_admin, capacity=4)

    assert (updated.capacity, updated.confirmed_count) == (4, 4)
    assert (slot.capacity, slot.confirmed_count) == (4, 4)
    for participation in (first, second, third):
        participation.refresh_from_db()
    assert [first.status, second.status, third.status] == [
        Participation.Status.CONFIRMED,
        Participation.Status.CONFIRMED,
        Participation.Status.WAITLISTED,
    ]
    assert audit_actions() == ["slot.updated", "participation.promoted", "participation.promoted"]


def test_capacity_never_goes_below_the_confirmed(slot, org_admin):
    ParticipationFactory.create_batch(2, slot=slot)

    with pytest.raises(EngagementError) as raised:
        slot_update(slot=slot, actor=org_admin, capacity=1)

    assert raised.value.code == EngagementErrorCode.CAPACITY_BELOW_CONFIRMED
    slot.refresh_from_db()
    assert (slot.capacity, slot.confirmed_count) == (2, 2)


def test_moving_a_slot_recomputes_its_time_bit(slot, org_admin):
    # Wednesday 2031-03-05 18:30 UTC is 19:30 in Paris: Wednesday (2) evening (2) → bit 8.
    starts = datetime(2031, 3, 5, 18, 30, tzinfo=UTC)

    updated = slot_update(
        slot=slot, actor=org_admin, starts_at=starts, ends_at=starts + timedelta(hours=2)
    )

    assert (updated.starts_at, updated.time_bit) == (starts, 8)
    assert AuditEvent.objects.get().data == {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
    }


def test_a_started_slot_cannot_be_moved(started_slot, org_admin):
    starts = timezone.now() + timedelta(days=3)

    with pytest.raises(EngagementError) as raised:
        slot_update(
            slot=started_slot,
            actor=org_admin,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        )

    assert raised.value.code == EngagementErrorCode.SLOT_STARTED


def test_cancelling_a_slot_cancels_its_participations(slot, org_admin):
    confirmed = ParticipationFactory(slot=slot)
    requested = ParticipationFactory(slot=slot, status=Participation.Status.REQUESTED)

    cancelled = slot_cancel(slot=slot, actor=org_admin)

    assert (cancelled.status, cancelled.confirmed_count) == (Slot.Status.CANCELLED, 0)
    confirmed.refresh_from_db()
    requested.refresh_from_db()
    assert confirmed.status == requested.status == Participation.Status.CANCELLED
    assert audit_actions() == [
        "participation.cancelled_by_organizer",
        "participation.cancelled_by_organizer",
        "slot.cancelled",
    ]


def test_cancelling_a_slot_twice_or_by_an_outsider_is_refused(slot, org_admin, outsider):
    with pytest.raises(EngagementError) as raised:
        slot_cancel(slot=slot, actor=outsider)
    assert raised.value.code == EngagementErrorCode.NOT_ORGANIZATION_MEMBER
    slot_cancel(slot=slot, actor=org_admin)

    with pytest.raises(EngagementError) as raised:
        slot_cancel(slot=slot, actor=org_admin)

    assert raised.value.code == EngagementErrorCode.INVALID_TRANSITION
    assert AuditEvent.objects.count() == 1


def test_a_cancelled_slot_cannot_be_updated(slot, org_admin):
    slot_cancel(slot=slot, actor=org_admin)

    with pytest.raises(EngagementError) as raised:
        slot_update(slot=slot, actor=org_admin, capacity=5)

    assert raised.value.code == EngagementErrorCode.SLOT_CANCELLED

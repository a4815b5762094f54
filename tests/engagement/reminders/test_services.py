"""Reminders over a real SMTP server on loopback: which are due when (in the tenant's calendar
days), once, never in quiet hours, only for confirmed participations on live slots, as the
recipient's preferences say; and the answers ("Yes", "I can't come", the hours)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.emails.models import EmailPreferences
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.missions.models import Mission, Slot
from engagement.participations.models import Participation
from engagement.participations.services import participation_mark_attended
from engagement.reminders import services
from engagement.reminders.models import Reminder
from engagement.reminders.selectors import participations_with_answers, reminder_for_answer
from tests.engagement.conftest import audit_actions
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
    paris_point,
)
from tests.engagement.reminders.conftest import local_at

pytestmark = pytest.mark.django_db

Status = Participation.Status


def _plan(now, capture) -> int:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return services.reminders_plan(now=now)


def _slot(at, days: int, hour: int = 10, **kwargs):  # type: ignore[no-untyped-def]
    starts = at(days, hour)
    return SlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=3), **kwargs)


def _links(text: str) -> list[str]:
    return re.findall(r"https?://\S+/rappels/[^/\s]+/", text)


def test_still_coming_goes_out_two_local_days_before_with_yes_and_cancel_links(
    in_paris, at, smtp_inbox, django_capture_on_commit_callbacks
):
    volunteer = UserFactory(email="lea@example.org", first_name="Léa", language="en")
    slot = _slot(at, 12, mission=MissionFactory(title="Maraude du soir"))
    participation = ParticipationFactory(slot=slot, volunteer=volunteer)

    assert _plan(at(9, 12), django_capture_on_commit_callbacks) == 0  # three days before
    assert _plan(at(10, 12), django_capture_on_commit_callbacks) == 1

    [received] = smtp_inbox.to("lea@example.org")
    assert received.subject.startswith(f"[{in_paris.name}] Toujours partant·e ? Maraude du soir")
    yes_url, cancel_url = _links(received.text)
    assert yes_url in received.html and cancel_url in received.html
    reminder = Reminder.objects.get(participation=participation)
    assert (reminder.kind, reminder.status) == (Reminder.Kind.STILL_COMING, Reminder.Status.SENT)
    assert reminder.sent_at is not None
    token = yes_url.rstrip("/").rsplit("/", 1)[1]
    assert reminder_for_answer(token) == (reminder, "yes")


def test_no_reminder_twice_however_often_the_run_comes(
    in_paris, at, smtp_inbox, django_capture_on_commit_callbacks
):
    ParticipationFactory(slot=_slot(at, 12), volunteer=UserFactory(email="sam@example.org"))
    assert _plan(at(10, 9), django_capture_on_commit_callbacks) == 1
    assert _plan(at(10, 9), django_capture_on_commit_callbacks) == 0
    assert _plan(at(10, 18), django_capture_on_commit_callbacks) == 0
    assert len(smtp_inbox.to("sam@example.org")) == 1
    # A task delivered twice sends nothing more: its row is no longer pending.
    reminder = Reminder.objects.get()
    assert services.reminders_send(reminder_ids=[reminder.pk]) == 0
    assert len(smtp_inbox.to("sam@example.org")) == 1


def test_the_window_follows_the_tenants_calendar_days(
    in_paris, at, smtp_inbox, django_capture_on_commit_callbacks
):
    # Just after local midnight on day 12, and just before it on day 11: only the first is "two
    # days after" day 10.
    early = ParticipationFactory(slot=_slot(at, 12, hour=0), volunteer=UserFactory())
    late = SlotFactory(
        starts_at=local_at(in_paris, 11, 23, 30), ends_at=local_at(in_paris, 12, 1, 0)
    )
    ParticipationFactory(slot=late, volunteer=UserFactory())
    _plan(at(10, 12), django_capture_on_commit_callbacks)
    assert {(r.participation_id, r.kind) for r in Reminder.objects.all()} == {
        (early.pk, Reminder.Kind.STILL_COMING),
        (late.participations.get().pk, Reminder.Kind.DAY_BEFORE),
    }


def test_quiet_hours_hold_reminders_until_they_end(
    in_paris, at, smtp_inbox, django_capture_on_commit_callbacks, settings
):
    settings.REMINDERS_QUIET_HOURS_START, settings.REMINDERS_QUIET_HOURS_END = 21, 8
    ParticipationFactory(slot=_slot(at, 12), volunteer=UserFactory(email="noa@example.org"))
    for hour in (21, 23, 0, 7):
        assert _plan(at(10 if hour >= 21 else 11, hour), django_capture_on_commit_callbacks) == 0
    assert smtp_inbox.to("noa@example.org") == []
    # 08:00 on day 11 is the day before: the reminder of that day goes out.
    assert _plan(at(11, 8), django_capture_on_commit_callbacks) == 1
    [received] = smtp_inbox.to("noa@example.org")
    assert Reminder.objects.get().kind == Reminder.Kind.DAY_BEFORE


def test_only_confirmed_participations_on_live_slots_are_reminded(
    in_paris, at, smtp_inbox, django_capture_on_commit_callbacks
):
    slot = _slot(at, 12)
    confirmed = ParticipationFactory(slot=slot)
    for status in (Status.WAITLISTED, Status.REQUESTED, Status.CANCELLED, Status.DECLINED):
        ParticipationFactory(slot=slot, status=status)
    cancelled_slot = _slot(at, 12, status=Slot.Status.CANCELLED)
    ParticipationFactory(slot=cancelled_slot)
    cancelled_mission = _slot(at, 12, mission=MissionFactory(status=Mission.Status.CANCELLED))
    ParticipationFactory(slot=cancelled_mission)
    ParticipationFactory(slot=SlotFactory(ongoing=True))

    assert _plan(at(10, 12), django_capture_on_commit_callbacks) == 1
    assert list(Reminder.objects.values_list("participation_id", flat=True)) == [confirmed.pk]
    assert len(smtp_inbox.all()) == 1


def test_a_volunteer_who_turned_reminders_off_gets_none(
    in_paris, at, smtp_inbox, django_capture_on_commit_callbacks
):
    volunteer = UserFactory(email="off@example.org")
    EmailPreferences.objects.create(user=volunteer, reminders=False)
    ParticipationFactory(slot=_slot(at, 12), volunteer=volunteer)
    _plan(at(10, 12), django_capture_on_commit_callbacks)
    assert smtp_inbox.to("off@example.org") == []
    assert Reminder.objects.get().status == Reminder.Status.SKIPPED


def test_a_participation_cancelled_before_its_task_runs_is_skipped(in_paris, at, smtp_inbox):
    participation = ParticipationFactory(slot=_slot(at, 12), volunteer=UserFactory())
    # Planned without running the e-mail tasks; then the volunteer cancels.
    services.reminders_plan(now=at(10, 12))
    Participation.objects.filter(pk=participation.pk).update(status=Status.CANCELLED)
    reminder = Reminder.objects.get()
    assert services.reminders_send(reminder_ids=[reminder.pk]) == 0
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SKIPPED
    assert smtp_inbox.all() == []


def test_the_day_before_reminder_has_the_place_time_and_a_map_link(
    in_paris, at, smtp_inbox, django_capture_on_commit_callbacks
):
    mission = MissionFactory(
        title="Collecte", location=paris_point(2.3695, 48.8532), address="12 rue de Lappe"
    )
    ParticipationFactory(
        slot=_slot(at, 11, hour=9, mission=mission),
        volunteer=UserFactory(email="ali@example.org", language="fr"),
    )
    remote = MissionFactory(title="Soutien scolaire en ligne", is_remote=True, location=None)
    ParticipationFactory(
        slot=_slot(at, 11, mission=remote), volunteer=UserFactory(email="remote@example.org")
    )
    _plan(at(10, 12), django_capture_on_commit_callbacks)

    [received] = smtp_inbox.to("ali@example.org")
    assert received.subject == f"[{in_paris.name}] Demain : Collecte à 09:00"
    assert "https://www.openstreetmap.org/?mlat=48.85320&mlon=2.36950#map=17/48.85320/2.36950" in (
        received.text
    )
    assert "openstreetmap.org" in received.html
    assert mission.location_label in received.text
    [online] = smtp_inbox.to("remote@example.org")
    assert "openstreetmap" not in online.text and "openstreetmap" not in online.html


def test_how_was_it_after_the_slot_offers_its_length_and_takes_bounded_hours(
    in_paris, smtp_inbox, django_capture_on_commit_callbacks
):
    starts = local_at(in_paris, -1, 10)
    slot = SlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=2, minutes=30))
    participation = ParticipationFactory(
        slot=slot, volunteer=UserFactory(email="eve@example.org", language="en")
    )
    assert _plan(local_at(in_paris, -1, 12), django_capture_on_commit_callbacks) == 0  # not over
    assert _plan(local_at(in_paris, -1, 14), django_capture_on_commit_callbacks) == 1

    [received] = smtp_inbox.to("eve@example.org")
    assert received.subject == f"[{in_paris.name}] Comment ça s'est passé ? {slot.mission.title}"
    assert "2,50 h" in received.text
    [hours_url] = _links(received.text)
    reminder, action = reminder_for_answer(hours_url.rstrip("/").rsplit("/", 1)[1])
    assert (reminder.kind, action) == (Reminder.Kind.HOW_WAS_IT, "hours")

    with pytest.raises(EngagementError) as refused:
        services.reminder_declare_hours(reminder=reminder, hours="3")
    assert refused.value.code == EngagementErrorCode.HOURS_INVALID
    reminder.refresh_from_db()
    assert reminder.declared_hours is None

    services.reminder_declare_hours(reminder=reminder, hours="2")
    reminder.refresh_from_db()
    assert (reminder.declared_hours, reminder.answer) == (Decimal("2.00"), "hours")
    participation.refresh_from_db()
    assert participation.hours is None  # the organization's figure, still to record
    [shown] = participations_with_answers([participation])
    assert shown.declared_hours == Decimal("2.00")  # type: ignore[attr-defined]
    assert "participation.hours_declared" in audit_actions()


def test_yes_is_recorded_once_and_shown_beside_the_participation(
    in_paris, at, django_capture_on_commit_callbacks
):
    participation = ParticipationFactory(slot=_slot(at, 12))
    services.reminders_plan(now=at(10, 12))
    reminder = Reminder.objects.get()
    first = services.reminder_confirm_coming(reminder=reminder).answered_at
    again = services.reminder_confirm_coming(reminder=reminder).answered_at
    assert first is not None and again == first
    assert audit_actions().count("participation.coming_confirmed") == 1
    [shown] = participations_with_answers([participation])
    assert shown.confirmed_coming_at == first  # type: ignore[attr-defined]


def test_cannot_come_frees_the_seat_promotes_the_first_waitlisted_and_tells_everyone(
    in_paris, at, smtp_inbox, django_capture_on_commit_callbacks
):
    slot = _slot(at, 12, capacity=1, mission=MissionFactory(title="Banque alimentaire"))
    organizer = MembershipFactory(
        organization=slot.mission.organization, user=UserFactory(email="orga@example.org")
    ).user
    leaving = ParticipationFactory(slot=slot, volunteer=UserFactory(email="out@example.org"))
    waiting = ParticipationFactory(
        slot=slot, status=Status.WAITLISTED, volunteer=UserFactory(email="next@example.org")
    )
    services.reminders_plan(now=at(10, 12))
    reminder = Reminder.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        services.reminder_cannot_come(reminder=reminder)
    with django_capture_on_commit_callbacks(execute=True):
        services.reminder_cannot_come(reminder=reminder)  # the second click changes nothing

    leaving.refresh_from_db()
    waiting.refresh_from_db()
    slot.refresh_from_db()
    assert (leaving.status, waiting.status, slot.confirmed_count) == (
        Status.CANCELLED,
        Status.CONFIRMED,
        1,
    )
    reminder.refresh_from_db()
    assert reminder.answer == Reminder.Answer.CANNOT_COME
    assert len(smtp_inbox.to("next@example.org")) == 1  # promoted
    assert len(smtp_inbox.to(organizer.email)) == 1  # the cancellation
    assert audit_actions().count("participation.cancelled") == 1


def test_the_run_reads_participations_without_locking_them(
    in_paris, at, smtp_inbox, django_capture_on_commit_callbacks, settings
):
    settings.REMINDERS_BATCH_SIZE = 2
    settings.REMINDERS_EMAILS_PER_TASK = 2
    slot = _slot(at, 12)
    for _ in range(5):
        ParticipationFactory(slot=slot)
    with CaptureQueriesContext(connection) as queries:
        assert _plan(at(10, 12), django_capture_on_commit_callbacks) == 5
    locking = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"] or "FOR SHARE" in q["sql"]]
    assert locking and all('"engagement_reminder"' in sql for sql in locking)
    assert all("SKIP LOCKED" in sql for sql in locking)
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 5
    assert len(smtp_inbox.all()) == 5


def test_the_beat_task_plans_in_every_tenant(
    in_paris, at, settings, smtp_inbox, django_capture_on_commit_callbacks
):
    settings.REMINDERS_QUIET_HOURS_START = settings.REMINDERS_QUIET_HOURS_END = 0
    starts = local_at(in_paris, 1, 10)
    ParticipationFactory(
        slot=SlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=1)),
        volunteer=UserFactory(email="beat@example.org"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        fanned = services.reminders_fan_out()
    connection.set_tenant(in_paris)
    assert fanned >= 2
    assert Reminder.objects.get().kind == Reminder.Kind.DAY_BEFORE
    assert len(smtp_inbox.to("beat@example.org")) == 1


def test_attendance_is_still_the_organizations_figure(in_paris, smtp_inbox):
    starts = local_at(in_paris, -1, 10)
    slot = SlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=3))
    admin = MembershipFactory(organization=slot.mission.organization).user
    participation = ParticipationFactory(slot=slot)
    services.reminders_plan(now=local_at(in_paris, -1, 14))
    reminder = Reminder.objects.get()
    services.reminder_declare_hours(reminder=reminder, hours="2.5")
    participation_mark_attended(participation=participation, actor=admin, hours="3")
    participation.refresh_from_db()
    reminder.refresh_from_db()
    assert (participation.hours, reminder.declared_hours) == (Decimal("3.00"), Decimal("2.50"))

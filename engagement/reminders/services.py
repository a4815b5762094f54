"""Reminders of a volunteer's commitments, and the answers to their links.

Three e-mails per confirmed participation on a dated slot, each sent once (Reminder, unique per
participation and kind), in the tenant's time zone:

- "Still coming?" on the local day two days before the slot, with one-tap "Yes" and "I can't
  come" links; "I can't come" cancels through engagement.participations.services (the seat goes
  to the first waitlisted person at once, who is told; the organization is told);
- the reminder on the local day before, with the place, the time and a map link;
- "How was it?" after the slot (up to REMINDERS_FOLLOW_UP_DAYS), with the hours to confirm.

Only confirmed participations get the first two (a waitlisted or requested person holds no seat:
asking whether they still come would promise one); "How was it?" goes to confirmed and attended
ones. Nothing for cancelled slots or missions, nor during the tenant's quiet hours (settings
REMINDERS_QUIET_HOURS_START/END, local time): what is due then waits for the first run after
they end. The recipient's EmailPreferences.reminders is honoured by deliver_email.

At scale: a run reads the due participations in keyset batches (no lock on them), claims each
batch by inserting its Reminder rows (INSERT … ON CONFLICT DO NOTHING, so two runs never claim
the same one) in the transaction that schedules the e-mail tasks through the outbox, in chunks
of REMINDERS_EMAILS_PER_TASK. A task locks its own pending rows (SKIP LOCKED), sends, and marks
each row sent in the transaction that records the delivery.

The volunteer's answers are kept on the Reminder rows. Participation.hours stays written by the
organization's attendance service only: the hours a volunteer declares are a proposal the
organization reads (and finds pre-filled) when it records attendance, since hours count in the
organization's figures and certificates.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from engagement.emails.delivery import EmailCategory, deliver_email
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.links import MY_PARTICIPATIONS_PATH, language_for, mission_url, page_url
from engagement.missions.models import Mission, Slot
from engagement.participations.models import Participation
from engagement.participations.services import (
    PROMOTING_MISSION_STATUSES,
    hours_clean,
    participation_cancel,
    slot_has_started,
    slot_max_hours,
)
from engagement.reminders.models import Reminder
from tenants.audit.services import audit_record
from tenants.context import current_tenant, tenant_context
from tenants.models import Tenant
from tenants.outbox.services import outbox_enqueue
from tenants.signing import tenant_dumps

logger = logging.getLogger(__name__)

Kind = Reminder.Kind
Status = Participation.Status
ANSWER_PATH = "/rappels/{token}/"
TOKEN_KIND = "reminder_answer"
SEND_TASK = "engagement.reminders_email_send"
PLAN_TASK = "engagement.reminders_plan"
# Participations each kind is about, before it is sent and again when its task runs.
KIND_STATUSES: dict[str, tuple[str, ...]] = {
    Kind.STILL_COMING: (Status.CONFIRMED,),
    Kind.DAY_BEFORE: (Status.CONFIRMED,),
    Kind.HOW_WAS_IT: (Status.CONFIRMED, Status.ATTENDED),
}


class Action(StrEnum):
    """What an answer link does; each belongs to one kind of reminder."""

    YES = "yes"
    CANCEL = "cancel"
    HOURS = "hours"


ACTION_KIND: dict[Action, str] = {
    Action.YES: Kind.STILL_COMING,
    Action.CANCEL: Kind.STILL_COMING,
    Action.HOURS: Kind.HOW_WAS_IT,
}


# --- When ---------------------------------------------------------------------------------------


def in_quiet_hours(local: datetime) -> bool:
    """Whether `local` (the tenant's wall-clock time) falls in the quiet hours."""
    start, end = settings.REMINDERS_QUIET_HOURS_START, settings.REMINDERS_QUIET_HOURS_END
    if start == end:
        return False
    if start < end:
        return start <= local.hour < end
    return local.hour >= start or local.hour < end


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _due_window(kind: str, *, now: datetime, zone: ZoneInfo) -> Q:
    """The slots a kind is due for at `now`, by the tenant's calendar days."""
    today = now.astimezone(zone).date()
    if kind == Kind.STILL_COMING:
        return Q(
            slot__starts_at__gte=_day_start(today + timedelta(days=2), zone),
            slot__starts_at__lt=_day_start(today + timedelta(days=3), zone),
        )
    if kind == Kind.DAY_BEFORE:
        return Q(
            slot__starts_at__gte=_day_start(today + timedelta(days=1), zone),
            slot__starts_at__lt=_day_start(today + timedelta(days=2), zone),
        )
    return Q(
        slot__ends_at__lte=now,
        slot__ends_at__gt=now - timedelta(days=settings.REMINDERS_FOLLOW_UP_DAYS),
    )


def reminders_due(kind: str, *, now: datetime, zone: ZoneInfo) -> QuerySet[Participation]:
    """Participations that should get `kind` now and have not got it (no lock, no join beyond
    slot and mission)."""
    return Participation.objects.filter(
        _due_window(kind, now=now, zone=zone),
        status__in=KIND_STATUSES[kind],
        volunteer__isnull=False,
        slot__status=Slot.Status.OPEN,
        slot__mission__status__in=PROMOTING_MISSION_STATUSES,
    ).filter(~Exists(Reminder.objects.filter(participation_id=OuterRef("pk"), kind=kind)))


# --- Claiming (the beat's run, per tenant) ------------------------------------------------------


def _claim(participation_ids: Sequence[int], *, kind: str, now: datetime) -> list[int]:
    """Insert the pending rows of `participation_ids` that no one claimed yet; their ids."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Reminder._meta.db_table} "  # noqa: S608 (the model's own table)
            "(participation_id, kind, status, created_at, answer) "
            "SELECT participation_id, %s, %s, %s, '' FROM unnest(%s::bigint[]) AS participation_id "
            "ON CONFLICT (participation_id, kind) DO NOTHING RETURNING id",
            [kind, Reminder.Status.PENDING, now, list(participation_ids)],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def reminders_plan(*, now: datetime | None = None) -> int:
    """Claim every reminder due in the current tenant and schedule its e-mail; returns how many.

    Nothing during the tenant's quiet hours. Safe to run twice, or twice at once: a row is
    claimed by one run only.
    """
    tenant = current_tenant()
    zone = ZoneInfo(tenant.timezone)
    now = now or timezone.now()
    if in_quiet_hours(now.astimezone(zone)):
        logger.info("reminders.quiet_hours", extra={"schema": tenant.schema_name})
        return 0
    planned = 0
    batch_size = settings.REMINDERS_BATCH_SIZE
    for kind in (Kind.HOW_WAS_IT, Kind.DAY_BEFORE, Kind.STILL_COMING):
        due = reminders_due(kind, now=now, zone=zone).order_by("pk")
        after = 0
        while True:
            participation_ids = list(
                due.filter(pk__gt=after).values_list("pk", flat=True)[:batch_size]
            )
            if not participation_ids:
                break
            with transaction.atomic():
                claimed = _claim(participation_ids, kind=kind, now=now)
                for chunk in _chunks(claimed, settings.REMINDERS_EMAILS_PER_TASK):
                    outbox_enqueue(SEND_TASK, chunk)
            planned += len(claimed)
            after = participation_ids[-1]
            if len(participation_ids) < batch_size:
                break
    logger.info("reminders.planned", extra={"count": planned})
    return planned


def reminders_fan_out() -> int:
    """Schedule one planning run in each active tenant (the beat task, in the public schema);
    returns the tenants. A run still waiting in a tenant is reused rather than doubled."""
    count = 0
    tenants = Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(
        schema_name=get_public_schema_name()
    )
    for tenant in tenants.order_by("pk"):
        with tenant_context(tenant), transaction.atomic():
            outbox_enqueue(PLAN_TASK, coalesce=True)
        count += 1
    return count


# --- Sending (the tasks) ------------------------------------------------------------------------


def _still_due(reminder: Reminder, *, now: datetime) -> bool:
    participation = reminder.participation
    slot = participation.slot
    if participation.volunteer is None or participation.status not in KIND_STATUSES[reminder.kind]:
        return False
    if slot.status != Slot.Status.OPEN or slot.mission.status not in PROMOTING_MISSION_STATUSES:
        return False
    if reminder.kind == Kind.HOW_WAS_IT:
        return True
    return slot.starts_at is not None and slot.starts_at > now


def reminder_answer_token(*, reminder: Reminder, action: Action) -> str:
    """The signed, tenant-bound link value of one answer to one reminder."""
    return tenant_dumps(TOKEN_KIND, {"r": reminder.pk, "a": str(action)})


def answer_url(tenant: Tenant, reminder: Reminder, action: Action) -> str:
    token = reminder_answer_token(reminder=reminder, action=action)
    return page_url(tenant, "reminder-answer", ANSWER_PATH, token=token)


def map_url(mission: Mission) -> str:
    """An OpenStreetMap link to the mission's place; empty when remote or unplaced."""
    if mission.is_remote or mission.location is None:
        return ""
    latitude, longitude = mission.location.y, mission.location.x
    return (
        f"https://www.openstreetmap.org/?mlat={latitude:.5f}&mlon={longitude:.5f}"
        f"#map=17/{latitude:.5f}/{longitude:.5f}"
    )


def _context(tenant: Tenant, reminder: Reminder) -> dict[str, object]:
    participation = reminder.participation
    slot = participation.slot
    mission = slot.mission
    context: dict[str, object] = {
        "participation": participation,
        "volunteer": participation.volunteer,
        "slot": slot,
        "mission": mission,
        "organization": mission.organization,
        "location": mission.location_label,
        "mission_url": mission_url(tenant, mission),
        "participations_url": page_url(tenant, "my-engagements", MY_PARTICIPATIONS_PATH),
    }
    if reminder.kind == Kind.STILL_COMING:
        context["yes_url"] = answer_url(tenant, reminder, Action.YES)
        context["cancel_url"] = answer_url(tenant, reminder, Action.CANCEL)
    elif reminder.kind == Kind.DAY_BEFORE:
        context["map_url"] = map_url(mission)
    else:
        context["hours"] = participation.hours or slot_max_hours(slot)
        context["hours_url"] = answer_url(tenant, reminder, Action.HOURS)
    return context


def _tenant_with_domains() -> Tenant:
    """The current tenant with its domains loaded: every link of every e-mail reads its
    canonical origin (Tenant.base_url), which would otherwise cost a query each time."""
    return Tenant.objects.prefetch_related("domains").get(pk=current_tenant().pk)


def reminder_send(
    *, reminder_id: int, tenant: Tenant | None = None, now: datetime | None = None
) -> bool:
    """Send one pending reminder (or mark it skipped); True if an e-mail left. A row another
    task holds, or already handled, is left alone."""
    now = now or timezone.now()
    tenant = tenant or _tenant_with_domains()
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related(
                "participation__slot__mission__organization", "participation__volunteer"
            )
            .filter(pk=reminder_id, status=Reminder.Status.PENDING)
            .first()
        )
        if reminder is None:
            return False
        sent = False
        volunteer = reminder.participation.volunteer
        if volunteer is not None and _still_due(reminder, now=now):
            sent = deliver_email(
                key=f"reminder:{reminder.pk}",
                tenant=tenant,
                template=f"reminder_{reminder.kind}",
                recipient=volunteer,
                language=language_for(tenant, volunteer),
                context=_context(tenant, reminder),
                category=EmailCategory.REMINDERS,
            )
        reminder.status = Reminder.Status.SENT if sent else Reminder.Status.SKIPPED
        reminder.sent_at = now
        reminder.save(update_fields=["status", "sent_at"])
    return sent


def reminders_send(*, reminder_ids: Sequence[int]) -> int:
    """Send a chunk of claimed reminders, each in its own transaction; returns the e-mails sent."""
    tenant = _tenant_with_domains()
    return sum(
        reminder_send(reminder_id=reminder_id, tenant=tenant) for reminder_id in reminder_ids
    )


# --- Answers (the links of the e-mails) ---------------------------------------------------------


def _lock(reminder: Reminder) -> Reminder:
    return (
        Reminder.objects.select_for_update(of=("self",))
        .select_related("participation__slot__mission", "participation__volunteer")
        .get(pk=reminder.pk)
    )


def reminder_confirm_coming(*, reminder: Reminder) -> Reminder:
    """ "Yes, I'm coming": recorded once (the first time counts), seen by the organization."""
    with transaction.atomic():
        current = _lock(reminder)
        participation = current.participation
        if participation.status != Status.CONFIRMED:
            raise EngagementError(
                _("This participation is no longer confirmed."),
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        if slot_has_started(participation.slot):
            raise EngagementError(
                _("This date has already started or is over."),
                code=EngagementErrorCode.SLOT_STARTED,
            )
        if current.answer != Reminder.Answer.COMING:
            current.answer = Reminder.Answer.COMING
            current.answered_at = timezone.now()
            current.save(update_fields=["answer", "answered_at"])
            audit_record(
                actor=participation.volunteer,
                action="participation.coming_confirmed",
                target=participation,
                data={"reminder_id": current.pk},
            )
    logger.info("reminder.coming_confirmed", extra={"reminder_id": current.pk})
    return current


def reminder_cannot_come(*, reminder: Reminder) -> Reminder:
    """ "I can't come": the participation is cancelled as if the volunteer did it from their
    page (the seat goes to the first waitlisted person, the organization is told). Once: a
    participation already cancelled is left as it is."""
    with transaction.atomic():
        current = _lock(reminder)
        participation = current.participation
        if participation.status == Status.CANCELLED:
            return current
        volunteer = participation.volunteer
        if volunteer is None:
            raise EngagementError(
                _("This participation is no longer active."),
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        participation_cancel(participation=participation, actor=volunteer)
        current.answer = Reminder.Answer.CANNOT_COME
        current.answered_at = timezone.now()
        current.save(update_fields=["answer", "answered_at"])
    logger.info("reminder.cannot_come", extra={"reminder_id": current.pk})
    return current


def reminder_declare_hours(*, reminder: Reminder, hours: object) -> Reminder:
    """The hours the volunteer says they gave, within the bounds of attendance; a new answer
    replaces the previous one. The organization reads it when it records attendance."""
    with transaction.atomic():
        current = _lock(reminder)
        participation = current.participation
        if participation.status not in (Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW):
            raise EngagementError(
                _("This participation is no longer active."),
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        if not slot_has_started(participation.slot):
            raise EngagementError(
                _("Hours can be declared once the date has started."),
                code=EngagementErrorCode.SLOT_NOT_STARTED,
            )
        declared: Decimal = hours_clean(hours, slot=participation.slot)
        if current.declared_hours != declared:
            current.answer = Reminder.Answer.HOURS
            current.declared_hours = declared
            current.answered_at = timezone.now()
            current.save(update_fields=["answer", "declared_hours", "answered_at"])
            audit_record(
                actor=participation.volunteer,
                action="participation.hours_declared",
                target=participation,
                data={"reminder_id": current.pk, "hours": str(declared)},
            )
    return current

"""Background work of engagement: e-mails and the back office's exports. Thin tasks that take
ids, run inside the tenant that sent them (TenantScopedTask) and are safe to run twice (see
engagement/emails/services.py and engagement/backoffice/services_exports.py)."""

from __future__ import annotations

from typing import TypedDict

from celery import shared_task

from engagement.alerts import tasks as alerts_tasks  # noqa: F401 - registers the alert tasks
from engagement.backoffice import services_exports as exports
from engagement.calendars import tasks as calendar_tasks  # noqa: F401 - registers its tasks
from engagement.campaigns import tasks as campaign_tasks  # noqa: F401 - registers its tasks
from engagement.emails import services as emails
from engagement.emails import tasks as email_digest_tasks  # noqa: F401 - registers its tasks
from engagement.friends import tasks as friends_tasks  # noqa: F401 - registers the friends' tasks
from engagement.groups import services as groups
from engagement.organization_messages import tasks as organization_message_tasks  # noqa: F401
from engagement.reminders import tasks as reminders_tasks  # noqa: F401 (registers its tasks)
from engagement.sharing import tasks as sharing_tasks  # noqa: F401 - registers its tasks
from engagement.worktime import tasks as worktime_tasks  # noqa: F401 - registers its tasks
from tenants.context import PublicTask, TenantScopedTask


class _RetryOptions(TypedDict):
    autoretry_for: tuple[type[Exception], ...]
    retry_backoff: bool
    max_retries: int


RETRY: _RetryOptions = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(base=TenantScopedTask, name="engagement.participation_email_send", **RETRY)
def participation_email_send(participation_id: int, event: str) -> bool:
    return emails.send_participation_email(participation_id=participation_id, event=event)


@shared_task(base=TenantScopedTask, name="engagement.organizer_email_send", **RETRY)
def organizer_email_send(participation_id: int, event: str) -> int:
    return emails.send_organizer_email(participation_id=participation_id, event=event)


@shared_task(base=TenantScopedTask, name="engagement.invitation_email_send", **RETRY)
def invitation_email_send(invitation_id: int) -> bool:
    return emails.send_invitation_email(invitation_id=invitation_id)


@shared_task(base=TenantScopedTask, name="engagement.organization_email_send", **RETRY)
def organization_email_send(organization_id: int) -> int:
    return emails.send_organization_email(organization_id=organization_id)


@shared_task(base=TenantScopedTask, name="engagement.mission_email_send", **RETRY)
def mission_email_send(mission_id: int, event: str) -> int:
    return emails.send_mission_email(mission_id=mission_id, event=event)


# An export saves its progress as it goes, for the page that polls it: it runs outside the
# outbox's transaction (outbox_atomic=False) and claims its job itself, so it runs once.
@shared_task(base=TenantScopedTask, name="engagement.export_job_run", outbox_atomic=False)
def export_job_run(job_id: int) -> str | None:
    job = exports.export_job_run(job_id=job_id)
    return job.status if job is not None else None


# Hourly (CELERY_BEAT_SCHEDULE): expired export files are deleted in every tenant.
@shared_task(base=PublicTask, name="engagement.export_jobs_purge")
def export_jobs_purge() -> int:
    return exports.export_jobs_purge_everywhere()


@shared_task(base=TenantScopedTask, name="engagement.seat_hold_email_send", **RETRY)
def seat_hold_email_send(hold_id: int) -> bool:
    return groups.send_seat_hold_email(hold_id=hold_id)


# Every five minutes (CELERY_BEAT_SCHEDULE): seats held for friends and not claimed in time go
# back to the waiting lists, in every tenant.
@shared_task(base=PublicTask, name="engagement.seat_holds_expire")
def seat_holds_expire() -> int:
    return groups.seat_holds_expire_everywhere()

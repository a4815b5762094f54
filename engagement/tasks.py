"""Background work of engagement: e-mails. Thin tasks that take ids, run inside the tenant that
sent them (TenantScopedTask) and are safe to run twice (see engagement/emails/services.py)."""

from __future__ import annotations

from typing import TypedDict

from celery import shared_task

from engagement.emails import services as emails
from tenants.context import TenantScopedTask


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

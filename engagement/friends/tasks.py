"""The e-mails of friends, sent after the transaction that asked for them (through the outbox):
thin tasks that take ids, run in the tenant that sent them and are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from engagement.friends import emails
from tenants.context import TenantScopedTask

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(base=TenantScopedTask, name="engagement.friend_request_email_send", **RETRY)
def friend_request_email_send(friendship_id: int) -> bool:
    return emails.send_friend_request_email(friendship_id=friendship_id)


@shared_task(base=TenantScopedTask, name="engagement.friend_accepted_email_send", **RETRY)
def friend_accepted_email_send(friendship_id: int) -> bool:
    return emails.send_friend_accepted_email(friendship_id=friendship_id)


@shared_task(base=TenantScopedTask, name="engagement.friend_invitation_email_send", **RETRY)
def friend_invitation_email_send(invitation_id: int) -> bool:
    return emails.send_friend_invitation_email(invitation_id=invitation_id)


@shared_task(base=TenantScopedTask, name="engagement.mission_recommendation_email_send", **RETRY)
def mission_recommendation_email_send(recommendation_id: int) -> bool:
    return emails.send_mission_recommendation_email(recommendation_id=recommendation_id)

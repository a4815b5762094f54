"""Background work of accounts: the invitation e-mail. Thin tasks that take ids and run inside the
tenant that sent them (TenantScopedTask); see accounts/invitations.py."""

from __future__ import annotations

from celery import shared_task

from accounts import invitations
from tenants.context import TenantScopedTask


@shared_task(
    base=TenantScopedTask,
    name="accounts.invitation_email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def invitation_email_send(user_id: int) -> str:
    return invitations.user_invitation_email_send(user_id=user_id)

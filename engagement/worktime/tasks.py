"""The e-mails of volunteering time, sent after the transaction that asked for them (through
the outbox): thin tasks that take ids, run in the tenant that sent them and are safe to run
twice."""

from __future__ import annotations

from celery import shared_task

from engagement.worktime import emails
from tenants.context import TenantScopedTask


@shared_task(
    base=TenantScopedTask,
    name="engagement.work_time_approval_email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def work_time_approval_email_send(request_id: int) -> int:
    return emails.send_approval_emails(request_id=request_id)


@shared_task(
    base=TenantScopedTask,
    name="engagement.work_time_decision_email_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def work_time_decision_email_send(request_id: int) -> bool:
    return emails.send_decision_email(request_id=request_id)

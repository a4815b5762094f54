"""The audit trail's retention, run by celery beat once a day (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from tenants.audit.services import audit_purge_all_tenants
from tenants.context import PublicTask

PURGE_TASK = "audit.purge_expired"


@shared_task(base=PublicTask, name=PURGE_TASK)
def audit_purge_expired_task() -> int:
    return sum(audit_purge_all_tenants().values())

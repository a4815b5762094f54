"""Platform background work of tenants: deprovisioning jobs and the periodic check of pending
custom domains (thin: one service each)."""

from __future__ import annotations

from pathlib import Path

from celery import shared_task
from django.conf import settings

from tenants import domains
from tenants.context import PublicTask
from tenants.deprovisioning import RUN_TASK, deprovision_job_run
from tenants.lifecycle import RESTORE_TASK, restore_job_run
from tenants.usage import usage_refresh_all


@shared_task(base=PublicTask, name=RUN_TASK)
def tenant_deprovision_job_run(job_id: int) -> str | None:
    job = deprovision_job_run(job_id=job_id, export_dir=Path(settings.TENANT_EXPORT_DIR))
    return job.status if job is not None else None


@shared_task(base=PublicTask, name="tenants.tasks.custom_domains_check_due")
def custom_domains_check_due() -> int:
    """Scheduled by celery beat (CELERY_BEAT_SCHEDULE); returns how many domains were checked."""
    return domains.custom_domains_check_due()


@shared_task(base=PublicTask, name=RESTORE_TASK)
def tenant_restore_job_run(job_id: int) -> str | None:
    job = restore_job_run(job_id=job_id)
    return job.status if job is not None else None


@shared_task(base=PublicTask, name="tenants.tasks.usage_refresh")
def usage_refresh() -> int:
    """Scheduled by celery beat (CELERY_BEAT_SCHEDULE): the console's usage figures."""
    count, _seconds = usage_refresh_all()
    return count

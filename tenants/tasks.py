"""Platform background work of tenants: deprovisioning jobs (thin: an id in, one service)."""

from __future__ import annotations

from pathlib import Path

from celery import shared_task
from django.conf import settings

from tenants.context import PublicTask
from tenants.deprovisioning import RUN_TASK, deprovision_job_run


@shared_task(base=PublicTask, name=RUN_TASK)
def tenant_deprovision_job_run(job_id: int) -> str | None:
    job = deprovision_job_run(job_id=job_id, export_dir=Path(settings.TENANT_EXPORT_DIR))
    return job.status if job is not None else None

"""Deprovisioning as a background job: the platform API queues it, a worker runs it.

`deprovision_job_request` (inside a web request) checks the tenant, writes a DeprovisionJob and
its task in one transaction (the outbox): it returns at once. `deprovision_job_run` (the worker)
runs tenants.services.tenant_deprovision and writes each step and percentage on the job, then
its result or its error. A job is run once: a task delivered twice finds it no longer queued.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from tenants.errors import ProvisioningError, TenantErrorCode
from tenants.jobs import job_claim
from tenants.models import DeprovisionJob, Tenant
from tenants.outbox.services import outbox_enqueue
from tenants.services import tenant_deprovision

logger = logging.getLogger(__name__)

# The task's registered name (tenants/tasks.py imports this module, so not the task itself).
RUN_TASK = "tenants.deprovision_job_run"
# A job "running" for this long lost its worker (killed mid-export): it may be taken over.
RUNNING_STALE = dt.timedelta(hours=2)


def deprovision_job_request(*, slug: str, requested_by_id: int | None = None) -> DeprovisionJob:
    """Queue the deprovisioning of a tenant; the job already queued or running for it, if any."""
    if not Tenant.objects.filter(slug=slug).exists():
        raise ProvisioningError(
            f"No tenant with slug {slug!r}.", code=TenantErrorCode.TENANT_NOT_FOUND, field="slug"
        )
    try:
        with transaction.atomic():
            job = DeprovisionJob.objects.create(tenant_slug=slug, requested_by_id=requested_by_id)
            outbox_enqueue(RUN_TASK, job.pk)
    except IntegrityError:
        # One job at a time per tenant (a unique index): a repeated request gets the same job.
        return DeprovisionJob.objects.get(
            tenant_slug=slug,
            status__in=[DeprovisionJob.Status.QUEUED, DeprovisionJob.Status.RUNNING],
        )
    logger.info("tenant.deprovision.queued", extra={"tenant": slug, "job_id": job.pk})
    return job


def deprovision_job_run(*, job_id: int, export_dir: Path) -> DeprovisionJob | None:
    """Run a queued job (worker side); None when it is not this delivery's to run."""
    job = job_claim(DeprovisionJob, job_id, stale_after=RUNNING_STALE)
    if job is None:
        return None

    def progress(step: str, percent: int) -> None:
        # Committed at once (autocommit): the status URL shows it while the job runs.
        DeprovisionJob.objects.filter(pk=job_id).update(step=step, percent=percent)

    try:
        result = tenant_deprovision(slug=job.tenant_slug, export_dir=export_dir, progress=progress)
    except ProvisioningError as error:
        DeprovisionJob.objects.filter(pk=job_id).update(
            status=DeprovisionJob.Status.FAILED,
            error=f"{error.code}: {error.message}"[:500],
            finished_at=timezone.now(),
        )
        logger.warning(
            "tenant.deprovision.failed",
            extra={"tenant": job.tenant_slug, "job_id": job_id, "code": str(error.code)},
        )
        return DeprovisionJob.objects.get(pk=job_id)
    DeprovisionJob.objects.filter(pk=job_id).update(
        status=DeprovisionJob.Status.SUCCEEDED,
        step=DeprovisionJob.Step.DONE,
        percent=100,
        export_path=str(result.export_path),
        export_bytes=result.export_bytes,
        media_export_path=str(result.media_export_path or ""),
        finished_at=timezone.now(),
    )
    logger.info(
        "tenant.deprovision.succeeded",
        extra={"tenant": job.tenant_slug, "job_id": job_id, "export_bytes": result.export_bytes},
    )
    return DeprovisionJob.objects.get(pk=job_id)

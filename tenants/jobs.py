"""What the platform's background jobs (archive: DeprovisionJob; restore: RestoreJob) share: a
delivery claims its job once, so a task delivered twice runs it once, and a job left "running"
by a worker that died is taken over after a while."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from tenants.models import DeprovisionJob, RestoreJob

Job = TypeVar("Job", DeprovisionJob, RestoreJob)

FINISHED = frozenset({"succeeded", "failed"})


def job_claim(model: type[Job], job_id: int, *, stale_after: dt.timedelta) -> Job | None:
    """Mark the job running and return it, or None when it is finished, gone, or running in
    another worker for less than `stale_after`."""
    now = timezone.now()
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in FINISHED:
            return None
        if (
            job.status == "running"
            and job.started_at is not None
            and now - job.started_at < stale_after
        ):
            return None
        job.status = "running"
        job.started_at = now
        job.save(update_fields=["status", "started_at"])
        return job

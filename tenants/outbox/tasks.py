"""The outbox sweep, run by celery beat every minute (OUTBOX_SWEEP_SECONDS)."""

from __future__ import annotations

from celery import Task, shared_task

from tenants.context import PublicTask
from tenants.outbox.services import outbox_sweep


@shared_task(base=PublicTask, name="outbox.sweep", bind=True)
def outbox_sweep_task(self: Task) -> int:
    return outbox_sweep(tasks=self.app.tasks).sent

"""The outbox sweep, run by celery beat every minute (OUTBOX_SWEEP_SECONDS)."""

from __future__ import annotations

from config.celery import app
from tenants.context import PublicTask
from tenants.outbox.services import outbox_sweep


@app.task(base=PublicTask, name="outbox.sweep")
def outbox_sweep_task() -> int:
    return outbox_sweep(tasks=app.tasks).sent

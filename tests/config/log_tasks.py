"""A task that logs, for the logging tests."""

import logging

from config.celery import app
from tenants.context import TenantScopedTask

logger = logging.getLogger("entraide.tests")


@app.task(base=TenantScopedTask, name="tests.log_from_task")
def log_from_task() -> None:
    logger.warning("test.task_event", extra={"attempt": 1})

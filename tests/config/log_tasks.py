"""A task that logs, for the logging tests; a real worker imports it with --include."""

import logging

import redis
from celery import shared_task
from django.conf import settings

from tenants.context import TenantScopedTask

logger = logging.getLogger("entraide.tests")


@shared_task(base=TenantScopedTask, name="tests.log_from_task")
def log_from_task(done_key: str = "") -> None:
    logger.warning("test.task_event", extra={"attempt": 1})
    if done_key:
        redis.Redis.from_url(settings.REDIS_URL).set(done_key, "1", ex=120)

"""Tasks used by the Celery tests; a real worker imports them with --include."""

import os

import redis
from celery import shared_task
from django.conf import settings
from django.db import connection

from engagement.taxonomy.models import Cause
from tenants.context import PublicTask, TenantScopedTask


@shared_task(base=TenantScopedTask, name="tests.record_tenant")
def record_tenant(token: str) -> str:
    """Write where it ran (schema, a count read there, the process id) to Redis under `token`."""
    value = f"{connection.schema_name}:{Cause.objects.count()}:{os.getpid()}"
    redis.Redis.from_url(settings.REDIS_URL).set(f"entraide-test:{token}", value, ex=120)
    return value


@shared_task(base=PublicTask, name="tests.record_public")
def record_public(token: str) -> str:
    """Write the schema it ran in to Redis under `token`."""
    value = connection.schema_name
    redis.Redis.from_url(settings.REDIS_URL).set(f"entraide-test:{token}", value, ex=120)
    return value


@shared_task(base=TenantScopedTask, name="tests.count_run")
def count_run(token: str) -> int:
    """Count the runs of `token` in Redis (outbox tests: a message delivered twice runs once)."""
    return int(redis.Redis.from_url(settings.REDIS_URL).incr(f"entraide-test:runs:{token}"))

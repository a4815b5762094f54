"""Tasks for the metrics and Sentry tests: ones that fail, one that is retried once; a real worker
imports them with --include."""

import redis
from celery import Task, shared_task
from django.conf import settings

from tenants.context import PublicTask, TenantScopedTask


@shared_task(base=PublicTask, name="tests.metrics_always_fails")
def always_fails() -> None:
    raise ValueError("always fails")


@shared_task(base=PublicTask, name="tests.metrics_retried_once", bind=True, max_retries=1)
def retried_once(self: Task, token: str) -> int:
    """Asks for a retry on its first run (counted in Redis under `token`), succeeds on the next."""
    runs = int(redis.Redis.from_url(settings.REDIS_URL).incr(f"entraide-test:runs:{token}"))
    if runs == 1:
        raise self.retry(countdown=0)
    return runs


@shared_task(base=TenantScopedTask, name="tests.tenant_task_fails")
def tenant_task_fails() -> None:
    """A tenant's task that fails (the Sentry test: its event names the tenant)."""
    raise RuntimeError("boom in a tenant task")

import os
import time
import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection
from tenant_schemas_celery.task import TenantTask

from config.celery import app
from engagement.taxonomy.models import Cause
from tenants.context import PublicTask, TenantScopedTask, tenant_context
from tenants.errors import TenantContextMissing
from tests.celery_worker import worker_start
from tests.tenants.worker_tasks import record_tenant

pytestmark = pytest.mark.django_db


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def test_the_projects_tasks_are_tenant_aware_tasks_of_the_project_app():
    """Apps declare tasks with celery.shared_task (nothing below config imports config): each
    still gets its tenant-aware base and lives on the tenant-schemas-celery app."""
    app.loader.import_default_modules()
    expected = {
        "billing.tasks.stripe_event_process": PublicTask,
        "billing.tasks.seats_sync": PublicTask,
        "billing.tasks.billing_deadlines_enforce": PublicTask,
        "billing.tasks.stripe_events_retry_stale": PublicTask,
        "tenants.deprovision_job_run": PublicTask,
        "outbox.sweep": PublicTask,
        "engagement.participation_email_send": TenantScopedTask,
        "engagement.organizer_email_send": TenantScopedTask,
        "engagement.invitation_email_send": TenantScopedTask,
        "engagement.organization_email_send": TenantScopedTask,
        "engagement.mission_email_send": TenantScopedTask,
        "engagement.export_job_run": TenantScopedTask,
        "engagement.export_jobs_purge": PublicTask,
    }

    tasks = {name: app.tasks[name] for name in expected}

    assert all(isinstance(task, expected[name]) for name, task in tasks.items())
    assert all(isinstance(task, TenantTask) and task.app is app for task in tasks.values())
    assert type(app).__name__ == "CeleryApp"  # tenant_schemas_celery.app


def test_eager_task_runs_in_the_tenant_that_sent_it(paris, montreal):
    with tenant_context(montreal):
        Cause.objects.create(slug="extra", name_fr="En plus", name_en="Extra")
    token = uuid.uuid4().hex

    with tenant_context(montreal):
        result = record_tenant.delay(token).get()

    with tenant_context(montreal):
        expected = f"{montreal.schema_name}:{Cause.objects.count()}:{os.getpid()}"
    assert result == expected
    assert _redis().get(f"entraide-test:{token}").decode() == expected


def test_tenant_task_sent_from_public_fails_loudly():
    assert connection.schema_name == "public"

    with pytest.raises(TenantContextMissing, match="sent without a tenant"):
        record_tenant.delay("never")

    assert _redis().get("entraide-test:never") is None


def test_tenant_task_received_without_tenant_fails_loudly():
    with pytest.raises(TenantContextMissing, match="without a tenant"):
        record_tenant.apply(args=["never2"], headers={"_schema_name": "public"}).get()

    assert _redis().get("entraide-test:never2") is None


@pytest.mark.worker
def test_real_worker_runs_the_task_in_the_senders_tenant(paris, acme):
    """A Celery worker process on Redis receives the schema in the task headers."""
    queue = f"entraide-test-{uuid.uuid4().hex[:8]}"
    worker = worker_start(queue=queue, include="tests.tenants.worker_tasks")
    tokens = {"paris": uuid.uuid4().hex, "acme": uuid.uuid4().hex}
    # The app reads Django's settings under the CELERY_ namespace: that key wins over
    # `app.conf.task_always_eager`, which left this test running its tasks eagerly.
    previous = app.conf["CELERY_TASK_ALWAYS_EAGER"]
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = False
    assert not app.conf.task_always_eager
    try:
        with tenant_context(paris):
            record_tenant.apply_async(args=[tokens["paris"]], queue=queue)
        with tenant_context(acme):
            record_tenant.apply_async(args=[tokens["acme"]], queue=queue)

        deadline = time.monotonic() + 60
        values: dict[str, bytes | None] = {}
        while time.monotonic() < deadline:
            values = {slug: _redis().get(f"entraide-test:{t}") for slug, t in tokens.items()}
            if all(values.values()) or worker.poll() is not None:
                break
            time.sleep(0.2)
    finally:
        app.conf["CELERY_TASK_ALWAYS_EAGER"] = previous
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")

    assert values["paris"] is not None, output
    # Run by the worker process, not eagerly in this one.
    assert values["paris"].decode().rsplit(":", 1)[1] == str(worker.pid)
    assert values["paris"].decode().startswith(f"{paris.schema_name}:")
    assert values["acme"].decode().startswith(f"{acme.schema_name}:")


def test_public_task_sent_from_a_tenant_runs_in_public_and_restores_the_caller(paris):
    from tests.tenants.worker_tasks import record_public

    token = uuid.uuid4().hex
    with tenant_context(paris):
        result = record_public.delay(token).get()
        assert connection.schema_name == paris.schema_name

    assert result == "public"
    assert _redis().get(f"entraide-test:{token}").decode() == "public"

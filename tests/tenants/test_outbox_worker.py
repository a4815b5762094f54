"""The outbox through a real Celery worker process and a Redis broker of the test's own: the
sweep sends a committed row, the worker runs it in its tenant, removes the row, and runs a second
delivery of the same message not at all. Committed rows (no django_db mark), cleaned up after."""

from __future__ import annotations

import subprocess
import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone

from config.celery import app
from tenants.context import tenant_context
from tenants.models import Tenant
from tenants.outbox.consumer import HEADER_ID, HEADER_SCHEMA
from tenants.outbox.models import OutboxMessage
from tenants.outbox.services import outbox_sweep
from tests.celery_worker import worker_start
from tests.tenants.private_redis import RedisServer, pointed_at
from tests.tenants.worker_tasks import count_run


def _worker(broker_url: str) -> subprocess.Popen[bytes]:
    return worker_start(
        queue=django_settings.CELERY_TASK_DEFAULT_QUEUE,
        include="tests.tenants.worker_tasks",
        broker_url=broker_url,
        # Each task received and finished is in the output the failure message shows.
        log_level="INFO",
    )


@pytest.mark.worker
def test_a_real_worker_runs_a_swept_message_once_even_delivered_twice(
    django_db_setup, django_db_blocker, settings, tmp_path
):
    token = uuid.uuid4().hex
    counter = redis.Redis.from_url(settings.REDIS_URL)
    server = RedisServer(str(tmp_path))
    server.start()
    worker = None
    with django_db_blocker.unblock(), pointed_at(server, settings):
        paris = Tenant.objects.get(slug="paris")
        try:
            with tenant_context(paris):
                message = OutboxMessage.objects.create(task_name=count_run.name, args=[token])
            # Sent twice: the sweep, and a copy (as when the "sent" mark was lost).
            result = outbox_sweep(
                tasks=app.tasks, now=timezone.now() + timedelta(minutes=1), full=True
            )
            assert result.sent == 1
            count_run.apply_async(
                args=[token],
                headers={
                    "_schema_name": paris.schema_name,
                    HEADER_ID: message.pk,
                    HEADER_SCHEMA: paris.schema_name,
                },
            )
            assert server.client().llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 2

            worker = _worker(server.url)
            started = time.monotonic()
            deadline = started + 90
            while time.monotonic() < deadline and worker.poll() is None:
                if server.client().llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0:
                    with tenant_context(paris):
                        if not OutboxMessage.objects.filter(pk=message.pk).exists():
                            break
                time.sleep(0.2)
            time.sleep(1.0)  # the second delivery, if it ran, has counted by now
        finally:
            if worker is not None:
                worker.terminate()
                output = worker.communicate(timeout=30)[0].decode(errors="replace")
            with tenant_context(paris):
                remaining = OutboxMessage.objects.filter(pk=message.pk).exists()
                OutboxMessage.objects.all().delete()
            server.stop()

    # What the next person needs when this fails: how long it waited, whether the row is still
    # there (never run) or gone (run elsewhere), and the worker's own output.
    waited = round(time.monotonic() - started, 1)
    runs = counter.get(f"entraide-test:runs:{token}")
    assert runs == b"1", f"runs={runs!r} waited={waited}s row_left={remaining}\n{output[-3000:]}"
    assert not remaining
    counter.delete(f"entraide-test:runs:{token}")

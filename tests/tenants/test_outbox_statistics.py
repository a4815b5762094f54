"""The outbox sweep between full probes reads PostgreSQL's statistics: committed rows only, so
this test commits (no django_db mark) and cleans up after itself."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from config.celery import app
from tenants.context import tenant_context
from tenants.models import Tenant
from tenants.outbox.models import OutboxMessage
from tenants.outbox.services import outbox_sweep
from tests.tenants.private_redis import RedisServer, pointed_at


def _later(minutes: int = 1):
    return timezone.now() + timedelta(minutes=minutes)


def test_between_full_probes_only_schemas_with_rows_are_probed(
    django_db_setup, django_db_blocker, settings, tmp_path
):
    """Committed rows (no django_db mark): PostgreSQL's statistics see committed work only."""
    server = RedisServer(str(tmp_path))
    server.start()
    with django_db_blocker.unblock(), pointed_at(server, settings):
        paris = Tenant.objects.get(slug="paris")
        try:
            outbox_sweep(tasks=app.tasks, full=True)  # nothing pending anywhere
            with tenant_context(paris):
                OutboxMessage.objects.create(task_name="engagement.invitation_email_send", args=[1])
            with connection.cursor() as cursor:
                # Statistics reach the shared counters at the end of the next transaction.
                cursor.execute("SELECT pg_stat_force_next_flush()")
            with transaction.atomic():
                pass

            result = outbox_sweep(tasks=app.tasks, now=_later(), full=False)

            assert result.full_probe is False
            assert result.probed == 1
            assert (result.schemas_with_work, result.sent) == ([paris.schema_name], 1)
            assert result.schemas >= 4  # public, paris, montreal, acme
        finally:
            with tenant_context(paris):
                OutboxMessage.objects.all().delete()
            server.stop()

"""The reminders' beat task through a real Celery worker process and a Redis broker of the
test's own: the beat's entry fans out to every tenant, Paris plans its due reminder, and the
e-mail arrives over SMTP on loopback. Committed rows (no django_db mark), cleaned up after."""

from __future__ import annotations

import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings as django_settings

from engagement.emails.models import EmailDelivery
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.reminders.models import Reminder
from engagement.reminders.tasks import reminders_send_due
from tenants.audit.models import AuditEvent
from tenants.context import tenant_context
from tenants.models import Tenant
from tenants.outbox.models import OutboxMessage
from tests.celery_worker import worker_start
from tests.engagement.factories import ParticipationFactory, SlotFactory, UserFactory
from tests.engagement.reminders.conftest import local_at
from tests.tenants.private_redis import RedisServer, pointed_at


def _worker(broker_url: str, settings) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    return worker_start(
        queue=django_settings.CELERY_TASK_DEFAULT_QUEUE,
        include="engagement.reminders.tasks",
        broker_url=broker_url,
        environment={
            "DJANGO_SETTINGS_MODULE": "tests.engagement.reminders.worker_settings",
            "ENTRAIDE_TEST_SMTP_HOST": str(settings.EMAIL_HOST),
            "ENTRAIDE_TEST_SMTP_PORT": str(settings.EMAIL_PORT),
        },
    )


@pytest.mark.worker
def test_the_beat_entry_sends_due_reminders_through_a_real_worker(
    django_db_setup, django_db_blocker, settings, smtp_inbox, tmp_path
):
    assert django_settings.CELERY_BEAT_SCHEDULE["reminders-send-due"]["task"] == (
        reminders_send_due.name
    )
    address = f"worker-{uuid.uuid4().hex[:8]}@example.org"
    server = RedisServer(str(tmp_path))
    server.start()
    worker = None
    output = ""
    with django_db_blocker.unblock(), pointed_at(server, settings):
        paris = Tenant.objects.get(slug="paris")
        with tenant_context(paris):
            starts = local_at(paris, 1, 10)
            slot = SlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=2))
            participation = ParticipationFactory(slot=slot, volunteer=UserFactory(email=address))
        try:
            reminders_send_due.apply_async()
            worker = _worker(server.url, settings)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and worker.poll() is None:
                if smtp_inbox.to(address):
                    break
                time.sleep(0.3)
            time.sleep(1.0)  # a second e-mail, if one were sent, has arrived by now
        finally:
            if worker is not None:
                worker.terminate()
                output = worker.communicate(timeout=30)[0].decode(errors="replace")
            with tenant_context(paris):
                reminders = list(Reminder.objects.filter(participation=participation))
                statuses = [(r.kind, r.status) for r in reminders]
                Reminder.objects.filter(participation=participation).delete()
                EmailDelivery.objects.filter(key__startswith="reminder:").delete()
                OutboxMessage.objects.all().delete()
                AuditEvent.objects.filter(target_id=participation.pk).delete()
                volunteer = participation.volunteer
                mission = slot.mission
                organization = mission.organization
                Participation.objects.filter(pk=participation.pk).delete()
                Slot.objects.filter(pk=slot.pk).delete()
                Mission.objects.filter(pk=mission.pk).delete()
                Organization.objects.filter(pk=organization.pk).delete()
                volunteer.delete()
            for tenant in Tenant.objects.exclude(schema_name="public"):
                with tenant_context(tenant):
                    OutboxMessage.objects.all().delete()
            server.stop()

    received = smtp_inbox.to(address)
    assert len(received) == 1, output
    assert paris.name in received[0].subject
    assert statuses == [(Reminder.Kind.DAY_BEFORE, Reminder.Status.SENT)]

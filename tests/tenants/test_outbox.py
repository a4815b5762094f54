"""The transactional outbox (tenants/outbox/): a task is a row of the write's own transaction,
sent after the commit or by the sweep, and run once by its consumer."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.celery import app
from engagement import tasks
from engagement.emails.models import EmailDelivery
from engagement.notifications import Event
from engagement.participations.models import Participation
from engagement.participations.services import participation_request
from tenants.context import tenant_context
from tenants.errors import TenantContextMissing
from tenants.outbox.models import OutboxMessage
from tenants.outbox.services import outbox_enqueue, outbox_schemas, outbox_sweep
from tests.engagement.factories import MissionFactory, SlotFactory, UserFactory
from tests.tenants.private_redis import RedisServer, deliver, message_call, pointed_at

pytestmark = pytest.mark.django_db

Status = OutboxMessage.Status


@pytest.fixture
def broker(tmp_path, settings):
    server = RedisServer(str(tmp_path))
    server.start()
    with pointed_at(server, settings):
        yield server
    server.stop()


def _later(minutes: int = 1):
    return timezone.now() + timedelta(minutes=minutes)


def _participation(tenant) -> Participation:
    with tenant_context(tenant):
        slot = SlotFactory(mission=MissionFactory())
        return Participation.objects.create(
            volunteer=UserFactory(), slot=slot, status=Participation.Status.CONFIRMED
        )


def test_the_row_is_written_in_the_transaction_and_sent_after_commit(
    paris, broker, settings, django_capture_on_commit_callbacks
):
    with tenant_context(paris):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                message = outbox_enqueue(
                    tasks.participation_email_send, 7, "participation_confirmed"
                )
                assert broker.queue(settings.CELERY_TASK_DEFAULT_QUEUE) == []  # not before commit
        message.refresh_from_db()

    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 1, "")
    (sent,) = broker.queue(settings.CELERY_TASK_DEFAULT_QUEUE)
    name, args, kwargs, headers = message_call(sent)
    assert (name, args, kwargs) == (
        "engagement.participation_email_send",
        [7, "participation_confirmed"],
        {},
    )
    assert (headers["_schema_name"], headers["_outbox_id"], headers["_outbox_schema"]) == (
        paris.schema_name,
        message.pk,
        paris.schema_name,
    )


def test_a_rolled_back_write_leaves_no_row_and_sends_nothing(
    paris, broker, settings, django_capture_on_commit_callbacks
):
    with tenant_context(paris):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(RuntimeError), transaction.atomic():
                outbox_enqueue(tasks.participation_email_send, 7, "participation_confirmed")
                raise RuntimeError("the service refused")
        assert not OutboxMessage.objects.exists()

    assert callbacks == []
    assert broker.queue(settings.CELERY_TASK_DEFAULT_QUEUE) == []


def test_a_tenant_task_from_the_public_schema_is_refused_inside_the_transaction():
    assert connection.schema_name == "public"

    with pytest.raises(TenantContextMissing):
        outbox_enqueue(tasks.participation_email_send, 1, "participation_confirmed")

    assert not OutboxMessage.objects.exists()


def test_the_sweep_sends_each_schemas_pending_rows_once_with_one_probe_query(
    paris, acme, broker, settings
):
    with tenant_context(paris):
        for number in (1, 2):
            OutboxMessage.objects.create(
                task_name="engagement.participation_email_send", args=[number, "x"]
            )
    with tenant_context(acme):
        OutboxMessage.objects.create(task_name="engagement.invitation_email_send", args=[3])
        # Not due: a countdown still running, and a row just written (its sender goes first).
        OutboxMessage.objects.create(
            task_name="engagement.invitation_email_send", args=[4], available_at=_later(30)
        )
    schemas = outbox_schemas()
    assert {"public", paris.schema_name, acme.schema_name} <= set(schemas)
    assert "tenant_template" not in schemas

    with CaptureQueriesContext(connection) as queries:
        result = outbox_sweep(tasks=app.tasks, now=_later(), full=True)

    assert (result.sent, result.dead, result.broker_down, result.probe_queries) == (3, 0, False, 1)
    assert result.schemas_with_work == sorted([paris.schema_name, acme.schema_name])
    # Catalog + probe, then per schema with work: select (locked) and one update.
    statements = [
        query["sql"].split()[0]
        for query in queries.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE", "SET search_path"))
    ]
    assert statements == ["SELECT", "SELECT"] + ["SELECT", "UPDATE"] * 2
    sent = [message_call(m)[1] for m in broker.queue(settings.CELERY_TASK_DEFAULT_QUEUE)]
    assert sorted(sent) == [[1, "x"], [2, "x"], [3]]
    again = outbox_sweep(tasks=app.tasks, now=_later(), full=True)
    assert (again.sent, again.schemas_with_work) == (0, [])
    with tenant_context(acme):
        assert OutboxMessage.objects.get(args=[4]).status == Status.PENDING


def test_the_sweep_stops_at_a_broker_failure_and_keeps_every_row(paris, broker):
    with tenant_context(paris):
        OutboxMessage.objects.create(task_name="engagement.invitation_email_send", args=[1])
    broker.stop()

    result = outbox_sweep(tasks=app.tasks, now=_later(), full=True)

    assert (result.sent, result.broker_down) == (0, True)
    with tenant_context(paris):
        message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (Status.PENDING, 0)
    assert message.last_error.startswith("OperationalError")


def test_a_message_the_broker_lost_is_sent_again_and_runs_once(paris, broker, settings):
    participation = _participation(paris)
    with tenant_context(paris):
        message = OutboxMessage.objects.create(
            task_name="engagement.participation_email_send",
            args=[participation.pk, str(Event.CONFIRMED)],
        )
    outbox_sweep(tasks=app.tasks, now=_later(), full=True)
    (first,) = broker.queue(settings.CELERY_TASK_DEFAULT_QUEUE)
    broker.client().flushall()  # Redis restarted empty: the message is gone

    # Not re-sent before OUTBOX_RESEND_AFTER_SECONDS; then sent again.
    assert outbox_sweep(tasks=app.tasks, now=_later(), full=True).sent == 0
    assert outbox_sweep(tasks=app.tasks, now=_later(16), full=True).sent == 1
    (second,) = broker.queue(settings.CELERY_TASK_DEFAULT_QUEUE)
    with tenant_context(paris):
        message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)

    # Both copies reach a worker after all (the first was only delayed): one e-mail.
    assert deliver(second) is True
    assert deliver(first) is None
    assert [m.to for m in mail.outbox] == [[participation.volunteer.email]]
    with tenant_context(paris):
        assert not OutboxMessage.objects.exists()


def test_a_failing_task_keeps_its_row_and_its_effect_rolls_back(paris, settings):
    participation = _participation(paris)
    with tenant_context(paris):
        message = OutboxMessage.objects.create(
            task_name="engagement.participation_email_send",
            args=[participation.pk, str(Event.CONFIRMED)],
            status=Status.SENT,
        )
    settings.EMAIL_BACKEND = "tests.tenants.test_outbox.FailingBackend"
    headers = {"_outbox_id": message.pk, "_outbox_schema": paris.schema_name}

    with tenant_context(paris), pytest.raises(ConnectionRefusedError):
        tasks.participation_email_send.apply(
            args=[participation.pk, str(Event.CONFIRMED)], headers=headers, retries=5
        ).get()

    with tenant_context(paris):
        assert OutboxMessage.objects.filter(pk=message.pk).exists()
        assert not EmailDelivery.objects.exists()


class FailingBackend:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


def test_rows_of_unknown_tasks_or_past_their_attempts_are_given_up(paris, broker, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    with tenant_context(paris):
        gone = OutboxMessage.objects.create(task_name="engagement.removed_task", args=[1])
        tired = OutboxMessage.objects.create(
            task_name="engagement.invitation_email_send", args=[2], attempts=3
        )

    result = outbox_sweep(tasks=app.tasks, now=_later(), full=True)

    assert (result.sent, result.dead) == (0, 2)
    with tenant_context(paris):
        assert [(m.pk, m.status, m.last_error) for m in OutboxMessage.objects.order_by("pk")] == [
            (gone.pk, Status.DEAD, "unknown task"),
            (tired.pk, Status.DEAD, "too many attempts"),
        ]
    assert broker.queue(settings.CELERY_TASK_DEFAULT_QUEUE) == []
    assert outbox_sweep(tasks=app.tasks, now=_later(), full=True).schemas_with_work == []


def test_a_participation_schedules_its_emails_in_its_own_transaction(paris, broker):
    with tenant_context(paris):
        slot = SlotFactory(mission=MissionFactory())
        volunteer = UserFactory()
        with pytest.raises(RuntimeError), transaction.atomic():
            participation = participation_request(volunteer=volunteer, slot=slot)
            assert OutboxMessage.objects.count() == 2
            raise RuntimeError("the request failed after the service")
        assert not Participation.objects.filter(pk=participation.pk).exists()
        assert not OutboxMessage.objects.exists()


def test_a_task_is_found_by_name_in_a_process_that_imported_no_task_module():
    """Services name their tasks (they never import task modules): a web process, which imports
    none, still finds them."""
    import subprocess
    import sys

    script = (
        "import sys, django; django.setup()\n"
        "from tenants.outbox.services import task_by_name\n"
        "before = [m for m in ('billing.tasks', 'engagement.tasks') if m in sys.modules]\n"
        "names = [task_by_name(n).name for n in ('billing.tasks.stripe_event_process',"
        " 'billing.tasks.seats_sync', 'engagement.participation_email_send',"
        " 'tenants.deprovision_job_run')]\n"
        "print(before, names)\n"
    )
    completed = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert completed.stdout.strip().splitlines()[-1] == (
        "[] ['billing.tasks.stripe_event_process', 'billing.tasks.seats_sync', "
        "'engagement.participation_email_send', 'tenants.deprovision_job_run']"
    )

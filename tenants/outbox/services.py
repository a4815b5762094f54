"""Writing to the outbox, sending right after the commit, and the sweep of what is pending.

Services call `outbox_enqueue(task, *args)` inside their transaction instead of
`transaction.on_commit(lambda: task.delay(*args))`: if the broker (Redis) is down at commit time,
the business write is kept and so is the task, which the every-minute sweep sends once the broker
is back. See tenants/outbox/__init__.py.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from tenants.cache import redis_client
from tenants.context import TenantScopedTask, current_schema_name
from tenants.db import connection
from tenants.errors import TenantContextMissing
from tenants.metrics import outbox_backlog_record
from tenants.outbox.consumer import HEADER_ID, HEADER_SCHEMA, TABLE, table_of
from tenants.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

# What a failed publish raises: kombu's OperationalError (connection refused, timeout), a redis
# error from the transport, or a bare socket error.
BROKER_ERRORS: tuple[type[BaseException], ...] = (KombuError, RedisError, OSError)
# One quick reconnection (a connection left stale by a Redis restart), then give up: the row stays
# pending and the sweep sends it. A request never waits on a broker that is down.
_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
# Schemas probed per query by the sweep (a query on many tables pays for locking each of them
# and its index: small chunks measured cheaper per schema, see bench/outbox_sweep.py).
_PROBE_CHUNK = 50

Status = OutboxMessage.Status
_TASK_MODULES_IMPORT = threading.Lock()


def task_by_name(name: str) -> Task:
    """The Celery task registered under `name`. A web process has not imported the task modules
    (nothing there imports them): the first miss imports every module Celery autodiscovers.

    One thread at a time: under gunicorn's threads, a second request missing while the first
    is still importing found the registry half filled (NotRegistered, a 500 on "Je participe"
    under load, bench/throughput.py)."""
    try:
        return current_app.tasks[name]
    except KeyError:
        with _TASK_MODULES_IMPORT:
            current_app.loader.import_default_modules()
        return current_app.tasks[name]


def outbox_enqueue(
    task: str | Task,
    *args: Any,
    countdown: int | None = None,
    coalesce: bool = False,
    **kwargs: Any,
) -> OutboxMessage:
    """Schedule `task(*args, **kwargs)` with the surrounding transaction.

    The row is written now, in the current schema (the transaction of the write it follows); the
    task is sent to the broker once that transaction commits, and never if it rolls back.
    `countdown` delays the task; with `coalesce`, an identical call that has not started yet
    (unsent, or still waiting for its countdown) is reused instead of writing another.
    Arguments must be JSON values (ids, strings). Services give `task` by its registered name:
    tasks call services, so a service never imports a task module.
    """
    if isinstance(task, str):
        task = task_by_name(task)
    schema = current_schema_name()
    if schema == get_public_schema_name() and isinstance(task, TenantScopedTask):
        # Refused inside the transaction, so the write that would lose its task rolls back too.
        raise TenantContextMissing(f"Task {task.name} was sent without a tenant.")
    now = timezone.now()
    available_at = now + dt.timedelta(seconds=countdown) if countdown else now
    if coalesce:
        waiting = (
            OutboxMessage.objects.filter(task_name=task.name, args=list(args), kwargs=kwargs)
            .filter(Q(status=Status.PENDING) | Q(status=Status.SENT, available_at__gt=now))
            .first()
        )
        if waiting is not None:
            return waiting
    message = OutboxMessage(
        task_name=task.name,
        args=list(args),
        kwargs=kwargs,
        created_at=now,
        available_at=available_at,
    )
    message.save(force_insert=True)
    message_id = message.pk

    def send() -> None:
        if _publish(
            task,
            schema=schema,
            message_id=message_id,
            args=args,
            kwargs=kwargs,
            countdown=countdown,
        ):
            _mark_sent(schema, [message_id])

    transaction.on_commit(send)
    return message


def _publish(
    task: Task,
    *,
    schema: str,
    message_id: int,
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    countdown: int | None = None,
) -> bool:
    """Hand one message to the broker; False (logged, recorded on the row) when it is down."""
    tenant = getattr(connection, "tenant", None)
    # Any JSON value: the message id is an int.
    headers: dict[str, Any] = {"_schema_name": schema, HEADER_ID: message_id, HEADER_SCHEMA: schema}
    try:
        task.apply_async(
            # Celery takes a list and None (no delay); celery-types only a tuple and a number.
            args=list(args),  # type: ignore[arg-type]
            kwargs=dict(kwargs),
            countdown=countdown,  # type: ignore[arg-type]
            headers=headers,
            retry=True,
            retry_policy=_RETRY_POLICY,
        )
    except BROKER_ERRORS as error:
        logger.warning(
            "outbox.send_failed",
            extra={"task": task.name, "message_id": message_id, "error": type(error).__name__},
        )
        _mark_failed(schema, message_id, error)
        return False
    finally:
        # An eager task (tests, or a worker sending to itself) switches the connection's schema.
        if tenant is not None and connection.tenant is not tenant:
            if tenant.schema_name == get_public_schema_name():
                connection.set_schema_to_public()
            else:
                connection.set_tenant(tenant)
    return True


def _mark_sent(schema: str, message_ids: list[int]) -> None:
    # A consumer may have deleted the row already (eager, or a fast worker): nothing to update.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table_of(schema)} SET status = %s, sent_at = %s, attempts = attempts + 1, "  # noqa: S608
            "last_error = '' WHERE id = ANY(%s) AND status <> %s",
            [Status.SENT, timezone.now(), message_ids, Status.DEAD],
        )


def _mark_failed(schema: str, message_id: int, error: BaseException) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table_of(schema)} SET last_error = %s WHERE id = %s",  # noqa: S608
                [f"{type(error).__name__}: {error}"[:200], message_id],
            )
    except Exception:  # noqa: BLE001 - the row stays pending either way
        logger.warning("outbox.mark_failed_failed", exc_info=True)


# --- The sweep -----------------------------------------------------------------------------------


@dataclass
class SweepResult:
    schemas: int = 0  # schemas that have an outbox table
    full_probe: bool = False
    probed: int = 0  # schemas probed exactly
    probe_queries: int = 0
    schemas_with_work: list[str] = field(default_factory=list)
    sent: int = 0
    dead: int = 0
    broker_down: bool = False
    seconds: float = 0.0
    # Unsent (pending) rows in the probed schemas, and the earliest due time among them: the
    # schemas left out (no rows according to the statistics) count as none.
    backlog: int = 0
    oldest_due: dt.datetime | None = None

    def oldest_seconds(self, now: dt.datetime) -> float:
        """How long the oldest unsent row has been due (0: none, or none due yet)."""
        if self.oldest_due is None:
            return 0.0
        return max(0.0, (now - self.oldest_due).total_seconds())


def _due_condition() -> str:
    """Rows to send: pending past a short grace (the sender right after the commit has had its
    chance), or sent long ago and still not done (the broker lost it: Redis restarted empty)."""
    return (
        "((status = 'pending' AND available_at <= %(pending_cutoff)s) OR "
        "(status = 'sent' AND sent_at <= %(resend_cutoff)s AND available_at <= %(resend_cutoff)s))"
    )


def _cutoffs(now: dt.datetime) -> dict[str, dt.datetime]:
    return {
        "pending_cutoff": now - dt.timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS),
        "resend_cutoff": now - dt.timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS),
    }


def outbox_schemas() -> list[str]:
    """The schemas whose outbox is swept: public and every tenant's (never the template)."""
    return [schema for schema, _live in _outbox_tables()]


def _outbox_tables() -> list[tuple[str, int]]:
    """(schema, live rows according to PostgreSQL's statistics) of every swept outbox table,
    in one catalog query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, pg_stat_get_live_tuples(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = %s AND c.relkind = 'r' AND (n.nspname = %s OR n.nspname IN "
            "(SELECT schema_name FROM public.tenants_tenant)) ORDER BY n.nspname",
            [TABLE, get_public_schema_name()],
        )
        return [(schema, int(live or 0)) for schema, live in cursor.fetchall()]


# When this process last probed every schema (see outbox_sweep).
_last_full_probe: float | None = None


def outbox_schemas_with_work(
    schemas: Sequence[str], *, now: dt.datetime, result: SweepResult | None = None
) -> list[str]:
    """The schemas holding a due row: one query per _PROBE_CHUNK schemas, each probe an aggregate
    over the outbox's partial index (in-flight rows only), so idle schemas cost a few µs.

    The same probe counts the unsent rows and finds the oldest one's due time, added up in
    `result` (the backlog the metrics show, tenants/metrics.py)."""
    found: list[str] = []
    condition = _due_condition()
    for start in range(0, len(schemas), _PROBE_CHUNK):
        chunk = schemas[start : start + _PROBE_CHUNK]
        parts = [
            f"SELECT %(s{index})s, count(*) FILTER (WHERE {condition}), "  # noqa: S608
            "count(*) FILTER (WHERE status = 'pending'), "
            f"min(available_at) FILTER (WHERE status = 'pending') FROM {table_of(schema)} "
            "WHERE status IN ('pending', 'sent')"
            for index, schema in enumerate(chunk)
        ]
        params: dict[str, Any] = {f"s{index}": schema for index, schema in enumerate(chunk)}
        params.update(_cutoffs(now))
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows = cursor.fetchall()
        found += [schema for schema, due, _unsent, _oldest in rows if due]
        if result is not None:
            result.probe_queries += 1
            for _schema, _due, unsent, oldest in rows:
                result.backlog += unsent
                if oldest is not None and (result.oldest_due is None or oldest < result.oldest_due):
                    result.oldest_due = oldest
    return found


def outbox_sweep(
    *,
    tasks: Mapping[str, Task],
    now: dt.datetime | None = None,
    limit_per_schema: int = 500,
    full: bool | None = None,
) -> SweepResult:
    """Send every due row of every schema; stop at the first broker failure (it is down).

    Only schemas whose outbox holds rows according to PostgreSQL's statistics are probed (one
    catalog query tells, for every schema at once; done rows are deleted, so an idle platform
    has none). Statistics lag by a few seconds (the next sweep catches up) and are reset after a
    crash: so every OUTBOX_FULL_PROBE_SECONDS, and at a process's first sweep, every schema is
    probed (`full`).
    """
    global _last_full_probe
    started = time.perf_counter()
    now = now or timezone.now()
    result = SweepResult()
    connection.set_schema_to_public()
    tables = _outbox_tables()
    result.schemas = len(tables)
    if full is None:
        full = (
            _last_full_probe is None
            or started - _last_full_probe >= settings.OUTBOX_FULL_PROBE_SECONDS
        )
    if full:
        _last_full_probe = started
    result.full_probe = full
    candidates = [schema for schema, live in tables if full or live > 0]
    result.probed = len(candidates)
    result.schemas_with_work = outbox_schemas_with_work(candidates, now=now, result=result)
    for schema in result.schemas_with_work:
        if not _sweep_schema(schema, tasks=tasks, now=now, limit=limit_per_schema, result=result):
            result.broker_down = True
            break
    connection.set_schema_to_public()
    _backlog_record(result, now=now)
    result.seconds = time.perf_counter() - started
    if result.sent or result.dead or result.broker_down:
        logger.info(
            "outbox.swept",
            extra={
                "schemas": result.schemas,
                "schemas_probed": result.probed,
                "schemas_with_work": len(result.schemas_with_work),
                "sent": result.sent,
                "dead": result.dead,
                "broker_down": result.broker_down,
            },
        )
    return result


def _backlog_record(result: SweepResult, *, now: dt.datetime) -> None:
    """Leave the backlog measured by this sweep for the metrics (one Redis key): a scrape reads
    it instead of probing every schema. Sent rows are not counted: they are in the broker's
    queues (entraide_celery_queue_length) or being run. Redis down: the measurement ages, which
    the metrics show (its timestamp), and the sweep goes on."""
    try:
        outbox_backlog_record(
            backlog=result.backlog, oldest_seconds=result.oldest_seconds(now), client=redis_client()
        )
    except RedisError as error:
        logger.warning("outbox.backlog_record_failed", extra={"error": type(error).__name__})


def _json(value: Any) -> Any:
    # Django has psycopg hand jsonb over as text (JSONField decodes it); raw SQL gets that text.
    return json.loads(value) if isinstance(value, str) else value


def _sweep_schema(
    schema: str, *, tasks: Mapping[str, Task], now: dt.datetime, limit: int, result: SweepResult
) -> bool:
    """Send one schema's due rows; False when the broker refused one."""
    table = table_of(schema)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # SKIP LOCKED: two sweeps (two beat replicas, a slow run) never send a row twice.
            cursor.execute(
                f"SELECT id, task_name, args, kwargs, attempts FROM {table} "  # noqa: S608
                f"WHERE {_due_condition()} ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED",
                {**_cutoffs(now), "limit": limit},
            )
            rows = cursor.fetchall()
        sent: list[int] = []
        dead: list[tuple[int, str]] = []
        broker_up = True
        for message_id, task_name, args, kwargs, attempts in rows:
            task = tasks.get(task_name)
            if task is None or attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                reason = "unknown task" if task is None else "too many attempts"
                logger.error(
                    "outbox.dead",
                    extra={"task": task_name, "message_id": message_id, "reason": reason},
                )
                dead.append((message_id, reason))
                continue
            if not _publish(
                task,
                schema=schema,
                message_id=message_id,
                args=_json(args) or [],
                kwargs=_json(kwargs) or {},
            ):
                broker_up = False
                break
            sent.append(message_id)
        if sent:
            _mark_sent(schema, sent)
        with connection.cursor() as cursor:
            for message_id, reason in dead:
                cursor.execute(
                    f"UPDATE {table} SET status = %s, last_error = %s WHERE id = %s",  # noqa: S608
                    [Status.DEAD, reason, message_id],
                )
    result.sent += len(sent)
    result.dead += len(dead)
    return broker_up

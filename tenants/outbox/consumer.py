"""The consumer side of the outbox: a message runs once, whatever the broker delivers.

A task sent through the outbox carries its row's id and schema in its headers. Before the task's
work, the row is looked up: gone means a copy of this message already did the work (a re-send by
the sweep, a "sent" mark lost after the broker took the message), so this delivery does nothing.
After the work, the row is deleted:

- atomically (`atomic=True`, tenant tasks): lock the row, do the work, delete the row, all in one
  transaction, so the work and the "done" mark commit together;
- or after the work (`atomic=False`, platform tasks that call Stripe, which never happens inside
  a transaction): those tasks are idempotent by their own means (claimed events, idempotency
  keys); the row only saves a second run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from celery import Task
from django.db import connection, transaction

logger = logging.getLogger(__name__)

HEADER_ID = "_outbox_id"
HEADER_SCHEMA = "_outbox_schema"
TABLE = "outbox_message"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def table_of(schema: str) -> str:
    """The schema-qualified outbox table (schema names come from our own headers and catalog;
    checked anyway since they are spliced into SQL)."""
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"Invalid schema name {schema!r}")
    return f'"{schema}".{TABLE}'


def _header(task: Task, name: str) -> Any:
    # With the Redis transport, custom headers end up on the request itself (as for the schema).
    request = task.request
    headers = getattr(request, "headers", None) or {}
    if name in headers:
        return headers[name]
    return getattr(request, name, None)


def message_of(task: Task) -> tuple[int, str] | None:
    message_id, schema = _header(task, HEADER_ID), _header(task, HEADER_SCHEMA)
    if message_id is None or not schema:
        return None
    return int(message_id), str(schema)


def _exists(table: str, message_id: int, *, lock: bool) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE id = %s{' FOR UPDATE' if lock else ''}",  # noqa: S608
            [message_id],
        )
        return cursor.fetchone() is not None


def _delete(table: str, message_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [message_id])  # noqa: S608


def outbox_run(task: Task, work: Callable[[], Any], *, atomic: bool) -> Any:
    """Run `work` (the task's body) once per outbox message; tasks sent directly just run."""
    message = message_of(task)
    if message is None:
        return work()
    message_id, schema = message
    table = table_of(schema)
    if atomic:
        with transaction.atomic():
            if not _exists(table, message_id, lock=True):
                logger.info("outbox.duplicate", extra={"task": task.name, "message_id": message_id})
                return None
            result = work()
            _delete(table, message_id)
            return result
    if not _exists(table, message_id, lock=False):
        logger.info("outbox.duplicate", extra={"task": task.name, "message_id": message_id})
        return None
    result = work()
    _delete(table, message_id)
    return result

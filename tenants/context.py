"""The tenant context, in one place: current tenant, tasks, cache keys and log records.

Every other app asks here "which tenant am I running for?" rather than reading the connection.

Log records get their tenant, request id and user id here too: the request log middleware
(tenants/request_log.py) opens a log scope per request, and Celery tasks carry the request id and
user id of the request that sent them in their headers.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from celery import Task
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.http import HttpRequest
from django.utils.functional import empty
from django_tenants.utils import (
    get_public_schema_name,
    get_tenant_model,
    schema_context,
    tenant_context,
)
from tenant_schemas_celery.task import TenantTask

from tenants.db import connection
from tenants.errors import TenantContextMissing
from tenants.outbox.consumer import outbox_run

if TYPE_CHECKING:
    # For the annotation only: the logging configuration imports this module before the apps
    # are loaded, so no model can be imported here (get_tenant_model() finds it at run time).
    from tenants.models import Tenant

__all__ = [
    "PublicTask",
    "TenantLogFilter",
    "TenantScopedTask",
    "connect_log_scope_to_tasks",
    "current_request",
    "current_request_id",
    "current_schema_name",
    "current_tenant",
    "current_user_id",
    "log_scope_enter",
    "log_scope_exit",
    "schema_context",
    "tenant_cache_key",
    "tenant_context",
]


def current_schema_name() -> str:
    return getattr(connection, "schema_name", get_public_schema_name())


def current_tenant() -> Tenant:
    """The Tenant the connection runs for; raises in the public schema, and after a switch by
    schema name (schema_context() leaves django-tenants' FakeTenant, a schema name only)."""
    tenant = connection.tenant
    if current_schema_name() == get_public_schema_name() or not isinstance(
        tenant, get_tenant_model()
    ):
        raise TenantContextMissing("No tenant is active on this connection.")
    return tenant


def tenant_cache_key(*parts: object) -> str:
    """A cache key that names the tenant explicitly (the cache KEY_FUNCTION adds it too)."""
    return ":".join([current_schema_name(), *(str(part) for part in parts)])


class TenantScopedTask(TenantTask):
    """A task that must run inside a tenant.

    Sending it from the public schema, or receiving it without a schema header, is an error:
    it would otherwise run against the public schema and read or write the wrong data.
    """

    abstract = True
    # Sent through the outbox, the work and the removal of its row commit together (one
    # transaction). A long task that reports its progress as it goes (a back-office export)
    # sets this False: its writes are seen while it runs, and it is safe to run twice by its
    # own means (it claims its job row first).
    outbox_atomic: bool = True

    def apply_async(self, args: Any = None, kwargs: Any = None, *more: Any, **options: Any) -> Any:
        headers = options.get("headers") or {}
        schema = headers.get("_schema_name", current_schema_name())
        if schema == get_public_schema_name():
            raise TenantContextMissing(f"Task {self.name} was sent without a tenant.")
        return super().apply_async(args, kwargs, *more, **options)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if current_schema_name() == get_public_schema_name():
            raise TenantContextMissing(f"Task {self.name} reached a worker without a tenant.")
        # Sent through the outbox: once per message, done in the transaction of its effect
        # (unless the task opts out, see outbox_atomic).
        return outbox_run(
            self,
            lambda: super(TenantScopedTask, self).__call__(*args, **kwargs),
            atomic=self.outbox_atomic,
        )


class PublicTask(TenantTask):
    """A platform task (billing, provisioning): always runs in the public schema.

    It is sent with the public schema in its headers, whatever schema the sender is in, so the
    worker needs no tenant lookup; run eagerly, the tenant-schemas-celery handlers put the
    caller's schema back afterwards.
    """

    abstract = True

    def apply_async(self, args: Any = None, kwargs: Any = None, *more: Any, **options: Any) -> Any:
        options["headers"] = {**(options.get("headers") or {}), "_schema_name": "public"}
        return super().apply_async(args, kwargs, *more, **options)

    def apply(self, args: Any = None, kwargs: Any = None, *more: Any, **options: Any) -> Any:
        options["headers"] = {**(options.get("headers") or {}), "_schema_name": "public"}
        return super().apply(args, kwargs, *more, **options)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        connection.set_schema_to_public()
        # Platform work calls Stripe, never inside a transaction: its row is removed after it.
        return outbox_run(
            self, lambda: super(PublicTask, self).__call__(*args, **kwargs), atomic=False
        )


# Task headers that carry the log scope from the request to the worker.
_REQUEST_ID_HEADER = "entraide_request_id"
_USER_ID_HEADER = "entraide_user_id"
# Where a task keeps its log scope token until it ends: an attribute of Celery's request context.
_SCOPE_TOKEN_ATTRIBUTE = "entraide_log_scope_token"


@dataclass(frozen=True)
class LogScope:
    """What a log line says about the request or task it belongs to."""

    request_id: str | None = None
    # Set in workers (from the task headers); in a request the user comes from `request`.
    user_id: int | None = None
    request: HttpRequest | None = None


_log_scope: ContextVar[LogScope | None] = ContextVar("entraide_log_scope", default=None)


def log_scope_enter(
    *, request_id: str | None, user_id: int | None = None, request: HttpRequest | None = None
) -> Token[LogScope | None]:
    return _log_scope.set(LogScope(request_id=request_id, user_id=user_id, request=request))


def log_scope_exit(token: Token[LogScope | None]) -> None:
    _log_scope.reset(token)


def _known_user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id if the request has already loaded its user.

    Never loads it: that would query the database from a log call, also while the database is
    down and the 500 page is being logged. DRF replaces the lazy user with the real one once it
    has authenticated a token or a session.
    """
    user = vars(request).get("user")
    if user is not None and "_wrapped" in vars(user):  # SimpleLazyObject
        user = vars(user)["_wrapped"]
        if user is empty:
            return None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def current_request() -> HttpRequest | None:
    """The request this code runs for (the request log middleware's scope), or None in tasks,
    commands and code called outside a request. For what a request says about its origin (the
    audit trail's address and browser); services still take objects, not the request."""
    scope = _log_scope.get()
    return scope.request if scope is not None else None


def current_request_id() -> str | None:
    scope = _log_scope.get()
    return scope.request_id if scope is not None else None


def current_user_id() -> int | None:
    scope = _log_scope.get()
    if scope is None:
        return None
    if scope.request is not None:
        return _known_user_id(scope.request)
    return scope.user_id


class TenantLogFilter(logging.Filter):
    """Add the tenant (schema), request id and user id to every log record.

    Django logs a 4xx or 5xx response that a view returned (rather than raised) once the whole
    middleware chain has run, when the routing middleware has already put the connection back to
    the public schema; such records carry their request, so the tenant that answered is read
    from it. Other records take the connection's schema: it follows tenant_context() switches
    inside a request, in commands and in tasks.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        request = getattr(request, "_request", request)  # a DRF Request wraps Django's
        if isinstance(request, HttpRequest):
            tenant = getattr(request, "tenant", None)
            # No tenant: the host routed nowhere (or routing itself failed).
            schema = tenant.schema_name if tenant is not None else None
            request_id = getattr(request, "request_id", None)
            user_id = _known_user_id(request)
        else:
            schema = current_schema_name()
            request_id = current_request_id()
            user_id = current_user_id()
        # As logging adds a call's `extra`; "schema_name" is the text format's name for it.
        vars(record).update(
            tenant=schema, request_id=request_id, user_id=user_id, schema_name=schema or "-"
        )
        return True


def _task_header(task: Task, name: str) -> Any:
    # As tenant-schemas-celery reads its schema header: some brokers merge the headers into
    # the request itself.
    headers = task.request.headers or {}
    return headers.get(name, task.request.get(name))


def _publish_log_scope(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is None or _log_scope.get() is None:
        return
    headers.setdefault(_REQUEST_ID_HEADER, current_request_id())
    headers.setdefault(_USER_ID_HEADER, current_user_id())


def _enter_task_log_scope(task: Task, **kwargs: Any) -> None:
    request_id = _task_header(task, _REQUEST_ID_HEADER)
    if request_id is None:
        # Sent outside a request, or run eagerly inside one (whose scope is still current).
        return
    user_id = _task_header(task, _USER_ID_HEADER)
    token = log_scope_enter(
        request_id=str(request_id)[:128],
        user_id=user_id if isinstance(user_id, int) else None,
    )
    setattr(task.request, _SCOPE_TOKEN_ATTRIBUTE, token)


def _exit_task_log_scope(task: Task, **kwargs: Any) -> None:
    token = getattr(task.request, _SCOPE_TOKEN_ATTRIBUTE, None)
    if token is not None:
        log_scope_exit(token)
        setattr(task.request, _SCOPE_TOKEN_ATTRIBUTE, None)


def connect_log_scope_to_tasks() -> None:
    before_task_publish.connect(_publish_log_scope, dispatch_uid="entraide-log-scope-publish")
    task_prerun.connect(_enter_task_log_scope, dispatch_uid="entraide-log-scope-prerun")
    task_postrun.connect(_exit_task_log_scope, dispatch_uid="entraide-log-scope-postrun")

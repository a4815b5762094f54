"""The tenant context, in one place: current tenant, tasks, cache keys and log records.

Every other app asks here "which tenant am I running for?" rather than reading the connection.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context
from tenant_schemas_celery.task import TenantTask

from tenants.errors import TenantContextMissing
from tenants.outbox.consumer import outbox_run

__all__ = [
    "PublicTask",
    "TenantLogFilter",
    "TenantScopedTask",
    "current_schema_name",
    "current_tenant",
    "schema_context",
    "tenant_cache_key",
    "tenant_context",
]


def current_schema_name() -> str:
    return getattr(connection, "schema_name", get_public_schema_name())


def current_tenant() -> Any:
    """The Tenant the connection runs for; raises in the public schema."""
    if current_schema_name() == get_public_schema_name():
        raise TenantContextMissing("No tenant is active on this connection.")
    return connection.tenant


def tenant_cache_key(*parts: object) -> str:
    """A cache key that names the tenant explicitly (the cache KEY_FUNCTION adds it too)."""
    return ":".join([current_schema_name(), *(str(part) for part in parts)])


class TenantScopedTask(TenantTask):
    """A task that must run inside a tenant.

    Sending it from the public schema, or receiving it without a schema header, is an error:
    it would otherwise run against the public schema and read or write the wrong data.
    """

    abstract = True

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        headers = options.get("headers") or {}
        schema = headers.get("_schema_name", current_schema_name())
        if schema == get_public_schema_name():
            raise TenantContextMissing(f"Task {self.name} was sent without a tenant.")
        return super().apply_async(args, kwargs, **options)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if current_schema_name() == get_public_schema_name():
            raise TenantContextMissing(f"Task {self.name} reached a worker without a tenant.")
        # Sent through the outbox: once per message, done in the transaction of its effect.
        return outbox_run(
            self, lambda: super(TenantScopedTask, self).__call__(*args, **kwargs), atomic=True
        )


class PublicTask(TenantTask):
    """A platform task (billing, provisioning): always runs in the public schema.

    It is sent with the public schema in its headers, whatever schema the sender is in, so the
    worker needs no tenant lookup; run eagerly, the tenant-schemas-celery handlers put the
    caller's schema back afterwards.
    """

    abstract = True

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        options["headers"] = {**(options.get("headers") or {}), "_schema_name": "public"}
        return super().apply_async(args, kwargs, **options)

    def apply(self, args: Any = None, kwargs: Any = None, *more: Any, **options: Any) -> Any:
        options["headers"] = {**(options.get("headers") or {}), "_schema_name": "public"}
        return super().apply(args, kwargs, *more, **options)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        connection.set_schema_to_public()
        # Platform work calls Stripe, never inside a transaction: its row is removed after it.
        return outbox_run(
            self, lambda: super(PublicTask, self).__call__(*args, **kwargs), atomic=False
        )


class TenantLogFilter(logging.Filter):
    """Add the tenant's schema to every log record (``tenant=`` in the log line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.schema_name = getattr(connection, "schema_name", "-") or "-"
        return True

"""Schema mechanics: the template schema, cloning it, exporting and dropping a tenant's schema.

Provisioning never silently falls back to running every migration in the new schema: the
template is checked first, rebuilt explicitly (and logged) when it is missing or behind the code,
and the clone is verified table by table.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_exists

from tenants import storage
from tenants.db import connection
from tenants.errors import ProvisioningError, TenantErrorCode
from tenants.schema_clone import clone_schema

logger = logging.getLogger(__name__)

# The template's advisory lock: rebuilding it holds the lock exclusively (a session lock: the
# migrations commit on their own), cloning it holds it shared for the rest of the provisioning
# transaction (pg_advisory_xact_lock_shared, taken before the transaction's first write). So a
# rebuild waits for the clones in progress and clones wait for a rebuild, in that order only:
# neither can fail on a deadlock or copy a half-built template.
_TEMPLATE_LOCK = 7_425_001


@contextmanager
def _template_session_lock(*, shared: bool) -> Iterator[None]:
    suffix = "_shared" if shared else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_lock{suffix}(%s)", [_TEMPLATE_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_unlock{suffix}(%s)", [_TEMPLATE_LOCK])


def template_exclusive() -> AbstractContextManager[None]:
    """Hold the template for a rebuild (re-entrant within one connection)."""
    return _template_session_lock(shared=False)


def template_lock_shared() -> None:
    """Keep the template as it is until the current transaction ends (provisioning calls this
    first thing in its transaction, before it holds any row lock a rebuild could need)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("template_lock_shared must run inside transaction.atomic()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_TEMPLATE_LOCK])


@dataclass(frozen=True)
class TemplateState:
    exists: bool
    missing_migrations: tuple[str, ...]
    # Set by template_ensure when it had to rebuild the template.
    rebuilt: bool = False

    @property
    def is_current(self) -> bool:
        return self.exists and not self.missing_migrations


def template_schema_name() -> str:
    return settings.TENANT_TEMPLATE_SCHEMA


def _disk_migrations() -> set[tuple[str, str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True, load=False)
    loader.load_disk()
    return set(loader.disk_migrations.keys())


def template_state() -> TemplateState:
    schema = template_schema_name()
    connection.set_schema_to_public()
    if not schema_exists(schema):
        return TemplateState(exists=False, missing_migrations=())
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608
        applied = {(app, name) for app, name in cursor.fetchall()}
    missing = sorted(f"{app}.{name}" for app, name in _disk_migrations() - applied)
    return TemplateState(exists=True, missing_migrations=tuple(missing))


def template_build() -> float:
    """Drop and rebuild the template schema by running every tenant migration; returns seconds."""
    schema = template_schema_name()
    started = time.perf_counter()
    connection.set_schema_to_public()
    with template_exclusive():
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            cursor.execute(f'CREATE SCHEMA "{schema}"')
        call_command(
            "migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0
        )
        connection.set_schema_to_public()
    elapsed = time.perf_counter() - started
    logger.warning("tenant.template.rebuilt", extra={"seconds": round(elapsed, 3)})
    return elapsed


def template_ensure(*, rebuild: bool = True) -> TemplateState:
    """Make sure the template is migrated to the code's latest migrations.

    With rebuild=False a missing or stale template raises instead of being rebuilt.
    """
    # Checked under the shared lock: provisionings check at the same time, and never while a
    # rebuild runs.
    with _template_session_lock(shared=True):
        state = template_state()
        if state.is_current:
            return state
        if not rebuild:
            if not state.exists:
                raise ProvisioningError(
                    f"Template schema {template_schema_name()!r} is missing; run "
                    "`manage.py tenant_template --rebuild`.",
                    code=TenantErrorCode.TEMPLATE_MISSING,
                )
            raise ProvisioningError(
                f"Template schema is behind the code ({len(state.missing_migrations)} "
                "migrations missing); run `manage.py tenant_template --rebuild`.",
                code=TenantErrorCode.TEMPLATE_STALE,
            )
    with template_exclusive():
        # Another provisioning may have rebuilt it while this one waited.
        if not template_state().is_current:
            template_build()
        state = template_state()
        if not state.is_current:
            raise ProvisioningError(
                "Template schema is still behind the code after a rebuild: "
                + ", ".join(state.missing_migrations[:5]),
                code=TenantErrorCode.TEMPLATE_STALE,
            )
        return TemplateState(exists=True, missing_migrations=(), rebuilt=True)


def _table_names(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        )
        return {row[0] for row in cursor.fetchall()}


def schema_clone_from_template(schema_name: str) -> None:
    """Create `schema_name` as a copy of the template; must run inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("schema_clone_from_template must run inside transaction.atomic()")
    template = template_schema_name()
    connection.set_schema_to_public()
    template_lock_shared()
    # Not django-tenants' clone_schema(): 3-5x slower, and it doubles unique constraints.
    clone_schema(source=template, target=schema_name)
    # The clone function reports some failures by returning early instead of raising.
    expected = _table_names(template)
    cloned = _table_names(schema_name)
    if not expected or cloned != expected:
        raise ProvisioningError(
            f"Cloning the template into {schema_name!r} copied {len(cloned)} of "
            f"{len(expected)} tables.",
            code=TenantErrorCode.CLONE_FAILED,
        )


def _pg_dump_command(schema_name: str, path: Path) -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    command = [
        shutil.which("pg_dump") or "pg_dump",
        "--schema",
        schema_name,
        "--format",
        "custom",
        "--no-owner",
        "--file",
        str(path),
        "--host",
        db.get("HOST") or "127.0.0.1",
        "--port",
        str(db.get("PORT") or 5432),
        "--username",
        db.get("USER") or "postgres",
        db["NAME"],
    ]
    environment = dict(os.environ)
    if db.get("PASSWORD"):
        environment["PGPASSWORD"] = db["PASSWORD"]
    return command, environment


def schema_export(schema_name: str, path: Path) -> int:
    """Dump one schema with pg_dump (custom format); returns the file's size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    command, environment = _pg_dump_command(schema_name, path)
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        command, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or not path.exists() or path.stat().st_size == 0:
        raise ProvisioningError(
            f"pg_dump of {schema_name!r} failed: {result.stderr.strip()[:500]}",
            code=TenantErrorCode.EXPORT_FAILED,
        )
    return path.stat().st_size


def media_export(schema_name: str, base: Path) -> Path | None:
    """The schema's uploaded files (on disk or in the bucket: tenants.storage) as
    `base`.tar.gz, or None when it has none."""
    try:
        return storage.tenant_media_export(schema_name, base)
    except (OSError, ClientError, BotoCoreError) as error:
        raise ProvisioningError(
            f"Export of the files of {schema_name!r} failed: {error}"[:500],
            code=TenantErrorCode.EXPORT_FAILED,
        ) from None


def media_drop(schema_name: str) -> None:
    storage.tenant_media_drop(schema_name)


def schema_drop(schema_name: str) -> None:
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')

"""`migrate_schemas` that skips the tenant schemas already up to date.

django-tenants runs Django's `migrate` once per tenant schema, even when there is nothing to apply:
loading the migration graph state and the post_migrate handlers cost ~50–100 ms per schema,
minutes for a few thousand tenants on every deploy. Here one query per few hundred schemas reads
their `django_migrations` tables first; only the schemas missing a migration that is on disk go
through django-tenants' executor (standard or multiprocessing, as asked), the others are skipped.

Only a plain "migrate everything" run is filtered. With an app label, a target migration, --fake,
--fake-initial, --plan, --prune, --check or --run-syncdb every schema goes through the stock path,
and so does the public schema, always. A skipped schema gets neither the post_migrate signal (which
only creates content types and permissions, which exist already once every migration has run) nor
django-tenants' schema_migrated signal.

The Helm Job and `make migrate` run `migrate_tenants` (tenants/tenant_migrations.py) for the
tenant schemas instead; this filter keeps `migrate_schemas --tenant` cheap when run by hand.

Enabled by GET_EXECUTOR_FUNCTION = "tenants.migration_executor.get_executor"; turned off by
TENANT_MIGRATIONS_SKIP_UP_TO_DATE = False.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors import get_executor as stock_get_executor
from django_tenants.utils import get_public_schema_name, get_tenant_database_alias

from tenants.db import connection_for

logger = logging.getLogger(__name__)

# Options that make a run something else than "apply every missing migration".
_SPECIAL_OPTIONS = (
    "app_label",
    "migration_name",
    "fake",
    "fake_initial",
    "plan",
    "prune",
    "check_unapplied",
    "run_syncdb",
)
# Schemas read per query: bounds the statement's size with thousands of tenants.
SCHEMAS_PER_QUERY = 500

MigrationKey = tuple[str, str]


def expected_migrations() -> tuple[frozenset[MigrationKey], dict[MigrationKey, frozenset]]:
    """Every migration on disk as `migrate` would apply it, and what each squash replaces."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    nodes = frozenset(loader.graph.nodes)
    replaces = {
        key: frozenset(loader.disk_migrations[key].replaces)
        for key in nodes
        if key in loader.disk_migrations and loader.disk_migrations[key].replaces
    }
    return nodes, replaces


def applied_migrations(
    schema_names: Sequence[str], *, database: str
) -> dict[str, set[MigrationKey]]:
    """The applied migrations of each schema that has a django_migrations table.

    Schemas without one (never migrated) are absent from the result.
    """
    connection = connection_for(database)
    connection.set_schema_to_public()
    quote = connection.ops.quote_name
    applied: dict[str, set[MigrationKey]] = {}
    for start in range(0, len(schema_names), SCHEMAS_PER_QUERY):
        chunk = list(schema_names[start : start + SCHEMAS_PER_QUERY])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n.nspname FROM pg_catalog.pg_class c "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname = 'django_migrations' AND c.relkind IN ('r', 'p') "
                "AND n.nspname = ANY(%s)",
                [chunk],
            )
            with_table = [row[0] for row in cursor.fetchall()]
            if not with_table:
                continue
            selects = " UNION ALL ".join(
                f"SELECT %s, app, name FROM {quote(schema)}.django_migrations"  # noqa: S608
                for schema in with_table
            )
            cursor.execute(selects, with_table)
            for schema in with_table:
                applied[schema] = set()
            for schema, app, name in cursor.fetchall():
                applied[schema].add((app, name))
    return applied


def schemas_needing_migration(schema_names: Iterable[str], *, database: str) -> list[str]:
    """The schemas, in the given order, that miss at least one migration on disk."""
    names = list(schema_names)
    expected, replaces = expected_migrations()
    applied = applied_migrations(names, database=database)

    def is_current(done: set[MigrationKey]) -> bool:
        return all(key in done or (key in replaces and replaces[key] <= done) for key in expected)

    return [name for name in names if name not in applied or not is_current(applied[name])]


def _is_plain_run(options: dict[str, Any]) -> bool:
    return not any(options.get(option) for option in _SPECIAL_OPTIONS)


class SkipUpToDateMixin:
    """Filters the tenant schemas before handing them to django-tenants' executor."""

    options: dict[str, Any]
    codename: str

    def run_migrations(self, tenants: Iterable[str] | None = None) -> None:
        tenants = list(tenants or [])
        public = get_public_schema_name()
        candidates = [schema for schema in tenants if schema != public]
        if candidates and _is_plain_run(self.options):
            database = self.options.get("database") or get_tenant_database_alias()
            to_migrate = schemas_needing_migration(candidates, database=database)
            skipped = len(candidates) - len(to_migrate)
            logger.info(
                "tenant.migrations.checked",
                extra={"skipped": skipped, "to_migrate": len(to_migrate)},
            )
            if int(self.options.get("verbosity", 1)) >= 1:
                sys.stdout.write(
                    f"[{self.codename}] {skipped} tenant schema(s) up to date, skipped; "
                    f"{len(to_migrate)} to migrate.\n"
                )
            tenants = ([public] if public in tenants else []) + to_migrate
        # A mixin: super() is the django-tenants executor get_executor() combines it with.
        super().run_migrations(tenants=tenants)  # type: ignore[misc]


_classes: dict[type, type] = {}


def get_executor(codename: str | None = None) -> type:
    """django-tenants' executor for `codename`, filtered unless the setting turns it off."""
    stock = stock_get_executor(codename)
    if not getattr(settings, "TENANT_MIGRATIONS_SKIP_UP_TO_DATE", True):
        return stock
    if stock not in _classes:
        _classes[stock] = type(f"SkipUpToDate{stock.__name__}", (SkipUpToDateMixin, stock), {})
    return _classes[stock]

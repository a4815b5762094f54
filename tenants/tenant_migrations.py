"""Migrating every tenant schema: `manage.py migrate_tenants` (the Helm migrations Job's step).

django-tenants runs Django's `migrate` afresh for each schema: it loads the migration graph,
renders the project state from the first migration on, sends pre/post_migrate and opens a new
connection, ~390 ms per schema at 1,000 tenants even for a one-column migration. Its standard
executor stops at the first failing schema; its multiprocessing one loses the rest of the failing
schema's chunk. Here:

- the graph is loaded once; one query per few hundred schemas reads their `django_migrations`
  (tenants.migration_executor.applied_migrations), so each schema gets exactly what it lacks and
  an up-to-date schema costs nothing;
- schemas lacking the same migrations share one plan: its project states are rendered once per
  process, then each schema only runs the plan's SQL, each migration in its own transaction,
  recorded in the schema's own `django_migrations`, as Django's executor does;
- the schemas are spread over N processes (forked, each with one connection kept for all its
  schemas); a failing schema is recorded with the migration and the error and the others go on;
  the caller lists the failed ones, and a run after the fix applies only what is left.

pre_migrate and post_migrate (content types, permissions, routing cache) are sent only for plans
that hold an operation outside `_FIELD_LEVEL_OPERATIONS`: a new column, index or constraint, or a
data migration, changes no content type nor permission, so a schema pays for none of it. A plan
that creates, renames or deletes a model gets both signals, per schema, as `migrate` sends them.
django-tenants' `schema_migrated` signal is not sent (nothing here listens to it).

Squashed migrations: the graph is built as for a schema that applied none of the replaced
migrations (squash kept). A schema that applied some but not all of a squash's replaced
migrations is reported as failed, to be migrated with `migrate_schemas --schema=<name>`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import connections, transaction
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.operations.base import Operation
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState
from django_tenants.utils import get_public_schema_name, get_tenant_model

from tenants.db import connection_for
from tenants.migration_executor import MigrationKey, applied_migrations

logger = logging.getLogger(__name__)

# Operations that change neither the set of models nor their permissions: a plan made of these
# only needs no pre/post_migrate (content types and permissions are already right).
_FIELD_LEVEL_OPERATIONS: tuple[type[Operation], ...] = (
    operations.AddField,
    operations.RemoveField,
    operations.AlterField,
    operations.RenameField,
    operations.AddIndex,
    operations.RemoveIndex,
    operations.RenameIndex,
    operations.AddConstraint,
    operations.RemoveConstraint,
    operations.AlterUniqueTogether,
    operations.AlterIndexTogether,
    operations.RunSQL,
    operations.RunPython,
)
# A plan's rendered states are kept for the next schemas lacking the same migrations up to this
# many operations (the usual deploy: a few migrations); a longer plan (a schema far behind) is
# rendered again for each such schema rather than held in memory.
_CACHED_PLAN_OPERATIONS = 200


@dataclass(frozen=True)
class SchemaPlan:
    schema: str
    migrations: tuple[MigrationKey, ...]
    has_migrations_table: bool
    problem: str = ""


@dataclass(frozen=True)
class SchemaOutcome:
    schema: str
    applied: tuple[MigrationKey, ...]
    seconds: float
    failed_migration: MigrationKey | None = None
    error: str = ""

    @property
    def is_failed(self) -> bool:
        return bool(self.error)


@dataclass
class TenantMigrationsReport:
    schemas: int
    up_to_date: int
    processes: int
    outcomes: list[SchemaOutcome] = field(default_factory=list)
    # Schemas never tried because a worker process died (killed, out of memory).
    not_tried: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[SchemaOutcome]:
        return [outcome for outcome in self.outcomes if outcome.is_failed]

    @property
    def migrated(self) -> list[SchemaOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.is_failed]

    @property
    def is_success(self) -> bool:
        return not self.failed and not self.not_tried


ProgressCallback = Callable[[SchemaOutcome, int, int], None]


def migration_loader() -> MigrationLoader:
    """The migration graph from disk, as for a schema that applied nothing (loaded once)."""
    return MigrationLoader(None, ignore_no_migrations=True)


def tenant_schema_names() -> list[str]:
    """Every tenant's schema, public excluded, in name order (as migrate_schemas --tenant)."""
    return list(
        get_tenant_model()
        .objects.exclude(schema_name=get_public_schema_name())
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )


def _full_order(loader: MigrationLoader) -> list[MigrationKey]:
    """Every migration in the order `migrate` applies them to an empty schema."""
    order: list[MigrationKey] = []
    seen: set[MigrationKey] = set()
    for target in sorted(loader.graph.leaf_nodes()):
        for key in loader.graph.forwards_plan(target):
            if key not in seen:
                seen.add(key)
                order.append(key)
    return order


def schema_plans(
    schemas: Sequence[str], *, loader: MigrationLoader, database: str
) -> list[SchemaPlan]:
    """What each schema lacks, read for all of them in a few queries."""
    order = _full_order(loader)
    applied = applied_migrations(schemas, database=database)
    squashes = {key: tuple(replaced) for key, replaced in loader.replacements.items()}
    plans = []
    for schema in schemas:
        done = applied.get(schema, set())
        missing, problem = [], ""
        for key in order:
            if key in done:
                continue
            if key in squashes:
                replaced_done = [old for old in squashes[key] if old in done]
                if len(replaced_done) == len(squashes[key]):
                    continue
                if replaced_done:
                    problem = (
                        f"{key[0]}.{key[1]} is partly applied (some of the migrations it replaces "
                        f"are): migrate this schema with migrate_schemas --schema={schema}"
                    )
            missing.append(key)
        plans.append(
            SchemaPlan(
                schema=schema,
                migrations=tuple(missing),
                has_migrations_table=schema in applied,
                problem=problem,
            )
        )
    return plans


@dataclass(frozen=True)
class _PreparedMigration:
    migration: Migration
    # (operation, state before, state after), rendered once, shared by every schema of the plan.
    steps: tuple[tuple[Operation, ProjectState, ProjectState], ...]


@dataclass(frozen=True)
class _PreparedPlan:
    migrations: tuple[_PreparedMigration, ...]
    # The state after the plan when the plan needs pre/post_migrate, else None.
    signal_state: ProjectState | None


class _Runner:
    """What one process holds for all its schemas: the graph, the rendered plans, a connection."""

    def __init__(self, *, loader: MigrationLoader, database: str) -> None:
        self.loader = loader
        self.database = database
        self.order = _full_order(loader)
        self.plans: dict[tuple[MigrationKey, ...], _PreparedPlan] = {}

    def _prepare(self, plan: tuple[MigrationKey, ...]) -> _PreparedPlan:
        if plan in self.plans:
            return self.plans[plan]
        nodes = self.loader.graph.nodes
        missing = set(plan)
        state = ProjectState(real_apps=self.loader.unmigrated_apps)
        for key in self.order:
            if key not in missing:
                nodes[key].mutate_state(state, preserve=False)
        state.apps  # noqa: B018 - rendered once here, not per schema
        needs_signals = any(
            not isinstance(operation, _FIELD_LEVEL_OPERATIONS)
            for key in plan
            for operation in nodes[key].operations
        )
        if needs_signals:
            # contenttypes' handler adds RenameContentType steps to the plan's migrations.
            emit_pre_migrate_signal(
                0, False, self.database, apps=state.apps, plan=[(nodes[key], False) for key in plan]
            )
        prepared = []
        before = state.clone()
        for key in plan:
            migration = nodes[key]
            steps = []
            for operation in migration.operations:
                operation.state_forwards(migration.app_label, state)
                after = state.clone()
                steps.append((operation, before, after))
                before = after
            prepared.append(_PreparedMigration(migration=migration, steps=tuple(steps)))
        signal_state = None
        if needs_signals:
            state.clear_delayed_apps_cache()
            signal_state = state
        result = _PreparedPlan(migrations=tuple(prepared), signal_state=signal_state)
        if sum(len(item.steps) for item in prepared) <= _CACHED_PLAN_OPERATIONS:
            self.plans[plan] = result
        return result

    def migrate(self, plan: SchemaPlan) -> SchemaOutcome:
        started = time.perf_counter()
        applied: list[MigrationKey] = []
        current: MigrationKey | None = None
        if plan.problem:
            return SchemaOutcome(plan.schema, (), 0.0, plan.migrations[0], plan.problem)
        connection = connection_for(self.database)
        try:
            connection.set_schema(plan.schema)
            recorder = MigrationRecorder(connection)
            if not plan.has_migrations_table:
                recorder.ensure_schema()
            prepared = self._prepare(plan.migrations)
            for item in prepared.migrations:
                current = (item.migration.app_label, item.migration.name)
                self._apply(item, recorder)
                applied.append(current)
            current = None
            if prepared.signal_state is not None:
                emit_post_migrate_signal(
                    0,
                    False,
                    self.database,
                    apps=prepared.signal_state.apps,
                    plan=[(item.migration, False) for item in prepared.migrations],
                )
        except Exception as error:  # noqa: BLE001 - reported with the schema, the others go on
            message = f"{type(error).__name__}: {str(error).strip()}"
            logger.warning(
                "tenant.migrations.schema_failed",
                extra={
                    "schema": plan.schema,
                    "migration": ".".join(current) if current else "",
                    "error": message,
                },
            )
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            return SchemaOutcome(
                plan.schema, tuple(applied), time.perf_counter() - started, current, message
            )
        finally:
            if connection.connection is not None:
                connection.set_schema_to_public()
        return SchemaOutcome(plan.schema, tuple(applied), time.perf_counter() - started)

    def _apply(self, item: _PreparedMigration, recorder: MigrationRecorder) -> None:
        """One migration, as django.db.migrations.executor.MigrationExecutor.apply_migration."""
        migration = item.migration
        connection = recorder.connection
        recorded = False
        with connection.schema_editor(atomic=migration.atomic) as editor:
            for operation, before, after in item.steps:
                atomic_operation = operation.atomic or (
                    migration.atomic and operation.atomic is not False
                )
                if not editor.atomic_migration and atomic_operation:
                    with transaction.atomic(connection.alias):
                        operation.database_forwards(migration.app_label, editor, before, after)
                else:
                    operation.database_forwards(migration.app_label, editor, before, after)
            # Deferred SQL (indexes, foreign keys) runs when the editor exits: record after it.
            if not editor.deferred_sql:
                _record(recorder, migration)
                recorded = True
        if not recorded:
            _record(recorder, migration)


def _record(recorder: MigrationRecorder, migration: Migration) -> None:
    for app_label, name in migration.replaces or [(migration.app_label, migration.name)]:
        recorder.migration_qs.create(app=app_label, name=name)


# The forked workers' runner, and the connections inherited from the parent: never closed nor
# garbage-collected in a child (freeing one would end the parent's session on the shared socket).
_worker_runner: _Runner | None = None
_inherited_connections: list[object] = []


def _worker_start(runner: _Runner) -> None:
    global _worker_runner  # noqa: PLW0603 - one runner per worker process
    _worker_runner = runner
    for wrapper in connections.all(initialized_only=True):
        if wrapper.connection is not None:
            _inherited_connections.append(wrapper.connection)
            wrapper.connection = None


def _worker_migrate(plan: SchemaPlan) -> SchemaOutcome:
    assert _worker_runner is not None  # noqa: S101 - set by the pool's initializer
    return _worker_runner.migrate(plan)


def default_processes() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def tenant_migrations_run(
    *,
    schemas: Iterable[str],
    database: str = "default",
    processes: int | None = None,
    loader: MigrationLoader | None = None,
    on_plan: Callable[[list[SchemaPlan]], None] | None = None,
    on_progress: ProgressCallback | None = None,
) -> TenantMigrationsReport:
    """Apply to each schema the migrations it lacks; failures are reported, never raised."""
    started = time.perf_counter()
    names = list(schemas)
    loader = loader or migration_loader()
    plans = schema_plans(names, loader=loader, database=database)
    to_migrate = [plan for plan in plans if plan.migrations]
    if on_plan is not None:
        on_plan(to_migrate)
    processes = max(1, min(processes or default_processes(), len(to_migrate) or 1))
    report = TenantMigrationsReport(
        schemas=len(names), up_to_date=len(names) - len(to_migrate), processes=processes
    )
    runner = _Runner(loader=loader, database=database)

    def done(outcome: SchemaOutcome) -> None:
        report.outcomes.append(outcome)
        if on_progress is not None:
            on_progress(outcome, len(report.outcomes), len(to_migrate))

    if processes == 1:
        for plan in to_migrate:
            done(runner.migrate(plan))
    elif to_migrate:
        _run_in_processes(runner, to_migrate, processes, done, report)
    report.seconds = time.perf_counter() - started
    logger.info(
        "tenant.migrations.finished",
        extra={
            "schemas": report.schemas,
            "up_to_date": report.up_to_date,
            "migrated": len(report.migrated),
            "failed": len(report.failed),
            "not_tried": len(report.not_tried),
            "seconds": round(report.seconds, 3),
        },
    )
    return report


def _run_in_processes(
    runner: _Runner,
    plans: list[SchemaPlan],
    processes: int,
    done: Callable[[SchemaOutcome], None],
    report: TenantMigrationsReport,
) -> None:
    context = multiprocessing.get_context("fork")
    pending_names = {plan.schema for plan in plans}
    with ProcessPoolExecutor(
        max_workers=processes, mp_context=context, initializer=_worker_start, initargs=(runner,)
    ) as pool:
        futures = {pool.submit(_worker_migrate, plan): plan.schema for plan in plans}
        remaining = set(futures)
        try:
            while remaining:
                finished, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                for future in finished:
                    outcome = future.result()
                    pending_names.discard(outcome.schema)
                    done(outcome)
        except BrokenProcessPool:
            logger.error("tenant.migrations.worker_died", extra={"left": len(pending_names)})
            report.not_tried = sorted(pending_names)

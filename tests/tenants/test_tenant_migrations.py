"""migrate_tenants: each schema gets what it lacks; a failed schema is reported, the others done.

The migrations applied here are probes added to a graph loaded from disk (never files on disk):
a column with a default and an index on engagement's Organization (tenant app), the same on
billing (a shared app: recorded in tenant schemas, no SQL there), and a model (which needs
post_migrate: content type and permissions in the tenant schema). Most tests run in one process
inside the test's transaction; the multi-process test commits into throwaway schemas it drops.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration

from tenants import tenant_migrations
from tenants.provisioning import template_schema_name
from tenants.schema_clone import clone_schema
from tenants.tenant_migrations import schema_plans, tenant_migrations_run

SESSION_SCHEMAS = ["t_acme", "t_montreal", "t_paris"]
COLUMN_PROBE = ("engagement", "9001_migration_probe_column")
SHARED_PROBE = ("billing", "9001_migration_probe_column")
MODEL_PROBE = ("engagement", "9002_migration_probe_model")


def _add_probe(loader: MigrationLoader, key: tuple[str, str], ops: list) -> None:
    app_label, name = key
    parent = max(loader.graph.leaf_nodes(app_label))
    migration = Migration(name, app_label)
    migration.dependencies = [parent]
    migration.operations = ops
    loader.graph.add_node(key, migration)
    loader.graph.add_dependency(migration, key, parent)
    loader.disk_migrations[key] = migration


def _probe_column() -> models.Field:
    return models.IntegerField(default=7, db_index=True)


def probe_loader(*, model: bool = False) -> MigrationLoader:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    _add_probe(
        loader,
        COLUMN_PROBE,
        [operations.AddField("organization", "migration_probe", _probe_column())],
    )
    _add_probe(
        loader,
        SHARED_PROBE,
        [operations.AddField("billingaccount", "migration_probe", _probe_column())],
    )
    if model:
        _add_probe(
            loader,
            MODEL_PROBE,
            [
                operations.CreateModel(
                    "MigrationProbe",
                    [
                        ("id", models.BigAutoField(primary_key=True)),
                        ("label", models.CharField(max_length=20, default="probe")),
                    ],
                )
            ],
        )
    return loader


def _fetch(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _has_column(schema: str, table: str) -> bool:
    return bool(
        _fetch(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = %s AND column_name = 'migration_probe'",
            [schema, table],
        )
    )


def _probe_indexes(schema: str) -> int:
    return _fetch(
        "SELECT count(*) FROM pg_indexes WHERE schemaname = %s "
        "AND tablename = 'engagement_organization' AND indexdef LIKE '%%migration_probe%%'",
        [schema],
    )[0][0]


def _recorded(schema: str) -> set[tuple[str, str]]:
    rows = _fetch(f'SELECT app, name FROM "{schema}".django_migrations WHERE name LIKE %s', ["9%"])
    return set(rows)


def _clone_template(schema: str) -> None:
    with transaction.atomic():
        clone_schema(source=template_schema_name(), target=schema)


def _conflict(schema: str) -> None:
    """A column already there under the probe's name: ADD COLUMN fails in this schema only."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'ALTER TABLE "{schema}".engagement_organization ADD COLUMN migration_probe text'
        )


@pytest.mark.django_db
def test_every_schema_gets_the_migration_it_lacks_in_its_own_schema(paris, montreal, acme):
    loader = probe_loader()

    report = tenant_migrations_run(schemas=SESSION_SCHEMAS, processes=1, loader=loader)

    assert report.is_success
    assert report.up_to_date == 0
    assert sorted(outcome.schema for outcome in report.migrated) == SESSION_SCHEMAS
    for outcome in report.migrated:
        assert outcome.applied == (COLUMN_PROBE, SHARED_PROBE) or outcome.applied == (
            SHARED_PROBE,
            COLUMN_PROBE,
        )
    for schema in SESSION_SCHEMAS:
        assert _recorded(schema) == {COLUMN_PROBE, SHARED_PROBE}
        assert _has_column(schema, "engagement_organization")
        assert _probe_indexes(schema) == 1
        # billing is a shared app: its migration is recorded in the tenant schema, its SQL is not
        # run there (no billing table in a tenant schema) nor in public by this run.
        assert not _fetch(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name = 'billing_billingaccount'",
            [schema],
        )
    assert not _has_column("public", "billing_billingaccount")
    assert _recorded("public") == set()
    # The template is tenant_template --rebuild's, not this run's.
    assert _recorded(template_schema_name()) == set()


@pytest.mark.django_db
def test_a_failed_schema_is_reported_the_others_done_and_a_rerun_finishes_it(paris, montreal, acme):
    loader = probe_loader()
    _conflict("t_montreal")

    report = tenant_migrations_run(schemas=SESSION_SCHEMAS, processes=1, loader=loader)

    assert not report.is_success
    assert [outcome.schema for outcome in report.failed] == ["t_montreal"]
    failed = report.failed[0]
    assert failed.failed_migration == COLUMN_PROBE
    assert "migration_probe" in failed.error and "already exists" in failed.error
    # The failed migration rolled back whole; the ones before it in the plan stay applied.
    assert COLUMN_PROBE not in _recorded("t_montreal")
    assert set(failed.applied) == _recorded("t_montreal")
    assert _probe_indexes("t_montreal") == 0
    for schema in ("t_acme", "t_paris"):
        assert _recorded(schema) == {COLUMN_PROBE, SHARED_PROBE}
        assert _probe_indexes(schema) == 1

    with connection.cursor() as cursor:
        cursor.execute(
            'ALTER TABLE "t_montreal".engagement_organization DROP COLUMN migration_probe'
        )
    rerun = tenant_migrations_run(schemas=SESSION_SCHEMAS, processes=1, loader=loader)

    assert rerun.is_success
    assert rerun.up_to_date == 2
    assert [outcome.schema for outcome in rerun.migrated] == ["t_montreal"]
    assert COLUMN_PROBE in rerun.migrated[0].applied
    assert _recorded("t_montreal") == {COLUMN_PROBE, SHARED_PROBE}
    assert _probe_indexes("t_montreal") == 1

    nothing = tenant_migrations_run(schemas=SESSION_SCHEMAS, processes=1, loader=loader)

    assert nothing.is_success
    assert nothing.up_to_date == 3
    assert nothing.outcomes == []


@pytest.mark.django_db
def test_each_schema_gets_only_what_it_lacks(paris, montreal, acme):
    loader = probe_loader()
    tenant_migrations_run(schemas=["t_paris"], processes=1, loader=loader)
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM \"t_acme\".django_migrations WHERE app = 'billing' AND name = %s",
            [SHARED_PROBE[1]],
        )
        cursor.execute(
            'INSERT INTO "t_acme".django_migrations (app, name, applied) VALUES (%s, %s, now())',
            list(COLUMN_PROBE),
        )

    plans = {
        plan.schema: plan.migrations
        for plan in schema_plans(SESSION_SCHEMAS, loader=loader, database="default")
    }

    assert plans["t_paris"] == ()
    assert plans["t_acme"] == (SHARED_PROBE,)
    assert set(plans["t_montreal"]) == {COLUMN_PROBE, SHARED_PROBE}


@pytest.mark.django_db
def test_a_new_model_gets_its_content_type_and_permissions_in_each_schema(paris, acme):
    loader = probe_loader(model=True)

    report = tenant_migrations_run(schemas=["t_acme", "t_paris"], processes=1, loader=loader)

    assert report.is_success
    for schema in ("t_acme", "t_paris"):
        assert _fetch(f'SELECT 1 FROM "{schema}".engagement_migrationprobe') == []
        content_types = _fetch(
            f'SELECT id FROM "{schema}".django_content_type '
            "WHERE app_label = 'engagement' AND model = 'migrationprobe'"
        )
        assert len(content_types) == 1
        permissions = _fetch(
            f'SELECT codename FROM "{schema}".auth_permission WHERE content_type_id = %s',
            [content_types[0][0]],
        )
        assert sorted(row[0] for row in permissions) == [
            "add_migrationprobe",
            "change_migrationprobe",
            "delete_migrationprobe",
            "view_migrationprobe",
        ]
    assert not _fetch(
        "SELECT 1 FROM public.django_content_type WHERE app_label = 'engagement' "
        "AND model = 'migrationprobe'"
    )


@pytest.mark.django_db
def test_a_schema_never_migrated_gets_every_migration(paris):
    loader = probe_loader()
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "t_mg_empty"')

    report = tenant_migrations_run(schemas=["t_mg_empty", "t_paris"], processes=1, loader=loader)

    assert report.is_success
    [outcome] = [item for item in report.migrated if item.schema == "t_mg_empty"]
    assert len(outcome.applied) > 50
    assert _probe_indexes("t_mg_empty") == 1
    recorded = {row for row in _fetch('SELECT app, name FROM "t_mg_empty".django_migrations')}
    assert recorded == set(outcome.applied)


@pytest.fixture
def committed_schemas(django_db_blocker) -> Iterator[list[str]]:
    """Four clones of the template, committed (the worker processes have their own connections)."""
    names = [f"t_mg_committed_{index}" for index in range(4)]
    with django_db_blocker.unblock():
        try:
            for name in names:
                _clone_template(name)
            yield names
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                for name in names:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_processes_report_a_failure_complete_the_others_and_a_rerun_finishes_it(
    committed_schemas,
):
    loader = probe_loader()
    broken = committed_schemas[1]
    _conflict(broken)
    seen: list[tuple[str, int, int]] = []

    report = tenant_migrations_run(
        schemas=committed_schemas,
        processes=2,
        loader=loader,
        on_progress=lambda outcome, done, total: seen.append((outcome.schema, done, total)),
    )

    assert report.processes == 2
    assert [outcome.schema for outcome in report.failed] == [broken]
    assert "already exists" in report.failed[0].error
    assert sorted(outcome.schema for outcome in report.migrated) == sorted(
        set(committed_schemas) - {broken}
    )
    assert sorted(seen) == sorted(
        (outcome.schema, done, 4) for outcome, done in zip(report.outcomes, range(1, 5))
    )
    for schema in set(committed_schemas) - {broken}:
        assert _recorded(schema) == {COLUMN_PROBE, SHARED_PROBE}
        assert _probe_indexes(schema) == 1
    assert COLUMN_PROBE not in _recorded(broken)

    with connection.cursor() as cursor:
        cursor.execute(
            f'ALTER TABLE "{broken}".engagement_organization DROP COLUMN migration_probe'
        )
    rerun = tenant_migrations_run(schemas=committed_schemas, processes=2, loader=loader)

    assert rerun.is_success
    assert rerun.up_to_date == 3
    assert [outcome.schema for outcome in rerun.migrated] == [broken]
    assert _recorded(broken) == {COLUMN_PROBE, SHARED_PROBE}
    assert _probe_indexes(broken) == 1

    nothing = tenant_migrations_run(schemas=committed_schemas, processes=2, loader=loader)

    assert nothing.up_to_date == 4
    assert nothing.outcomes == []


@pytest.mark.django_db
def test_command_lists_the_failed_schemas_and_exits_non_zero(
    paris, montreal, acme, monkeypatch, capsys
):
    loader = probe_loader()
    monkeypatch.setattr(tenant_migrations, "migration_loader", lambda: loader)
    _conflict("t_paris")

    with pytest.raises(CommandError) as raised:
        call_command("migrate_tenants", processes=1)

    assert "1 tenant schema(s) not migrated: t_paris." in str(raised.value)
    captured = capsys.readouterr()
    assert "3 tenant schema(s): 0 up to date, 3 to migrate (6 migration(s)) in 1 process(es)." in (
        captured.out
    )
    assert "3/3 schemas (100%)" in captured.out
    assert "2 schema(s) migrated, 1 failed" in captured.out
    assert "FAILED t_paris at engagement.9001_migration_probe_column: ProgrammingError" in (
        captured.err
    )


@pytest.mark.django_db
def test_command_with_nothing_to_do_migrates_nothing(paris, montreal, acme, capsys):
    call_command("migrate_tenants")

    out = capsys.readouterr().out
    assert "3 tenant schema(s): 3 up to date, 0 to migrate (0 migration(s))" in out
    assert "0 schema(s) migrated, 0 failed" in out


@pytest.mark.django_db
def test_command_refuses_an_unknown_schema_and_zero_processes(paris):
    with pytest.raises(CommandError, match="Not a tenant schema: t_nowhere."):
        call_command("migrate_tenants", schemas=["t_nowhere"])
    with pytest.raises(CommandError, match="--processes must be at least 1."):
        call_command("migrate_tenants", processes=0)

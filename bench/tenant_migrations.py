"""One real migration across N tenants: `manage.py migrate_tenants` vs django-tenants' executors.

    .venv/bin/python bench/tenant_migrations.py [N] [--compare M]    # default 1000 and 100

Its own database (BENCH_DATABASE, default entraide_tenant_migrations_bench), dropped at the end.

1. Provisions M tenants by copying the template schema (tenants/schema_clone.py's copy script,
   generated once and run per tenant; Tenant and Domain rows in bulk: no seeding, no admin).
2. Writes a temporary migration into engagement/migrations/ (a new integer column with a default
   and an index on Organization), removed when the bench ends, whatever happens.
3. At M tenants, applies it with `manage.py migrate_schemas --tenant` (standard executor), with
   `--executor=multiprocessing` (2 processes) and with `manage.py migrate_tenants`, each in a
   subprocess as the Helm Job runs it, the migration undone between runs.
4. Provisions up to N tenants, gives one tenant a conflicting column, then runs `migrate_tenants`
   at N: that tenant must be reported and every other one migrated; drops the conflicting column
   and runs it again (only that tenant is left), then once more with nothing to do.
5. With the temporary migration removed, provisions `--provision K` more tenants (default 20)
   through `tenants.services.tenant_provision`, the real service (template clone, billing trial,
   default causes and skills, first admin), with N tenants already in the database.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

os.environ.setdefault("BENCH_DATABASE", "entraide_tenant_migrations_bench")

from _common import (  # noqa: E402
    ROOT,
    bench_database,
    int_option,
    machine_description,
    summarize,
    tenant_rows_create,
)

N = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1000
COMPARE = int_option("--compare", 100)
MIGRATION_NAME = "9901_bench_tenant_migration"
MIGRATION_FILE = ROOT / "engagement" / "migrations" / f"{MIGRATION_NAME}.py"
COLUMN = "bench_probe"
PROVISION = int_option("--provision", 20)
PROCESSES = 2
TARGET_SECONDS = 120


def _provision(start: int, stop: int) -> float:
    """Tenants start..stop-1 by template copy, one per transaction; returns seconds.

    One per transaction: a copy takes a lock per table, index and sequence (~200), and the lock
    table (max_locks_per_transaction x connections) is shared by every session of the server.
    """
    from django.db import connection, transaction

    from tenants.provisioning import template_schema_name
    from tenants.schema_clone import _clone_script, _quote, _relations

    began = time.perf_counter()
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        source = template_schema_name()
        script = ";\n".join(_clone_script(cursor, source, _relations(cursor, source)))
    for batch in range(start, stop):
        indexes = range(batch, batch + 1)
        with transaction.atomic(), connection.cursor() as cursor:
            for index in indexes:
                cursor.execute(f"CREATE SCHEMA {_quote(f't_bench{index:05d}')}")
                cursor.execute(f"SET LOCAL search_path = {_quote(f't_bench{index:05d}')}, public")
                cursor.execute(script)
            cursor.execute("SET LOCAL search_path = public")
            tenant_rows_create("bench", indexes)
        connection.set_schema_to_public()
        if (batch + 1) % 100 == 0:
            print(f"  provisioned {batch + 1}/{stop} tenants", flush=True)
    return time.perf_counter() - began


def _provision_with_service(count: int) -> list[float]:
    """Seconds per `tenant_provision` call, `count` calls."""
    from tenants.services import tenant_provision

    samples = []
    for index in range(count):
        slug = f"provisioned{index:03d}"
        started = time.perf_counter()
        tenant_provision(
            kind="city", name=f"Provisioned {index}", slug=slug, admin_email=f"admin@{slug}.example"
        )
        samples.append(time.perf_counter() - started)
    return samples


def _write_migration() -> None:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    [leaf] = loader.graph.leaf_nodes("engagement")
    MIGRATION_FILE.write_text(
        "# Written by bench/tenant_migrations.py and removed when it ends: never commit it.\n"
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [{leaf!r}]\n"
        "    operations = [\n"
        "        migrations.AddField(\n"
        f'            "organization", "{COLUMN}", models.IntegerField(default=0, db_index=True)\n'
        "        ),\n"
        "    ]\n"
    )


def _remove_migration() -> None:
    MIGRATION_FILE.unlink(missing_ok=True)
    for cached in MIGRATION_FILE.parent.glob(f"__pycache__/{MIGRATION_NAME}.*"):
        cached.unlink(missing_ok=True)


def _schemas() -> list[str]:
    from tenants.models import Tenant

    return list(Tenant.objects.order_by("schema_name").values_list("schema_name", flat=True))


def _undo_migration() -> None:
    """Drop the column and forget the migration in every tenant schema, 100 per statement."""
    from django.db import connection

    schemas = _schemas()
    connection.set_schema_to_public()
    for start in range(0, len(schemas), 100):
        statements = []
        for schema in schemas[start : start + 100]:
            statements.append(
                f'ALTER TABLE "{schema}".engagement_organization DROP COLUMN IF EXISTS {COLUMN}'
            )
            statements.append(
                f"DELETE FROM \"{schema}\".django_migrations WHERE name = '{MIGRATION_NAME}'"
            )
        with connection.cursor() as cursor:
            cursor.execute(";\n".join(statements))


def _count_migrated() -> int:
    from django.db import connection

    schemas = _schemas()
    connection.set_schema_to_public()
    migrated = 0
    for start in range(0, len(schemas), 200):
        union = " UNION ALL ".join(
            f"SELECT count(*) FROM \"{schema}\".django_migrations WHERE name = '{MIGRATION_NAME}'"
            for schema in schemas[start : start + 200]
        )
        with connection.cursor() as cursor:
            cursor.execute(union)
            migrated += sum(row[0] for row in cursor.fetchall())
    return migrated


def _run(arguments: list[str]) -> tuple[float, int, str]:
    """A manage.py command in a subprocess, as the Job runs it: seconds, exit code, output."""
    environment = dict(os.environ, TENANT_MULTIPROCESSING_MAX_PROCESSES=str(PROCESSES))
    started = time.perf_counter()
    finished = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - started, finished.returncode, finished.stdout + finished.stderr


def _conflict(schema: str, *, add: bool) -> None:
    from django.db import connection

    connection.set_schema_to_public()
    change = f"ADD COLUMN {COLUMN} text" if add else f"DROP COLUMN {COLUMN}"
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{schema}".engagement_organization {change}')


def _show(output: str, pattern: str = r"schema|FAILED|CommandError|Error") -> None:
    for line in output.splitlines():
        if re.search(pattern, line):
            print(f"    | {line[:160]}")


def main() -> None:
    compare = min(COMPARE, N)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    try:
        with bench_database() as info:
            print(f"machine: {machine_description()}")
            print(f"bench database {info.database} ready in {info.seconds_to_prepare:.1f} s")
            seconds = _provision(0, compare)
            print(f"{compare} tenants provisioned (template copy) in {seconds:.1f} s")
            _write_migration()
            print(f"temporary migration engagement.{MIGRATION_NAME}: AddField with default + index")

            print()
            print(f"one migration over {compare} tenants (seconds, subprocess as the Job runs it)")
            rows = [
                ("migrate_schemas --tenant (standard)", ["migrate_schemas", "--tenant"]),
                (
                    f"migrate_schemas --tenant --executor=multiprocessing ({PROCESSES})",
                    ["migrate_schemas", "--tenant", "--executor=multiprocessing"],
                ),
                (
                    f"migrate_tenants --processes={PROCESSES}",
                    ["migrate_tenants", f"--processes={PROCESSES}"],
                ),
            ]
            at_compare = {}
            for label, arguments in rows:
                if arguments[0] == "migrate_schemas":
                    arguments = [*arguments, "--noinput"]
                elapsed, code, _ = _run(arguments)
                migrated = _count_migrated()
                at_compare[label] = elapsed
                print(
                    f"  {label:<58}{elapsed:>8.1f} s  {elapsed / compare * 1000:>6.0f} ms/tenant  "
                    f"exit {code}, {migrated}/{compare} migrated"
                )
                _undo_migration()

            if N > compare:
                seconds = _provision(compare, N)
                print(f"\n{N - compare} more tenants provisioned in {seconds:.1f} s")
            schemas = _schemas()
            broken = schemas[len(schemas) // 2]
            _conflict(broken, add=True)
            print()
            print(f"one migration over {len(schemas)} tenants, {broken} given a conflicting column")
            elapsed, code, output = _run(["migrate_tenants", f"--processes={PROCESSES}"])
            migrated = _count_migrated()
            print(
                f"  migrate_tenants: {elapsed:.1f} s ({elapsed / len(schemas) * 1000:.0f} ms per "
                f"tenant), exit {code}, {migrated}/{len(schemas)} migrated"
            )
            _show(output)
            _conflict(broken, add=False)
            rerun, rerun_code, rerun_output = _run(["migrate_tenants", f"--processes={PROCESSES}"])
            print(
                f"  re-run after dropping the column: {rerun:.1f} s, exit {rerun_code}, "
                f"{_count_migrated()}/{len(schemas)} migrated"
            )
            _show(rerun_output, r"tenant schema|migrated")
            noop, noop_code, noop_output = _run(["migrate_tenants", f"--processes={PROCESSES}"])
            print(
                f"  no-op migrate_tenants: {noop:.2f} s ({noop / len(schemas) * 1000:.1f} ms per "
                f"tenant), exit {noop_code}"
            )
            _show(noop_output, r"tenant schema")
            noop_stock, stock_code, _ = _run(
                ["migrate_schemas", "--tenant", "--executor=multiprocessing", "--noinput"]
            )
            print(
                f"  no-op migrate_schemas --tenant (multiprocessing, skips up to date): "
                f"{noop_stock:.2f} s, exit {stock_code}"
            )

            _remove_migration()
            if PROVISION:
                provisioned = summarize(_provision_with_service(PROVISION))
                print(
                    f"  tenant_provision with {len(schemas)} tenants in the database: median "
                    f"{provisioned.median:.3f} s, p95 {provisioned.p95:.3f} s ({provisioned.count})"
                )

            print()
            ok = code != 0 and migrated == len(schemas) - 1 and rerun_code == 0
            print(
                f"failure reported, others completed, re-run finished it: {'yes' if ok else 'NO'}"
            )
            verdict = "met" if elapsed < TARGET_SECONDS else "MISSED"
            print(
                f"target < {TARGET_SECONDS} s at {len(schemas)} tenants: {verdict} "
                f"({elapsed:.1f} s)"
            )
            print(f"machine at the end: {machine_description()}")
    finally:
        _remove_migration()


if __name__ == "__main__":
    main()

"""Provisioning by template clone vs by migrations, and no-op `migrate_schemas` across N tenants.

    .venv/bin/python bench/provisioning.py [N]      # N tenants, default 200

1. Provisions N tenants through `tenants.services.tenant_provision` (clone of the template
   schema, default causes and skills, first admin) and reports the median and p95 seconds.
2. Provisions a few more the way django-tenants does without a template (CREATE SCHEMA, then
   `migrate_schemas --tenant --schema=…`), followed by the same seeding, and reports the median.
3. Runs `migrate_schemas --tenant` with nothing to apply over the N tenants: Entraide's executor
   (tenants/migration_executor.py, skips up-to-date schemas) and django-tenants' stock executors,
   standard and multiprocessing, in-process, plus one end-to-end run as a subprocess; reports
   seconds in total and milliseconds per tenant.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, bench_database, machine_description, summarize  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
BY_MIGRATIONS = int(os.environ.get("BENCH_MIGRATION_SAMPLES", "7"))
OURS_RUNS = 3
CLONE_SAMPLES = 15
STOCK_RUNS = 2


def _provision_by_clone(index: int) -> float:
    from tenants.services import tenant_provision

    slug = f"city{index:04d}"
    started = time.perf_counter()
    tenant_provision(
        kind="city", name=f"City {index}", slug=slug, admin_email=f"admin@{slug}.example"
    )
    return time.perf_counter() - started


def _provision_by_migrations(index: int) -> float:
    """django-tenants' path without a template: rows, CREATE SCHEMA, every migration, seeding."""
    from django.conf import settings
    from django.db import connection
    from django_tenants.utils import tenant_context

    from accounts.services import user_create_tenant_admin
    from engagement.taxonomy.services import taxonomy_seed_defaults
    from tenants.models import Domain, Tenant

    slug = f"migrated{index:02d}"
    started = time.perf_counter()
    tenant = Tenant(kind="city", name=f"Migrated {index}", slug=slug, schema_name=f"t_{slug}")
    tenant.save()
    Domain.objects.create(
        domain=f"{slug}.{settings.BASE_DOMAIN}", tenant=tenant, is_primary=True, is_verified=True
    )
    tenant.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
    with tenant_context(tenant):
        taxonomy_seed_defaults()
        user_create_tenant_admin(email=f"admin@{slug}.example")
    elapsed = time.perf_counter() - started
    connection.set_schema_to_public()
    return elapsed


def _clone_only(index: int, *, stock: bool) -> float:
    """Just the schema copy, in a transaction rolled back afterwards."""
    from django.db import connection, transaction
    from django_tenants.clone import CloneSchema

    from tenants.provisioning import template_schema_name
    from tenants.schema_clone import clone_schema

    target = f"t_clone_only_{index}"
    started = time.perf_counter()
    with transaction.atomic():
        if stock:
            CloneSchema().clone_schema(template_schema_name(), target, "DATA")
        else:
            clone_schema(source=template_schema_name(), target=target)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    connection.set_schema_to_public()
    return elapsed


def _drop_migrated_tenants() -> None:
    from django.db import connection

    from tenants.models import Tenant
    from tenants.provisioning import schema_drop

    for tenant in Tenant.objects.filter(slug__startswith="migrated"):
        schema_drop(tenant.schema_name)
        tenant.delete()
    connection.set_schema_to_public()


def _noop_migrate(executor: str, *, skip_up_to_date: bool) -> tuple[float, str]:
    """Seconds for one run on a fresh connection (as a deploy job has), and our summary line."""
    import contextlib
    import io

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.TENANT_MIGRATIONS_SKIP_UP_TO_DATE = skip_up_to_date
    connection.close()
    connection.set_schema_to_public()
    output = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(output):
        call_command(
            "migrate_schemas",
            tenant=True,
            executor=executor,
            interactive=False,
            verbosity=1 if skip_up_to_date else 0,
        )
    elapsed = time.perf_counter() - started
    connection.set_schema_to_public()
    summary = next((line for line in output.getvalue().splitlines() if "up to date" in line), "")
    return elapsed, summary


def _noop_migrate_subprocess() -> float:
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "manage.py",
            "migrate_schemas",
            "--tenant",
            "--executor=multiprocessing",
            "--noinput",
            "-v",
            "0",
        ],
        cwd=ROOT,
        check=True,
    )
    return time.perf_counter() - started


def _schema_facts() -> tuple[int, int, int]:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from tenants.provisioning import template_schema_name

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
            [template_schema_name()],
        )
        tables = cursor.fetchone()[0]
    loader = MigrationLoader(None, ignore_no_migrations=True)
    from django.conf import settings

    tenant_apps = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
    tenant_migrations = sum(1 for app, _ in loader.graph.nodes if app in tenant_apps)
    return tables, len(loader.graph.nodes), tenant_migrations


def main() -> None:
    with bench_database() as info:
        from django.db import connection

        from tenants import provisioning
        from tenants.models import Tenant

        rebuild_seconds = provisioning.template_build()
        tables, migrations, tenant_migrations = _schema_facts()
        print(f"machine: {machine_description()}")
        print(f"bench database {info.database} ready in {info.seconds_to_prepare:.1f} s")
        print(
            f"template schema: {tables} tables, rebuilt in {rebuild_seconds:.2f} s "
            f"({migrations} migrations in the graph, {tenant_migrations} of tenant apps)"
        )

        by_migrations = [_provision_by_migrations(index) for index in range(BY_MIGRATIONS)]
        _drop_migrated_tenants()

        started = time.perf_counter()
        by_clone = []
        for index in range(N):
            by_clone.append(_provision_by_clone(index))
            if (index + 1) % 50 == 0:
                print(f"  provisioned {index + 1}/{N} tenants", flush=True)
        provisioning_wall = time.perf_counter() - started
        tenants = Tenant.objects.count()
        connection.set_schema_to_public()
        # The schema copy alone, ours and django-tenants', alternated, with N tenants' catalog.
        clone_ours, clone_stock = [], []
        for index in range(CLONE_SAMPLES):
            clone_ours.append(_clone_only(index, stock=False))
            clone_stock.append(_clone_only(index, stock=True))

        clone = summarize(by_clone)
        migrate = summarize(by_migrations)
        print()
        print(f"provisioning ({tenants} tenants provisioned in {provisioning_wall:.0f} s)")
        print(f"{'path':<44}{'median s':>10}{'p95 s':>9}{'n':>6}")
        for label, figures in (
            ("clone of the template (tenant_provision)", clone),
            ("migrations (django-tenants create_schema)", migrate),
        ):
            print(f"{label:<44}{figures.median:>10.3f}{figures.p95:>9.3f}{figures.count:>6}")
        print(f"migrations / clone (median): {migrate.median / clone.median:.1f}x")
        ours_copy, stock_copy = summarize(clone_ours), summarize(clone_stock)
        print(
            f"schema copy alone, median: tenants.schema_clone {ours_copy.median:.3f} s, "
            f"django-tenants clone_schema() {stock_copy.median:.3f} s "
            f"({stock_copy.median / ours_copy.median:.1f}x), n={ours_copy.count}"
        )
        first, last = by_clone[: max(1, N // 10)], by_clone[-max(1, N // 10) :]
        print(
            f"clone median, first 10% vs last 10% of tenants: {statistics.median(first):.3f} s "
            f"vs {statistics.median(last):.3f} s"
        )

        print()
        print(f"no-op migrate_schemas --tenant over {tenants} tenants")
        print(f"{'executor':<44}{'runs (s)':>26}{'ms/tenant':>11}")
        rows = [
            ("entraide, standard (skips up to date)", "standard", True, OURS_RUNS),
            ("entraide, multiprocessing (skips up to date)", "multiprocessing", True, OURS_RUNS),
            ("django-tenants stock, standard", "standard", False, STOCK_RUNS),
            ("django-tenants stock, multiprocessing", "multiprocessing", False, STOCK_RUNS),
        ]
        # A migration may have landed on disk while the bench ran (others work in this tree):
        # one untimed run applies it first, so the timed runs below have nothing to do.
        settle_seconds, settle_summary = _noop_migrate("standard", skip_up_to_date=True)
        print(f"settling run: {settle_seconds:.2f} s, {settle_summary or 'no summary'}")
        results = {}
        summaries = set()
        for label, executor, skip, runs in rows:
            measured = [_noop_migrate(executor, skip_up_to_date=skip) for _ in range(runs)]
            seconds = [elapsed for elapsed, _ in measured]
            summaries |= {summary for _, summary in measured if summary}
            best = statistics.median(seconds)
            results[label] = best
            shown = ", ".join(f"{value:.2f}" for value in seconds)
            print(f"{label:<44}{shown:>26}{best / tenants * 1000:>11.1f}")
        end_to_end = [_noop_migrate_subprocess() for _ in range(2)]
        shown = ", ".join(f"{value:.2f}" for value in end_to_end)
        print(
            f"{'entraide, manage.py in a subprocess (mp)':<44}{shown:>26}"
            f"{statistics.median(end_to_end) / tenants * 1000:>11.1f}"
        )
        for summary in sorted(summaries):
            print(f"  executor said: {summary}")

        ours = results["entraide, multiprocessing (skips up to date)"]
        print()
        ok_provision = clone.median < 1.0
        ok_migrate = ours / tenants * 1000 <= 50 and max(end_to_end) / tenants * 1000 <= 50
        print(f"target provisioning median < 1 s: {'met' if ok_provision else 'MISSED'}")
        verdict = "met" if ok_migrate else "MISSED"
        print(f"target no-op migrate <= 50 ms/tenant at N={tenants}: {verdict}")


if __name__ == "__main__":
    main()

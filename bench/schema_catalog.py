"""How many tenant schemas one PostgreSQL holds: catalog size, pg_dump, connections, planning.

    .venv/bin/python bench/schema_catalog.py [N]      # N tenants, default 1000

In a database of its own (BENCH_DATABASE, default `entraide_schema_catalog_bench`, dropped at
the end), it provisions tenants through `tenants.services.tenant_provision` (the copy of the
template schema, as production does) and, at each checkpoint (the template alone, 100, 500 and
N tenants), measures:

1. the catalog: rows of pg_class, pg_attribute, pg_index, pg_constraint, pg_depend, the on-disk
   size of the pg_catalog relations, the whole database's size, and what one tenant schema adds;
2. `pg_dump -Fc` of the whole database and of one tenant schema (`-n`): seconds and bytes, or
   the error when it fails; the whole database only while it locks fewer tables than half the
   server's lock slots (beyond, it exhausts the lock table every session shares);
3. one connection querying every table of 1, 10, 50, 100 tenant schemas: the memory of its
   contexts (relation and catalog caches), what a pooled server connection accumulates;
4. a new connection: connect + `SELECT 1` (ms), then the first query on a tenant's tables on
   that connection (its relation cache is cold), and the planning time of a mission × slot join
   reported by EXPLAIN, cold (first on a new connection) and warm (same query again).

Figures are printed; docs/benchmarks.md ("Schemas per PostgreSQL") and docs/scaling.md hold
them with the machine's load.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

os.environ.setdefault("BENCH_DATABASE", "entraide_schema_catalog_bench")

from _common import _admin_connect, _server_url, bench_database, machine_description  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
SMALL_N = 100
MIDDLE_N = 500
CONNECTION_SAMPLES = 20
BACKEND_MEMORY_SCHEMAS = 100
PG_DUMP_TIMEOUT_SECONDS = 1800
CATALOGS = ("pg_class", "pg_attribute", "pg_index", "pg_constraint", "pg_depend", "pg_type")
PLANNED_QUERY = (
    "SELECT m.id, s.starts_at FROM engagement_mission m "
    "JOIN engagement_slot s ON s.mission_id = m.id "
    "WHERE m.status = 'published' ORDER BY s.starts_at LIMIT 20"
)


def _catalog(database: str, schema: str | None) -> dict[str, float]:
    figures: dict[str, float] = {}
    with _admin_connect(database) as connection:
        for catalog in CATALOGS:
            figures[catalog] = connection.execute(f"SELECT count(*) FROM {catalog}").fetchone()[0]
        figures["catalog_bytes"] = connection.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'pg_catalog' AND c.relkind IN ('r', 't', 'm')"
        ).fetchone()[0]
        figures["database_bytes"] = connection.execute(
            "SELECT pg_database_size(current_database())"
        ).fetchone()[0]
        figures["schemas"] = connection.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 't\\_%'"
        ).fetchone()[0]
        if schema:
            relkinds = connection.execute(
                "SELECT c.relkind, count(*), sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
                "GROUP BY c.relkind ORDER BY c.relkind",
                [schema],
            ).fetchall()
            figures["schema_relations"] = sum(count for _, count, _ in relkinds)
            figures["schema_tables"] = sum(count for kind, count, _ in relkinds if kind == "r")
            figures["schema_bytes"] = sum(size or 0 for kind, _, size in relkinds if kind == "r")
    return figures


def _pg_dump(database: str, schema: str | None) -> tuple[float | None, int, str]:
    parts = urlsplit(_server_url())
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "dump"
        argv = [
            "pg_dump",
            "-Fc",
            "-h",
            parts.hostname or "127.0.0.1",
            "-p",
            str(parts.port or 5432),
            "-U",
            parts.username or "postgres",
            "-f",
            str(target),
        ]
        if schema:
            argv += ["-n", schema]
        argv.append(database)
        environment = dict(os.environ)
        if parts.password:
            environment["PGPASSWORD"] = parts.password
        started = time.perf_counter()
        try:
            result = subprocess.run(  # noqa: S603 - fixed argv
                argv,
                capture_output=True,
                text=True,
                timeout=PG_DUMP_TIMEOUT_SECONDS,
                env=environment,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None, 0, f"timed out after {PG_DUMP_TIMEOUT_SECONDS} s"
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            error = next((line for line in result.stderr.splitlines() if line.strip()), "?")
            return elapsed, 0, f"FAILED after {elapsed:.1f} s: {error}"
        return elapsed, target.stat().st_size, ""


def _lock_needs(database: str) -> tuple[int, int]:
    """(tables pg_dump would lock, lock slots of the whole server)."""
    with _admin_connect(database) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p', 'm', 'v', 'f', 'S')"
        ).fetchone()[0]
        slots = connection.execute(
            "SELECT current_setting('max_locks_per_transaction')::int * "
            "(current_setting('max_connections')::int + "
            "current_setting('max_prepared_transactions')::int)"
        ).fetchone()[0]
    return int(tables), int(slots)


def _planning_ms(connection) -> float:  # type: ignore[no-untyped-def]
    row = connection.execute(f"EXPLAIN (FORMAT JSON, SUMMARY TRUE) {PLANNED_QUERY}").fetchone()
    plan = row[0] if isinstance(row[0], list) else json.loads(row[0])
    return float(plan[0]["Planning Time"])


def _connections(database: str, schema: str) -> dict[str, float]:
    connect_ms, first_query_ms, cold_planning_ms, warm_planning_ms = [], [], [], []
    for _ in range(CONNECTION_SAMPLES):
        started = time.perf_counter()
        connection = _admin_connect(database)
        connection.execute("SELECT 1").fetchone()
        connect_ms.append((time.perf_counter() - started) * 1000)
        with connection:
            connection.execute(f'SET search_path TO "{schema}", public')
            started = time.perf_counter()
            connection.execute("SELECT count(*) FROM engagement_mission").fetchone()
            first_query_ms.append((time.perf_counter() - started) * 1000)
            cold_planning_ms.append(_planning_ms(connection))
            warm_planning_ms.append(min(_planning_ms(connection) for _ in range(5)))
    return {
        "connect_ms": statistics.median(connect_ms),
        "first_query_ms": statistics.median(first_query_ms),
        "cold_planning_ms": statistics.median(cold_planning_ms),
        "warm_planning_ms": statistics.median(warm_planning_ms),
    }


def _backend_memory(database: str, schemas: list[str]) -> list[tuple[int, float]]:
    """(schemas touched, MiB of the backend's memory contexts) as one connection queries every
    table of more and more tenant schemas, as a pooled server connection serving many tenants
    does: its relation and catalog caches keep an entry per table and index it has seen."""
    points = []
    with _admin_connect(database) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY 1",
                [schemas[0]],
            ).fetchall()
        ]
        marks = {0, 1, 10, len(schemas) // 2, len(schemas)}
        for touched in range(len(schemas) + 1):
            if touched in marks:
                total = connection.execute(
                    "SELECT sum(total_bytes) FROM pg_backend_memory_contexts"
                ).fetchone()[0]
                points.append((touched, float(total) / 1024 / 1024))
            if touched < len(schemas):
                for table in tables:
                    connection.execute(f'SELECT 1 FROM "{schemas[touched]}"."{table}" LIMIT 0')
    return points


def _provision(start: int, stop: int, total: int) -> float:
    from django.db import connection

    from tenants.services import tenant_provision

    started = time.perf_counter()
    for index in range(start, stop):
        slug = f"city{index:04d}"
        tenant_provision(
            kind="city", name=f"City {index}", slug=slug, admin_email=f"admin@{slug}.example"
        )
        connection.set_schema_to_public()
        if (index + 1) % 100 == 0:
            print(f"  provisioned {index + 1}/{total} tenants", flush=True)
    return time.perf_counter() - started


def _measure(database: str, tenants: int) -> dict[str, object]:
    from django.db import connections

    from tenants.models import Tenant
    from tenants.provisioning import template_schema_name

    connections.close_all()
    schema = (
        Tenant.objects.exclude(schema_name="public")
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
        .first()
    ) or template_schema_name()
    connections.close_all()
    figures: dict[str, object] = {"tenants": tenants, "schema": schema}
    figures.update(_catalog(database, schema))
    figures.update(_connections(database, schema))
    schemas = list(
        Tenant.objects.exclude(schema_name="public")
        .order_by("schema_name")
        .values_list("schema_name", flat=True)[:BACKEND_MEMORY_SCHEMAS]
    )
    connections.close_all()
    figures["backend_memory"] = _backend_memory(database, schemas) if schemas else []
    tables, lock_slots = _lock_needs(database)
    figures["lock_needs"] = (tables, lock_slots)
    if tables * 2 < lock_slots:
        figures["dump_all"] = _pg_dump(database, None)
    else:
        # pg_dump holds a lock on every table until it ends, in the lock table every session of
        # the server shares: past the slots it fails, and on the way it makes other sessions'
        # transactions fail with "out of shared memory" (seen here: it broke a provisioning).
        figures["dump_all"] = (
            None,
            0,
            f"skipped: it would lock up to {tables:,} relations (tables, sequences, views) at "
            "once; the server's lock table has "
            f"{lock_slots:,} slots for all sessions (max_locks_per_transaction x "
            "(max_connections + max_prepared_transactions))",
        )
    figures["dump_one"] = _pg_dump(database, schema)
    return figures


def _mib(value: float) -> str:
    return f"{value / 1024 / 1024:,.1f} MiB"


def _print(figures: dict[str, object]) -> None:
    print(f"\n== {figures['tenants']} tenants ({figures['schemas']} t_* schemas) ==", flush=True)
    for catalog in CATALOGS:
        print(f"  {catalog:<16}{figures[catalog]:>12,} rows")
    print(f"  pg_catalog on disk {_mib(figures['catalog_bytes'])}")  # type: ignore[arg-type]
    print(f"  database size      {_mib(figures['database_bytes'])}")  # type: ignore[arg-type]
    print(
        f"  one schema ({figures['schema']}): {figures['schema_relations']} relations, "
        f"{figures['schema_tables']} tables, {_mib(figures['schema_bytes'])} of tables"  # type: ignore[arg-type]
    )
    print(
        f"  new connection + SELECT 1: {figures['connect_ms']:.2f} ms; first tenant query on it: "
        f"{figures['first_query_ms']:.2f} ms; planning (mission x slot join) cold "
        f"{figures['cold_planning_ms']:.2f} ms, warm {figures['warm_planning_ms']:.3f} ms "
        f"(medians of {CONNECTION_SAMPLES} connections)"
    )
    if figures["backend_memory"]:
        shown = ", ".join(
            f"{touched}: {mib:.1f}"
            for touched, mib in figures["backend_memory"]  # type: ignore[attr-defined]
        )
        print(f"  one backend's memory (MiB) after querying every table of K schemas, K: {shown}")
    for label, key in (("whole database", "dump_all"), ("one tenant schema", "dump_one")):
        seconds, size, error = figures[key]  # type: ignore[misc]
        if error:
            print(f"  pg_dump -Fc {label}: {error}")
        else:
            print(f"  pg_dump -Fc {label}: {seconds:.1f} s, {_mib(size)}")


def _growth(small: dict[str, object], large: dict[str, object]) -> None:
    added = int(large["tenants"]) - int(small["tenants"])  # type: ignore[call-overload]
    if added <= 0:
        return
    print(f"\n== growth per tenant schema, {small['tenants']} -> {large['tenants']} tenants ==")
    for key in (*CATALOGS, "catalog_bytes", "database_bytes"):
        per = (float(large[key]) - float(small[key])) / added  # type: ignore[arg-type]
        shown = f"{per / 1024:,.1f} KiB" if key.endswith("_bytes") else f"{per:,.0f} rows"
        print(f"  {key:<16}{shown:>14}")
    for label, key in (("whole database", "dump_all"), ("one tenant schema", "dump_one")):
        (small_seconds, _, small_error), (large_seconds, _, large_error) = (
            small[key],  # type: ignore[misc]
            large[key],  # type: ignore[misc]
        )
        if not small_error and not large_error:
            print(f"  pg_dump {label}: {small_seconds:.1f} s -> {large_seconds:.1f} s")


def main() -> None:
    with bench_database() as info:
        print(f"machine: {machine_description()}")
        print(f"bench database {info.database} ready in {info.seconds_to_prepare:.1f} s")
        checkpoints = sorted({0, min(SMALL_N, N), min(MIDDLE_N, N), N})
        results = []
        provisioned = 0
        for checkpoint in checkpoints:
            if checkpoint > provisioned:
                seconds = _provision(provisioned, checkpoint, N)
                print(
                    f"  {checkpoint - provisioned} tenants provisioned in {seconds:.0f} s "
                    f"({seconds / (checkpoint - provisioned):.3f} s each)",
                    flush=True,
                )
                provisioned = checkpoint
            figures = _measure(info.database, checkpoint)
            _print(figures)
            results.append(figures)
        _growth(results[-2] if len(results) > 1 else results[0], results[-1])
        print(f"\nmachine at the end: {machine_description()}")


if __name__ == "__main__":
    main()

"""Cost of the outbox sweep (tenants/outbox/services.py) as the number of tenant schemas grows.

Each tenant schema gets only its outbox table (a copy of the template's, same partial index) and
a Tenant row, which is all the sweep reads; the broker is a stub that accepts every message, so
only the sweep's own work is timed.

    .venv/bin/python bench/outbox_sweep.py [N ...]     (default: 100 1000 5000)

Figures: for N schemas, the median time of an every-minute sweep with nothing pending (only the
catalog and statistics query), of a full probe (every schema, done every
OUTBOX_FULL_PROBE_SECONDS), then of a sweep with 1 % of the schemas holding 5 pending rows each;
SQL statements of each.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database, machine_description  # noqa: E402

SIZES = [int(value) for value in sys.argv[1:]] or [100, 1000, 5000]
RUNS = 5


class StubTask:
    name = "bench.noop"

    def apply_async(self, *args: object, **kwargs: object) -> None:
        return None


def _add_schemas(start: int, stop: int) -> None:
    from django.db import connection

    from tenants.models import Tenant

    with connection.cursor() as cursor:
        for index in range(start, stop):
            cursor.execute(
                f'CREATE SCHEMA "t_bench{index}"; CREATE TABLE "t_bench{index}".outbox_message '
                "(LIKE tenant_template.outbox_message INCLUDING ALL)"
            )
    Tenant.objects.bulk_create(
        [
            Tenant(kind="city", name=f"Bench {i}", slug=f"bench{i}", schema_name=f"t_bench{i}")
            for i in range(start, stop)
        ]
    )


def _pending(schemas: list[str], rows: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for schema in schemas:
            for _ in range(rows):
                cursor.execute(
                    f'INSERT INTO "{schema}".outbox_message (task_name, args, kwargs, status, '
                    "created_at, available_at, attempts, last_error) VALUES "
                    "('bench.noop', '[1]', '{}', 'pending', now(), now(), 0, '')"
                )


def _time_sweep(*, full: bool) -> tuple[float, int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tenants.outbox.services import outbox_sweep

    later = timezone.now() + timedelta(minutes=1)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = outbox_sweep(tasks={"bench.noop": StubTask()}, now=later, full=full)
        seconds = time.perf_counter() - started
    return seconds, len(queries), result


def main() -> None:
    with bench_database() as info:
        print(f"# outbox sweep — {machine_description()}")
        print(f"# prepared in {info.seconds_to_prepare:.1f} s")
        print(
            "schemas | idle sweep ms | statements | full probe ms | per schema µs | statements"
            " | 1 % with 5 rows: ms | sent | statements"
        )
        have = 0
        for size in SIZES:
            _add_schemas(have, size)
            have = size
            _flush_statistics()
            idle = [_time_sweep(full=False) for _ in range(RUNS)]
            full = [_time_sweep(full=True) for _ in range(RUNS)]
            busy_schemas = [f"t_bench{i}" for i in range(0, size, 100)]
            _pending(busy_schemas, 5)
            _flush_statistics()
            busy_seconds, busy_statements, result = _time_sweep(full=False)
            idle_ms = statistics.median(run[0] for run in idle) * 1000
            full_ms = statistics.median(run[0] for run in full) * 1000
            print(
                f"{size} | {idle_ms:.1f} | {idle[0][1]} | {full_ms:.0f} | "
                f"{full_ms / size * 1000:.0f} | {full[0][1]} | {busy_seconds * 1000:.1f} | "
                f"{result.sent} | {busy_statements}"
            )
            _clear(busy_schemas)


def _flush_statistics() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _clear(schemas: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f'DELETE FROM "{schema}".outbox_message')
    _flush_statistics()


if __name__ == "__main__":
    main()

"""The back office's statistics (engagement/backoffice/statistics.py) at 100,000 participations.

    .venv/bin/python bench/backoffice_statistics.py [N] [--samples 30] [--keep|--reuse] [--explain]

Creates its own database (BENCH_DATABASE, default `entraide_statistics_bench`, with PostGIS),
migrates it, provisions Paris, and loads with COPY, spread over the last 30 months and the next
two: N participations (default 100,000), N/5 volunteers, N/250 organizations (most verified),
N/20 missions (causes, 20 Paris postcodes and a few suburbs, 5 % remote) and N/5 slots (10 %
undated). Participations of past dates are mostly attended (with hours) or no-shows, those of
coming dates confirmed, waitlisted or awaiting approval; some are cancelled or declined. Then the
missions' search columns (the services' statement) and VACUUM ANALYZE.

Each selector of the page (one "figure" of the issue) is timed for three periods: this month,
the last 12 months and a custom quarter a year ago, `--samples` times after warm-up calls, in
the tenant's schema, twice: wall-clock time (default settings), then CPU time on one core (the
server backend's and this process's, parallel query off; see `_measure`), which does not depend
on what else the machine runs. It prints p50/p95 in milliseconds and the SQL statements each
ran. The whole page's reads (`statistics_report` with breakdowns) are timed too.

--explain prints EXPLAIN (ANALYZE, BUFFERS) of every statement, for each period.
--keep leaves the database for inspection; --reuse measures a kept database as it is.
Target (issue 13): each figure <= 300 ms at 100,000 participations.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    _configure_django,
    _delete_cache_keys,
    _drop_database,
    _prepare_database,
    copy_rows,
    machine_description,
    percentile,
)

DEFAULT_DATABASE = "entraide_statistics_bench"
ZONE_NAME = "Europe/Paris"
TARGET_MS = 300.0
PAST_DAYS = 30 * 31  # how far back the data go
AHEAD_DAYS = 60
POSTCODES = [f"750{number:02d}" for number in range(1, 21)] + ["92100", "93100", "94200"]


# --- Data generation ----------------------------------------------------------------------------


def _load(tenant: Any, participations: int, seed: int) -> dict[str, int]:
    """COPY the tenant's people, organizations, missions, slots and participations."""
    from django.db import connection

    from accounts.models import User
    from engagement.missions.models import Slot
    from engagement.missions.services import (
        SEARCH_COLUMNS_REFRESH_SQL,
        SLOT_SEARCH_COLUMNS_REFRESH_SQL,
    )

    rng = random.Random(seed)
    zone = ZoneInfo(ZONE_NAME)
    now = datetime.now(tz=zone).replace(microsecond=0)
    oldest = now - timedelta(days=PAST_DAYS)

    def moment_between(start: datetime, end: datetime) -> datetime:
        return start + (end - start) * rng.random()

    users = max(100, participations // 5)
    organizations = max(10, participations // 250)
    missions = max(20, participations // 20)
    slots_wanted = max(50, participations // 5)
    counts: dict[str, int] = {}
    connection.set_tenant(tenant)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM " + User._meta.db_table)
        first_user = (cursor.fetchone()[0] or 0) + 1
        counts["users"] = copy_rows(
            cursor,
            User._meta.db_table,
            ["id", "password", "is_superuser", "email", "first_name", "last_name", "role"]
            + ["language", "is_active", "is_staff", "date_joined"],
            (
                (
                    first_user + index,
                    "!",
                    False,
                    f"volunteer{index}@bench.example",
                    "Bench",
                    f"Volunteer {index}",
                    "volunteer",
                    "",
                    rng.random() > 0.03,
                    False,
                    moment_between(oldest, now),
                )
                for index in range(users)
            ),
        )
        volunteer_ids = list(range(first_user, first_user + users))

        def organization_rows() -> Iterator[tuple]:
            for index in range(1, organizations + 1):
                created = moment_between(oldest, now)
                status = rng.choices(["verified", "pending", "rejected"], [85, 10, 5])[0]
                verified = (
                    moment_between(created, min(now, created + timedelta(days=20)))
                    if status == "verified"
                    else None
                )
                yield (
                    index,
                    f"Association {index}",
                    f"association-{index}",
                    "association",
                    "",
                    "",
                    "",
                    "",
                    status,
                    "",
                    "",
                    created,
                    created,
                    verified,
                )

        counts["organizations"] = copy_rows(
            cursor,
            "engagement_organization",
            ["id", "name", "slug", "kind", "description", "address", "website"]
            + ["contact_email", "verification_status", "verification_note", "logo"]
            + ["created_at", "updated_at", "verified_at"],
            organization_rows(),
        )

        cursor.execute("SELECT id FROM engagement_cause ORDER BY id")
        cause_ids = [row[0] for row in cursor.fetchall()]
        statuses = ["published"] * 80 + ["closed"] * 12 + ["cancelled"] * 3 + ["draft"] * 5
        mission_created: dict[int, datetime] = {}

        def mission_rows() -> Iterator[tuple]:
            for index in range(1, missions + 1):
                created = moment_between(oldest, now - timedelta(days=5))
                mission_created[index] = created
                status = rng.choice(statuses)
                is_remote = rng.random() < 0.05
                postcode = "" if is_remote else rng.choice(POSTCODES)
                published = created + timedelta(days=rng.random() * 5)
                yield (
                    index,
                    rng.randint(1, organizations),
                    f"Mission {index}",
                    "",
                    "",
                    None if is_remote else "SRID=4326;POINT(2.35 48.85)",
                    "" if is_remote else "1 rue de la Mission",
                    postcode,
                    "" if is_remote else ("Paris" if postcode.startswith("75") else "Banlieue"),
                    is_remote,
                    False,
                    False,
                    True,
                    False,
                    status,
                    "",
                    published if status != "draft" else None,
                    created,
                    created,
                    "{}",
                    "{}",
                    "{}",
                    None,
                    False,
                )

        counts["missions"] = copy_rows(
            cursor,
            "engagement_mission",
            ["id", "organization_id", "title", "summary", "description", "location", "address"]
            + ["postcode", "city", "is_remote", "is_step_free", "is_open_to_minors"]
            + ["is_beginner_friendly", "requires_approval", "status", "moderation_note"]
            + ["published_at", "created_at", "updated_at"]
            + ["cause_ids", "skill_ids", "cause_cells", "last_open_slot_start"]
            + ["has_open_ongoing_slot"],
            mission_rows(),
        )
        counts["mission causes"] = copy_rows(
            cursor,
            "engagement_mission_causes",
            ["mission_id", "cause_id"],
            (
                (mission_id, cause_id)
                for mission_id in range(1, missions + 1)
                for cause_id in rng.sample(cause_ids, rng.choice((1, 1, 2, 3)))
            ),
        )

        # Slots: (id, mission, start, end, capacity); participations are drawn per slot.
        slots: list[tuple[int, int, datetime | None, datetime | None, int]] = []
        for slot_id in range(1, slots_wanted + 1):
            mission_id = rng.randint(1, missions)
            capacity = rng.randint(3, 15)
            if rng.random() < 0.10:
                slots.append((slot_id, mission_id, None, None, capacity))
                continue
            created = mission_created[mission_id]
            day = moment_between(created, now + timedelta(days=AHEAD_DAYS)).date()
            start = datetime(day.year, day.month, day.day, rng.choice((9, 10, 14, 18)), tzinfo=zone)
            end = start + timedelta(hours=rng.choice((2, 3, 4)))
            slots.append((slot_id, mission_id, start, end, capacity))

        confirmed_per_slot = dict.fromkeys(range(1, slots_wanted + 1), 0)
        capacity_of = {slot[0]: slot[4] for slot in slots}

        def participation_rows() -> Iterator[tuple]:
            made = 0
            while made < participations:
                slot_id, mission_id, start, end, capacity = slots[made % len(slots)]
                # Each round over the slots gives a slot another volunteer: one participation
                # per volunteer and slot (the constraint holds for the active ones).
                volunteer_id = volunteer_ids[(slot_id * 13 + made // len(slots)) % users]
                past = start is not None and start < now
                if start is None:
                    created = moment_between(mission_created[mission_id], now)
                    past = rng.random() < 0.7
                elif past:
                    created = start - timedelta(days=rng.random() * 30)
                else:  # a coming date: requested some day in the last month
                    created = now - timedelta(days=rng.random() * 30)
                if past:
                    status = rng.choices(
                        ["attended", "no_show", "cancelled", "declined"], [70, 10, 15, 5]
                    )[0]
                else:
                    status = rng.choices(
                        ["confirmed", "waitlisted", "requested", "cancelled"], [70, 10, 10, 10]
                    )[0]
                if status == "confirmed" and confirmed_per_slot[slot_id] >= capacity_of[slot_id]:
                    status = "waitlisted"
                if status == "confirmed":
                    confirmed_per_slot[slot_id] += 1
                decided = None
                hours = None
                if status in ("attended", "no_show"):
                    decided = end or moment_between(created, now)
                if status == "attended":
                    longest = (end - start).seconds // 3600 if start and end else 6
                    hours = Decimal(rng.randint(2, 2 * longest)) / 2
                yield (
                    volunteer_id,
                    False,
                    slot_id,
                    status,
                    "",
                    hours,
                    decided,
                    "",
                    created if status == "cancelled" else None,
                    created if status == "waitlisted" else None,
                    created,
                    created,
                )
                made += 1

        # Drawn first: the slots carry their confirmed counts.
        participation_list = list(participation_rows())
        counts["slots"] = copy_rows(
            cursor,
            "engagement_slot",
            ["id", "mission_id", "starts_at", "ends_at", "capacity", "confirmed_count", "status"]
            + ["time_bit", "created_at", "sequence", "held_count"],
            (
                (
                    slot_id,
                    mission_id,
                    start,
                    end,
                    capacity,
                    confirmed_per_slot[slot_id],
                    "cancelled" if rng.random() < 0.03 else "open",
                    Slot.time_bit_for(start, ZONE_NAME),
                    now,
                    0,
                    0,
                )
                for slot_id, mission_id, start, end, capacity in slots
            ),
        )
        counts["participations"] = copy_rows(
            cursor,
            "engagement_participation",
            ["volunteer_id", "is_anonymised", "slot_id", "status", "message", "hours"]
            + ["decided_at", "decision_note", "cancelled_at", "waitlisted_at"]
            + ["created_at", "updated_at", "cancel_reason"],
            ((*row, "") for row in participation_list),
        )
        for table in ("engagement_organization", "engagement_mission", "engagement_slot"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute(SEARCH_COLUMNS_REFRESH_SQL)
        cursor.execute(SLOT_SEARCH_COLUMNS_REFRESH_SQL)
        cursor.execute("ANALYZE")
        for table in (User._meta.db_table, "engagement_mission", "engagement_participation"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    connection.set_schema_to_public()
    return counts


# --- Measures -----------------------------------------------------------------------------------


def _periods(today: date) -> dict[str, Any]:
    from engagement.backoffice.periods import (
        period_custom,
        period_last_12_months,
        period_this_month,
    )

    zone = ZoneInfo(ZONE_NAME)
    a_year_ago = today - timedelta(days=365)
    return {
        "this month": period_this_month(today=today, zone=zone),
        "last 12 months": period_last_12_months(today=today, zone=zone),
        "custom (90 days)": period_custom(
            start=a_year_ago - timedelta(days=89), end=a_year_ago, zone=zone
        ),
    }


def _figures() -> dict[str, Callable[[Any], Any]]:
    from engagement.backoffice import statistics as s
    from engagement.backoffice.periods import Change

    now = datetime.now(tz=ZoneInfo(ZONE_NAME))
    return {
        "people": lambda period: s.statistics_people(period=period),
        "participations": lambda period: s.statistics_participations(period=period),
        "hours": lambda period: s.statistics_hours(period=period),
        "missions": lambda period: s.statistics_missions(period=period, now=now),
        "organizations": lambda period: s.statistics_organizations(period=period),
        "by cause and area": lambda period: s.statistics_by_cause_and_area(
            period=period, grouping=s.AreaGrouping.POSTCODE
        ),
        "monthly series": lambda period: s.statistics_monthly(
            period=period, hours=s.HoursFigures(total=Change(0, 0), by_month={})
        ),
        "whole page (reads)": lambda period: s.statistics_report(
            period=period, now=now, with_breakdowns=True, area_grouping=s.AreaGrouping.POSTCODE
        ),
    }


@dataclass(frozen=True)
class Measured:
    figure: str
    period: str
    statements: int
    wall: list[float]  # ms, default settings (parallel query on), whatever else runs
    cpu: list[float]  # ms on a core: the backend's and this process's, parallel query off


def _backend_cpu_ns(pid: int) -> int:
    """CPU time the server process `pid` has spent on a core (first field of schedstat, ns)."""
    with open(f"/proc/{pid}/schedstat") as stat:
        return int(stat.read().split()[0])


def _measure(tenant: Any, samples: int) -> list[Measured]:
    """Each figure and period: `samples` wall-clock timings, then `samples` CPU timings.

    Wall-clock time on a shared machine measures the other jobs as much as the query. CPU time
    does not: the server backend's time on a core (/proc/<pid>/schedstat, nanoseconds; the
    database runs on this machine) plus this process's, with parallel query off so that one
    backend does all the work. That is what the figure costs on a free core, and an upper bound
    of its wall-clock time on a quiet machine (where parallel workers can only shorten it).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = datetime.now(tz=ZoneInfo(ZONE_NAME)).date()
    connection.set_tenant(tenant)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    results = []
    for figure, read in _figures().items():
        for period_label, period in _periods(today).items():
            with CaptureQueriesContext(connection) as captured:
                read(period)
            statements = sum(
                1 for query in captured.captured_queries if not query["sql"].startswith("SET ")
            )
            for _ in range(2):
                read(period)
            wall = []
            for _ in range(samples):
                started = time.perf_counter()
                read(period)
                wall.append((time.perf_counter() - started) * 1000)
            with connection.cursor() as cursor:
                cursor.execute("SET max_parallel_workers_per_gather = 0")
            read(period)
            cpu = []
            for _ in range(samples):
                server, client = _backend_cpu_ns(backend), time.thread_time_ns()
                read(period)
                spent = _backend_cpu_ns(backend) - server + time.thread_time_ns() - client
                cpu.append(spent / 1e6)
            with connection.cursor() as cursor:
                cursor.execute("RESET max_parallel_workers_per_gather")
                cursor.execute("SELECT pg_backend_pid()")
                assert cursor.fetchone()[0] == backend, "the connection changed"
            results.append(Measured(figure, period_label, statements, wall, cpu))
    connection.set_schema_to_public()
    return results


def _explain(tenant: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = datetime.now(tz=ZoneInfo(ZONE_NAME)).date()
    connection.set_tenant(tenant)
    for period_label, period in _periods(today).items():
        for figure, read in _figures().items():
            if figure.startswith("whole page"):
                continue
            with CaptureQueriesContext(connection) as captured:
                read(period)
            with connection.cursor() as cursor:
                for query in captured.captured_queries:
                    if query["sql"].startswith("SET "):
                        continue
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    sql = " ".join(query["sql"].split())
                    print(f"--- {figure}, {period_label}: {sql[:140]}")
                    print("\n".join(row[0] for row in cursor.fetchall()))
    connection.set_schema_to_public()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use a kept database as it is")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE plans")
    args = parser.parse_args()

    database = os.environ.get("BENCH_DATABASE", DEFAULT_DATABASE)
    cache_prefix = f"benchstatistics{os.getpid()}"
    started = time.perf_counter()
    _prepare_database(database, reuse=args.reuse)
    try:
        _configure_django(database, cache_prefix)
        loaded: dict[str, int] = {}
        if not args.reuse:
            from django.core.management import call_command

            from tenants import provisioning
            from tenants.services import tenant_provision

            call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
            provisioning.template_ensure(rebuild=True)
            result = tenant_provision(
                kind="city",
                name="Paris",
                slug="paris",
                admin_email="admin@paris.example",
                timezone_name=ZONE_NAME,
                map_center=(48.8566, 2.3522),
            )
            loaded = _load(result.tenant, args.count, args.seed)
        prepared = time.perf_counter() - started

        from django.db import connection

        from tenants.models import Tenant

        tenant = Tenant.objects.get(slug="paris")
        if args.explain:
            _explain(tenant)
        results = _measure(tenant, args.samples)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
            sizes = {}
            for table in (
                "accounts_user",
                "engagement_organization",
                "engagement_mission",
                "engagement_slot",
                "engagement_participation",
            ):
                cursor.execute(f"SELECT count(*) FROM t_paris.{table}")
                sizes[table] = cursor.fetchone()[0]

        print(f"machine: {machine_description()}; PostgreSQL server {server_version}")
        print(
            f"database {database}, tenant paris: "
            + ", ".join(f"{table} {count:,}" for table, count in sizes.items())
            + f"; prepared in {prepared:.0f} s"
            + (f" ({loaded['participations']:,} participations loaded)" if loaded else "")
        )
        print(f"samples per figure and period: {args.samples} (after 3 warm-up calls)")
        print()
        print(
            f"{'':<40}{'wall-clock, shared machine':>27}  {'CPU on one core':>18}\n"
            f"{'figure':<22}{'period':<18}{'SQL':>4}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
            f"  {'p50 ms':>9}{'p95 ms':>9}"
        )
        worst_wall = worst_cpu = 0.0
        for measured in results:
            wall50, wall95 = percentile(measured.wall, 0.5), percentile(measured.wall, 0.95)
            cpu50, cpu95 = percentile(measured.cpu, 0.5), percentile(measured.cpu, 0.95)
            if not measured.figure.startswith("whole page"):
                worst_wall, worst_cpu = max(worst_wall, wall95), max(worst_cpu, cpu95)
            print(
                f"{measured.figure:<22}{measured.period:<18}{measured.statements:>4}"
                f"{wall50:>9.1f}{wall95:>9.1f}{max(measured.wall):>9.1f}"
                f"  {cpu50:>9.1f}{cpu95:>9.1f}"
            )
        print()
        for label, worst in (("CPU on one core", worst_cpu), ("wall-clock", worst_wall)):
            verdict = "met" if worst <= TARGET_MS else "MISSED"
            print(
                f"each figure p95 <= {TARGET_MS:.0f} ms, {label}: {verdict} (worst {worst:.1f} ms)"
            )
    finally:
        from contextlib import suppress

        with suppress(Exception):
            _delete_cache_keys(cache_prefix)
        with suppress(Exception):
            from django.db import connections

            connections.close_all()
        if args.keep or args.reuse:
            print(f"database {database} kept (drop it with: dropdb {database})")
        else:
            _drop_database(database)


if __name__ == "__main__":
    main()

"""Back-office exports at scale: 100,000 participations to CSV and to XLSX.

    .venv/bin/python bench/backoffice_exports.py [N] [--runs 3]

Creates its own database (bench/_common.py), provisions Paris and loads N participations
(default 100,000) over the last 12 months: 20,000 volunteers, 200 organizations, 2,000 missions,
20,000 slots (10 % ongoing, without dates), statuses as a live city has them (about 40 %
attended, with hours). Then runs the export worker itself (`export_job_run`, as the Celery task
does: outside any transaction, in the tenant, the file written to the tenant's storage) for
each kind × format over the whole year, `--runs` times each, and prints:

- wall time (median, min, max) and rows per second, and the time to read the rows alone (the
  count and the cursor, no file);
- SQL statements per run (the count, the server-side cursor's fetches, one progress update per
  chunk of BACKOFFICE_EXPORT_CHUNK_ROWS rows);
- the file's size;
- progress as another connection saw it during the run (a thread polls the job row every
  50 ms): proof that the page sees it move;
- peak Python memory of one more run under tracemalloc (slower, so timed apart): flat with the
  row count, since rows are read in chunks and openpyxl's write-only sheet spills to disk.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
import tracemalloc
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database, machine_description  # noqa: E402

ZONE = ZoneInfo("Europe/Paris")
VOLUNTEERS = 20_000
ORGANIZATIONS = 200
MISSIONS = 2_000
SLOTS = 20_000
BATCH = 5_000
STATUSES = (
    ["attended"] * 40
    + ["confirmed"] * 25
    + ["cancelled"] * 12
    + ["no_show"] * 6
    + ["requested"] * 6
    + ["waitlisted"] * 5
    + ["declined"] * 6
)


def _load(tenant: Any, count: int, seed: int) -> dict[str, int]:
    from django.contrib.gis.geos import Point
    from django.db import connection

    from accounts.models import User
    from engagement.missions.models import Mission, Slot
    from engagement.organizations.models import Organization
    from engagement.participations.models import Participation

    rng = random.Random(seed)
    connection.set_tenant(tenant)
    now = datetime.now(tz=ZONE).replace(microsecond=0)
    year_ago = now - timedelta(days=365)
    users = User.objects.bulk_create(
        [
            User(
                email=f"volunteer{index}@example.org",
                first_name=rng.choice(["Alice", "Bob", "Chloé", "Dan", "Élise", "Farid"]),
                last_name=f"Nom{index}",
                password="!",
                date_joined=year_ago - timedelta(days=rng.randint(0, 700)),
            )
            for index in range(VOLUNTEERS)
        ],
        batch_size=BATCH,
    )
    organizations = Organization.objects.bulk_create(
        [
            Organization(
                name=f"Association {index}",
                slug=f"association-{index}",
                kind=Organization.Kind.ASSOCIATION,
                verification_status=Organization.Verification.VERIFIED,
            )
            for index in range(ORGANIZATIONS)
        ],
        batch_size=BATCH,
    )
    missions = Mission.objects.bulk_create(
        [
            Mission(
                organization=organizations[index % ORGANIZATIONS],
                title=f"Distribution de repas #{index}",
                location=Point(2.35, 48.85, srid=4326),
                status=Mission.Status.PUBLISHED,
                published_at=year_ago,
            )
            for index in range(MISSIONS)
        ],
        batch_size=BATCH,
    )
    slots = []
    for index in range(SLOTS):
        if index % 10 == 0:
            slots.append(Slot(mission=missions[index % MISSIONS], capacity=50))
            continue
        starts = year_ago + timedelta(days=rng.randint(0, 364), hours=rng.choice((9, 14, 18)))
        slots.append(
            Slot(
                mission=missions[index % MISSIONS],
                starts_at=starts,
                ends_at=starts + timedelta(hours=rng.choice((2, 3, 4))),
                capacity=50,
            )
        )
    slots = Slot.objects.bulk_create(slots, batch_size=BATCH)
    participations = []
    for index in range(count):
        slot_index = index % SLOTS
        status = rng.choice(STATUSES)
        participations.append(
            Participation(
                slot=slots[slot_index],
                # Distinct volunteers on a slot (one active participation per volunteer).
                volunteer=users[(index // SLOTS + slot_index * 13) % VOLUNTEERS],
                status=status,
                hours=Decimal(rng.choice(("1.50", "2.00", "3.00", "4.00")))
                if status == "attended"
                else None,
                waitlisted_at=now if status == "waitlisted" else None,
            )
        )
    Participation.objects.bulk_create(participations, batch_size=BATCH)
    with connection.cursor() as cursor:
        # Sign-ups for ongoing slots are spread over the year too (auto_now_add set them now).
        cursor.execute(
            "UPDATE engagement_participation p SET created_at = %s - (p.id %% 365) * "
            "interval '1 day' FROM engagement_slot s WHERE s.id = p.slot_id AND "
            "s.starts_at IS NULL",
            [now],
        )
        cursor.execute("VACUUM (ANALYZE) engagement_participation")
        cursor.execute("ANALYZE")
    connection.set_schema_to_public()
    return {
        "volunteers": VOLUNTEERS,
        "organizations": ORGANIZATIONS,
        "missions": MISSIONS,
        "slots": SLOTS,
        "participations": count,
    }


class ProgressWatcher(threading.Thread):
    """Reads the job's progress on its own connection while the export runs."""

    def __init__(self, tenant: Any, job_id: int) -> None:
        super().__init__(daemon=True)
        self.tenant, self.job_id = tenant, job_id
        self.seen: list[int] = []
        self.done = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from engagement.backoffice.models import ExportJob

        connection.set_tenant(self.tenant)
        try:
            while not self.done.is_set():
                progress = (
                    ExportJob.objects.filter(pk=self.job_id)
                    .values_list("progress", flat=True)
                    .first()
                )
                if progress is not None and (not self.seen or self.seen[-1] != progress):
                    self.seen.append(progress)
                time.sleep(0.05)
        finally:
            connection.close()


def _run(tenant: Any, admin: Any, kind: str, file_format: str, *, watch: bool) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from engagement.backoffice.models import ExportJob
    from engagement.backoffice.services_exports import export_job_run

    connection.set_tenant(tenant)
    today = datetime.now(tz=ZONE).date()
    job = ExportJob.objects.create(
        kind=kind,
        format=file_format,
        period_start=today - timedelta(days=366),
        period_end=today,
        language="fr",
        requested_by=admin,
    )
    watcher = ProgressWatcher(tenant, job.pk) if watch else None
    if watcher is not None:
        watcher.start()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        export_job_run(job_id=job.pk)
        seconds = time.perf_counter() - started
    if watcher is not None:
        watcher.done.set()
        watcher.join()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.status
    size = job.file.size
    job.file.delete(save=False)
    return {
        "seconds": seconds,
        "rows": job.rows,
        "queries": len(queries.captured_queries),
        "bytes": size,
        "progress_seen": watcher.seen if watcher is not None else [],
    }


def _read_only(tenant: Any, kind: str) -> float:
    """Seconds to count and read the rows alone (the queries and the row tuples, no file)."""
    import zoneinfo

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone, translation

    from engagement.backoffice.selectors_exports import Period, export_table

    connection.set_tenant(tenant)
    today = datetime.now(tz=ZONE).date()
    with translation.override("fr"), timezone.override(zoneinfo.ZoneInfo(tenant.timezone)):
        table = export_table(kind=kind, period=Period(today - timedelta(days=366), today))
        started = time.perf_counter()
        table.count()
        for _row in table.rows(settings.BACKOFFICE_EXPORT_CHUNK_ROWS):
            pass
        return time.perf_counter() - started


def _peak_memory(tenant: Any, admin: Any, kind: str, file_format: str) -> int:
    tracemalloc.start()
    try:
        _run(tenant, admin, kind, file_format, watch=False)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=13)
    options = parser.parse_args()
    print(machine_description())
    with bench_database() as info:
        from django.conf import settings
        from django.db import connection

        from accounts.models import User
        from tenants.services import tenant_provision

        print(f"database {info.database} ready in {info.seconds_to_prepare:.1f} s")
        tenant = tenant_provision(
            kind="city", name="Paris", slug="paris", admin_email="admin@paris.example"
        ).tenant
        started = time.perf_counter()
        loaded = _load(tenant, options.count, options.seed)
        print(f"loaded {loaded} in {time.perf_counter() - started:.1f} s")
        connection.set_tenant(tenant)
        admin = User.objects.get(email="admin@paris.example")
        print(
            f"chunk of {settings.BACKOFFICE_EXPORT_CHUNK_ROWS} rows; "
            f"{options.runs} runs each (median [min–max])"
        )
        print(
            "| export | format | rows | median s | min–max s | rows/s | of which reading | SQL | "
            "file | progress seen | peak Python memory |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for kind in ("participations", "volunteers", "hours"):
            for file_format in ("csv", "xlsx"):
                runs = [
                    _run(tenant, admin, kind, file_format, watch=index == 0)
                    for index in range(options.runs)
                ]
                seconds = [run["seconds"] for run in runs]
                median = statistics.median(seconds)
                first = runs[0]
                seen = first["progress_seen"]
                peak = _peak_memory(tenant, admin, kind, file_format)
                reading = statistics.median(_read_only(tenant, kind) for _ in range(options.runs))
                print(
                    f"| {kind} | {file_format} | {first['rows']:,} | {median:.2f} | "
                    f"{min(seconds):.2f}–{max(seconds):.2f} | {first['rows'] / median:,.0f} | "
                    f"{reading:.2f} s | "
                    f"{first['queries']} | {first['bytes'] / 1_000_000:.1f} MB | "
                    f"{len(seen)} values, {seen[:1]}…{seen[-1:]} | "
                    f"{peak / 1_000_000:.1f} MB |"
                )
        connection.set_schema_to_public()


if __name__ == "__main__":
    main()

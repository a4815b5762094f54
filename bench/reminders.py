"""Reminders at scale: 100,000 "Still coming?" e-mails due in one run of one tenant.

    .venv/bin/python bench/reminders.py [N]

Creates its own database (bench/_common.py), provisions Paris and bulk-creates N confirmed
participations (default 100,000): N volunteers, one organization, 100 missions, N/100 slots of
100 seats, all on the local day after tomorrow at 10:00 — so every participation is due for
"Still coming?" (the heaviest reminder: two signed links each). Then runs what the beat's task
runs in the tenant (`reminders_plan`, the e-mail tasks executed as they are scheduled: Celery
eager, through the outbox), and prints:

- the whole run's wall time (claiming in keyset batches + rendering and sending every e-mail)
  and reminders per second; how many e-mails went out and the Reminder rows marked sent;
- the locks held on engagement_participation during the run, as a second connection saw them in
  pg_locks every 5 ms (peak count per lock mode; no row lock taken for update shows as
  RowShareLock only through the foreign-key check of the claim, FOR KEY SHARE);
- the longest wait of a third connection that updates a random due participation (a status
  change as a cancellation makes) every 20 ms during the run: it is never blocked.

E-mail backend: Django's locmem (in memory); the bench counts and drops the messages after each
task so memory stays flat. SMTP itself is not measured here (tests deliver over a real SMTP
server on loopback).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import _admin_connect, bench_database, machine_description  # noqa: E402

SEATS = 100
MISSIONS = 100
BATCH = 5_000


def _load(tenant: Any, count: int) -> tuple[datetime, int]:
    from django.contrib.gis.geos import Point
    from django.db import connection

    from accounts.models import User
    from engagement.missions.models import Mission, Slot
    from engagement.organizations.models import Organization
    from engagement.participations.models import Participation

    connection.set_tenant(tenant)
    zone = ZoneInfo(tenant.timezone)
    today = datetime.now(tz=zone).date()
    starts = datetime.combine(today + timedelta(days=2), clock(10), tzinfo=zone)
    users = User.objects.bulk_create(
        [
            User(email=f"volunteer{index}@example.org", first_name=f"Prénom{index}", password="!")
            for index in range(count)
        ],
        batch_size=BATCH,
    )
    organization = Organization.objects.create(
        name="Association", slug="association", verification_status="verified"
    )
    missions = Mission.objects.bulk_create(
        [
            Mission(
                organization=organization,
                title=f"Distribution de repas #{index}",
                location=Point(2.35, 48.85, srid=4326),
                status=Mission.Status.PUBLISHED,
                published_at=starts - timedelta(days=30),
            )
            for index in range(MISSIONS)
        ]
    )
    slot_count = (count + SEATS - 1) // SEATS
    slots = Slot.objects.bulk_create(
        [
            Slot(
                mission=missions[index % MISSIONS],
                starts_at=starts,
                ends_at=starts + timedelta(hours=3),
                capacity=SEATS,
                confirmed_count=min(SEATS, count - index * SEATS),
            )
            for index in range(slot_count)
        ],
        batch_size=BATCH,
    )
    Participation.objects.bulk_create(
        [
            Participation(
                slot=slots[index // SEATS],
                volunteer=users[index],
                status=Participation.Status.CONFIRMED,
            )
            for index in range(count)
        ],
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) engagement_participation")
        cursor.execute("ANALYZE")
    noon = datetime.combine(today, clock(12), tzinfo=zone)
    return noon, slot_count


class LockWatcher(threading.Thread):
    """Polls pg_locks for the locks other sessions hold on the participation table."""

    def __init__(self, database: str, relation: str) -> None:
        super().__init__(daemon=True)
        self.database, self.relation = database, relation
        # The concurrent updater's own session: its locks are not the run's.
        self.ignored_pids: set[int] = set()
        self.peak: Counter[str] = Counter()
        self.samples = 0
        self.done = threading.Event()

    def run(self) -> None:
        with _admin_connect(self.database) as watcher:
            oid = watcher.execute("SELECT %s::regclass::oid", [self.relation]).fetchone()[0]
            while not self.done.is_set():
                rows = watcher.execute(
                    "SELECT mode, count(*) FROM pg_locks WHERE relation = %s AND granted "
                    "AND pid <> pg_backend_pid() AND NOT pid = ANY(%s) GROUP BY mode",
                    [oid, list(self.ignored_pids)],
                ).fetchall()
                for mode, held in rows:
                    self.peak[mode] = max(self.peak[mode], held)
                self.samples += 1
                time.sleep(0.005)


class Canceller(threading.Thread):
    """Updates a random participation every 20 ms, as a cancellation would; keeps the waits."""

    def __init__(self, database: str, schema: str, count: int) -> None:
        super().__init__(daemon=True)
        self.database, self.schema, self.count = database, schema, count
        self.waits: list[float] = []
        self.done = threading.Event()
        self.connected = threading.Event()
        self.pid = 0

    def run(self) -> None:
        rng = random.Random(7)
        with _admin_connect(self.database) as writer:
            self.pid = writer.info.backend_pid
            self.connected.set()
            writer.execute(f'SET search_path TO "{self.schema}"')
            low, high = writer.execute(
                "SELECT min(id), max(id) FROM engagement_participation"
            ).fetchone()
            while not self.done.is_set():
                started = time.perf_counter()
                writer.execute(
                    "UPDATE engagement_participation SET updated_at = now() WHERE id = %s",
                    [rng.randint(low, high)],
                )
                self.waits.append(time.perf_counter() - started)
                time.sleep(0.02)


def _watched(info: Any, tenant: Any, count: int, work: Any) -> tuple[Any, float, Any, list[float]]:
    """Run `work()` with the lock watcher and the concurrent updater; (result, seconds, peak
    locks per mode and samples, update waits)."""
    watcher = LockWatcher(info.database, f'"{tenant.schema_name}".engagement_participation')
    canceller = Canceller(info.database, tenant.schema_name, count)
    canceller.start()
    canceller.connected.wait(timeout=30)
    watcher.ignored_pids.add(canceller.pid)
    watcher.start()
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    watcher.done.set()
    canceller.done.set()
    watcher.join()
    canceller.join()
    return result, seconds, (dict(watcher.peak), watcher.samples), sorted(canceller.waits)


def _report_concurrency(label: str, peak: Any, waits: list[float]) -> None:
    locks, samples = peak
    print(
        f"{label}: locks on engagement_participation held by other sessions, peak per mode over "
        f"{samples:,} samples: {locks or 'none'}; concurrent single-row updates of "
        f"participations: {len(waits):,}, median {waits[len(waits) // 2] * 1000:.1f} ms, "
        f"max {waits[-1] * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=100_000)
    parser.add_argument(
        "--send",
        type=int,
        default=None,
        help="send only this many of the claimed reminders (default: all) and give the rate",
    )
    options = parser.parse_args()
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    print(machine_description())
    with bench_database() as info:
        from django.conf import settings
        from django.core import mail
        from django.db import connection

        from engagement.reminders import services
        from engagement.reminders.models import Reminder
        from tenants.services import tenant_provision

        print(f"database {info.database} ready in {info.seconds_to_prepare:.1f} s")
        tenant = tenant_provision(
            kind="city", name="Paris", slug="paris", admin_email="admin@paris.example"
        ).tenant
        started = time.perf_counter()
        now, slots = _load(tenant, options.count)
        print(
            f"loaded {options.count:,} confirmed participations on {slots:,} slots in "
            f"{time.perf_counter() - started:.1f} s"
        )
        print(
            f"batch of {settings.REMINDERS_BATCH_SIZE} participations per claim, "
            f"{settings.REMINDERS_EMAILS_PER_TASK} e-mails per task; e-mail backend: locmem"
        )
        connection.set_tenant(tenant)

        # 1. The run's claims: keyset batches of due participations, Reminder rows inserted and
        # the e-mail tasks scheduled through the outbox (kept here, run in step 2).
        chunks: list[list[int]] = []
        enqueue = services.outbox_enqueue

        def keep(task: str, chunk: list[int]) -> Any:
            chunks.append(chunk)
            return None

        services.outbox_enqueue = keep  # type: ignore[assignment]
        planned, claim_seconds, peak, waits = _watched(
            info, tenant, options.count, lambda: services.reminders_plan(now=now)
        )
        services.outbox_enqueue = enqueue  # type: ignore[assignment]
        print(
            f"claims: {planned:,} reminders claimed in {len(chunks):,} task chunks, "
            f"{claim_seconds:.1f} s ({planned / claim_seconds:,.0f}/s)"
        )
        _report_concurrency("claims", peak, waits)

        # 2. The e-mail tasks, one after the other in this process (a worker runs them).
        limit = options.send if options.send is not None else planned
        sent = [0]

        def send_all() -> int:
            done = 0
            for chunk in chunks:
                if done >= limit:
                    break
                chunk = chunk[: limit - done]
                services.reminders_send(reminder_ids=chunk)
                # locmem keeps every message: count them and let them go, chunk by chunk.
                sent[0] += len(mail.outbox)
                mail.outbox.clear()
                done += len(chunk)
            return done

        mail.outbox = []
        handled, send_seconds, peak, waits = _watched(info, tenant, options.count, send_all)
        marked = Reminder.objects.filter(status=Reminder.Status.SENT).count()
        rate = handled / send_seconds
        print(
            f"e-mails: {sent[0]:,} sent ({marked:,} rows marked sent) in {send_seconds:.1f} s "
            f"({rate:,.1f}/s, one process)"
        )
        _report_concurrency("e-mails", peak, waits)
        whole = claim_seconds + (planned / rate if handled < planned else send_seconds)
        print("| reminders due | claimed | e-mails sent | claim s | send s | whole run s | per s |")
        print("|---|---|---|---|---|---|---|")
        print(
            f"| {options.count:,} | {planned:,} | {sent[0]:,} | {claim_seconds:.1f} | "
            f"{send_seconds:.1f} | {whole:.0f}{'' if handled >= planned else ' (extrapolated)'} | "
            f"{planned / whole:,.1f} |"
        )
        connection.set_schema_to_public()


if __name__ == "__main__":
    main()

"""Calendar feeds: one person's feed of N participations, and one organization's feed of N dates.

    .venv/bin/python bench/calendar_feeds.py [N] [--runs 20]

Creates its own database (bench/_common.py), provisions Paris and loads one volunteer with N
participations (default 500) on N dated slots spread over the feed's window (six months back,
six ahead; statuses mixed: confirmed, waitlisted, requested, cancelled, attended), the slots
belonging to one organization. Then asks for each feed through the whole stack (Django's test
client on Paris's host: routing, the token's lookup, the events' query, the rendering with
icalendar), `--runs` times after one warm-up, and prints per feed: events, bytes, SQL
statements, the wall time (median, p95) and the CPU time of this process (median: what a
request costs whatever else runs on the machine), then the time of a 304 (If-None-Match: the feed is
still rendered to compare its hash, so a 304 saves the transfer, not the work).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database, machine_description, summarize  # noqa: E402

ZONE = ZoneInfo("Europe/Paris")
STATUSES = ["confirmed"] * 50 + ["attended"] * 20 + ["waitlisted"] * 10 + ["requested"] * 10
STATUSES += ["cancelled"] * 10


def _load(tenant: Any, count: int, seed: int) -> tuple[Any, Any]:
    from django.contrib.gis.geos import Point
    from django.db import connection

    from accounts.models import User
    from engagement.missions.models import Mission, Slot
    from engagement.organizations.models import Organization, OrganizationMembership
    from engagement.participations.models import Participation

    rng = random.Random(seed)
    connection.set_tenant(tenant)
    now = datetime.now(tz=ZONE).replace(microsecond=0)
    volunteer = User.objects.create_user(email="lea@example.org", first_name="Léa")
    organizer = User.objects.create_user(email="organizer@example.org")
    organization = Organization.objects.create(
        name="Les Restos du Quartier",
        slug="restos",
        kind=Organization.Kind.ASSOCIATION,
        verification_status=Organization.Verification.VERIFIED,
    )
    OrganizationMembership.objects.create(
        organization=organization, user=organizer, role=OrganizationMembership.Role.ADMIN
    )
    missions = Mission.objects.bulk_create(
        [
            Mission(
                organization=organization,
                title=f"Distribution de repas #{index}",
                summary="Servir les repas du soir",
                location=Point(2.35 + index / 1000, 48.85, srid=4326),
                address=f"{index} rue de Belleville",
                postcode="75020",
                city="Paris",
                status=Mission.Status.PUBLISHED,
                published_at=now - timedelta(days=200),
            )
            for index in range(max(1, count // 10))
        ]
    )
    slots = []
    for index in range(count):
        starts = now + timedelta(days=rng.randint(-175, 180), hours=rng.choice((0, 4, 8)))
        slots.append(
            Slot(
                mission=missions[index % len(missions)],
                starts_at=starts,
                ends_at=starts + timedelta(hours=3),
                capacity=20,
                sequence=rng.choice((0, 0, 0, 1, 2)),
            )
        )
    slots = Slot.objects.bulk_create(slots)
    participations = []
    for slot in slots:
        status = rng.choice(STATUSES)
        participations.append(
            Participation(
                volunteer=volunteer,
                slot=slot,
                status=status,
                waitlisted_at=now if status == "waitlisted" else None,
            )
        )
    Participation.objects.bulk_create(participations)
    return volunteer, (organizer, organization)


def _measure(client: Any, path: str, runs: int) -> dict[str, Any]:
    from django.db import connection

    first = client.get(path)
    assert first.status_code == 200, first.status_code
    statements: list[str] = []

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        client.get(path)
    seconds = []
    cpu = []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200
    not_modified = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
        not_modified.append(time.perf_counter() - started)
        assert response.status_code == 304
    return {
        "events": first.content.count(b"BEGIN:VEVENT"),
        "bytes": len(first.content),
        "sql": len(statements),
        "seconds": summarize(seconds),
        "cpu": summarize(cpu),
        "not_modified": summarize(not_modified),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    print(machine_description())
    with bench_database() as info:
        from django.db import connection
        from django.test import Client

        from engagement.calendars.services import calendar_feed_create
        from tenants.services import tenant_provision

        print(f"database {info.database} ready in {info.seconds_to_prepare:.1f} s")
        tenant = tenant_provision(
            kind="city", name="Paris", slug="paris", admin_email="admin@paris.example"
        ).tenant
        volunteer, (organizer, organization) = _load(tenant, options.count, options.seed)
        feeds = {
            "a person's participations": calendar_feed_create(owner=volunteer).token,
            "an organization's dates": calendar_feed_create(
                owner=organizer, organization=organization
            ).token,
        }
        client = Client(HTTP_HOST=tenant.primary_host)
        print(f"{options.runs} runs each after one warm-up")
        print("| feed | events | size | SQL | median ms | p95 ms | CPU median ms | 304 median ms |")
        print("|---|---|---|---|---|---|---|---|")
        for name, token in feeds.items():
            result = _measure(client, f"/agenda/{token}.ics", options.runs)
            connection.set_tenant(tenant)
            print(
                f"| {name} | {result['events']} | {result['bytes'] / 1024:.0f} KiB | "
                f"{result['sql']} | {result['seconds'].median * 1000:.0f} | "
                f"{result['seconds'].p95 * 1000:.0f} | {result['cpu'].median * 1000:.0f} | "
                f"{result['not_modified'].median * 1000:.0f} |"
            )


if __name__ == "__main__":
    main()

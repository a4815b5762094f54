"""CSR report and certificates: the figures of a year at N participations, and the files.

    .venv/bin/python bench/reports.py [N] [--runs 10]

Creates its own database (bench/_common.py), provisions a company (its default causes carry
their UN Sustainable Development Goals) and loads N participations (default 5,000) of 500
employees in 10 teams and 3 sites, on 60 missions of 12 organizations (1–2 default causes each)
with dated slots over the year (statuses mixed: attended with hours, confirmed, no-show,
cancelled), plus N/5 hours declarations (two thirds confirmed). Then measures, `--runs` times
after one warm-up: the report's figures (`csr_report`: SQL statements, wall and CPU time), its
CSV, XLSX and PDF renderings, and one certificate's PDF (the employee with the most hours).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database, machine_description, summarize  # noqa: E402

ZONE = ZoneInfo("Europe/Paris")
YEAR = 2025
STATUSES = ["attended"] * 60 + ["confirmed"] * 15 + ["no_show"] * 10 + ["cancelled"] * 15


def _load(tenant: Any, count: int, seed: int) -> Any:
    from django.contrib.gis.geos import Point
    from django.db import connection

    from accounts.models import User
    from engagement.missions.models import Mission, Slot
    from engagement.missions.services import mission_search_columns_refresh
    from engagement.organizations.models import Organization
    from engagement.participations.models import Participation
    from engagement.programmes.models import EmployeeProfile, Site, Team, TeamMembership
    from engagement.taxonomy.models import Cause
    from engagement.worktime.models import HoursDeclaration

    rng = random.Random(seed)
    connection.set_tenant(tenant)
    people = User.objects.bulk_create(
        [
            User(email=f"employee{index}@acme.example", first_name=f"Employee {index}")
            for index in range(500)
        ]
    )
    sites = Site.objects.bulk_create([Site(name=name) for name in ("Paris", "Lyon", "Lille")])
    teams = Team.objects.bulk_create([Team(name=f"Team {index}") for index in range(10)])
    TeamMembership.objects.bulk_create(
        [
            TeamMembership(team=team, user=person)
            for person in people
            for team in rng.sample(teams, rng.choice((1, 1, 2)))
        ]
    )
    EmployeeProfile.objects.bulk_create(
        [EmployeeProfile(user=person, site=rng.choice([*sites, None])) for person in people]
    )
    organizations = Organization.objects.bulk_create(
        [
            Organization(
                name=f"Association {index}",
                slug=f"association-{index}",
                verification_status=Organization.Verification.VERIFIED,
            )
            for index in range(12)
        ]
    )
    causes = list(Cause.objects.all())
    missions = Mission.objects.bulk_create(
        [
            Mission(
                organization=organizations[index % len(organizations)],
                title=f"Mission {index}",
                summary="Donner un coup de main",
                location=Point(2.35 + index / 1000, 48.85, srid=4326),
                address=f"{index} rue de la Paix",
                postcode="75002",
                city="Paris",
                status=Mission.Status.PUBLISHED,
                published_at=datetime(YEAR - 1, 12, 1, tzinfo=ZONE),
            )
            for index in range(60)
        ]
    )
    for mission in missions:
        mission.causes.set(rng.sample(causes, rng.choice((1, 2))))
    mission_search_columns_refresh(mission_ids=[mission.pk for mission in missions])
    slots = []
    for index in range(count):
        starts = datetime(YEAR, 1, 1, 9, tzinfo=ZONE) + timedelta(
            days=rng.randint(0, 364), hours=rng.choice((0, 4, 8))
        )
        slots.append(
            Slot(
                mission=missions[index % len(missions)],
                starts_at=starts,
                ends_at=starts + timedelta(hours=4),
                capacity=20,
            )
        )
    slots = Slot.objects.bulk_create(slots)
    now = datetime.now(tz=ZONE)
    participations = []
    for slot in slots:
        status = rng.choice(STATUSES)
        participations.append(
            Participation(
                volunteer=rng.choice(people),
                slot=slot,
                status=status,
                hours=Decimal(rng.choice(("1", "2", "2.5", "3", "4")))
                if status == "attended"
                else None,
                decided_at=now if status in ("attended", "no_show") else None,
            )
        )
    Participation.objects.bulk_create(participations)
    declarations = []
    for _ in range(count // 5):
        status = rng.choice(("confirmed", "confirmed", "pending"))
        declarations.append(
            HoursDeclaration(
                volunteer=rng.choice(people),
                organization=rng.choice([*organizations, None]),
                organization_name="Banque alimentaire",
                cause=rng.choice([*causes, None]),
                description="Collecte",
                date=date(YEAR, 1, 1) + timedelta(days=rng.randint(0, 364)),
                hours=Decimal(rng.choice(("1", "2", "3"))),
                status=status,
                decided_at=now if status == "confirmed" else None,
            )
        )
    HoursDeclaration.objects.bulk_create(declarations)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return people


def _time(function: Any, runs: int) -> tuple[Any, Any, Any]:
    function()
    seconds, cpu = [], []
    result = None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = function()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return result, summarize(seconds), summarize(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="time each SQL statement")
    options = parser.parse_args()
    print(machine_description())
    with bench_database() as info:
        from django.db import connection
        from django.db.models import Sum
        from django.template.loader import render_to_string
        from django.utils import timezone

        from engagement.participations.models import Participation
        from engagement.reports.exports import (
            pdf_from_html,
            qr_svg,
            report_csv,
            report_pdf,
            report_xlsx,
        )
        from engagement.reports.selectors import csr_report, report_scope_for_year
        from engagement.reports.services import certificate_issue
        from tenants.services import tenant_provision

        print(f"database {info.database} ready in {info.seconds_to_prepare:.1f} s")
        tenant = tenant_provision(
            kind="company", name="Acme", slug="acme", admin_email="admin@acme.example"
        ).tenant
        started = time.perf_counter()
        _load(tenant, options.count, options.seed)
        print(f"loaded {options.count} participations in {time.perf_counter() - started:.1f} s")
        connection.set_tenant(tenant)
        timezone.activate(ZONE)
        scope = report_scope_for_year(YEAR)
        statements: list[str] = []

        def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            report = csr_report(scope=scope, hourly_rate=Decimal("35"))
        print(
            f"year {YEAR}: {report.totals.participations} participations counted, "
            f"{report.totals.hours} h, {report.totals.volunteers} volunteers, "
            f"{len(statements)} SQL statements"
            + "".join(f"\n  {sql[:70]!r}" for sql in statements if "contributions" not in sql)
        )
        if options.explain:
            timed: list[tuple[float, str]] = []

            def timing(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
                started = time.perf_counter()
                result = execute(sql, params, many, context)
                timed.append((time.perf_counter() - started, sql))
                return result

            with connection.execute_wrapper(timing):
                csr_report(scope=scope)
            for seconds, sql in timed:
                print(f"  {seconds * 1000:8.1f} ms  {sql[-160:]!r}")
        rows = [
            ("figures (csr_report)", lambda: csr_report(scope=scope, hourly_rate=Decimal("35"))),
            ("CSV", lambda: report_csv(report)),
            ("XLSX", lambda: report_xlsx(report, tenant_name="Acme")),
            ("PDF", lambda: report_pdf(report, tenant_name="Acme")),
        ]
        top = (
            Participation.objects.filter(status="attended")
            .values("volunteer")
            .annotate(total=Sum("hours"))
            .order_by("-total")
            .first()
        )
        assert top is not None
        from accounts.models import User

        certificate = certificate_issue(volunteer=User.objects.get(pk=top["volunteer"]), year=YEAR)

        def certificate_pdf() -> bytes:
            html = render_to_string(
                "reports/certificate_pdf.html",
                {
                    "certificate": certificate,
                    "activities": certificate.activities,
                    "tenant_name": "Acme",
                    "verification_url": f"https://acme.example/certificats/{certificate.token}/",
                    "qr_code": qr_svg(f"https://acme.example/certificats/{certificate.token}/"),
                },
            )
            return pdf_from_html(html)

        rows.append((f"certificate PDF ({len(certificate.activities)} lines)", certificate_pdf))
        print(f"{options.runs} runs each after one warm-up")
        print("| what | size | median ms | p95 ms | CPU median ms |")
        print("|---|---|---|---|---|")
        for name, function in rows:
            result, seconds, cpu = _time(function, options.runs)
            size = f"{len(result) / 1024:.0f} KiB" if isinstance(result, bytes) else "—"
            print(
                f"| {name} | {size} | {seconds.median * 1000:.0f} | {seconds.p95 * 1000:.0f} | "
                f"{cpu.median * 1000:.0f} |"
            )


if __name__ == "__main__":
    main()

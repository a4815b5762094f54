"""Apply the missing migrations to every tenant schema (tenants/tenant_migrations.py).

    manage.py migrate_tenants [--processes=N] [--schema=NAME ...]

The public schema is `migrate_schemas --shared`'s, the template schema `tenant_template
--rebuild`'s. A failed schema does not stop the others: they are all listed at the end and the
command exits non-zero; run it again once the cause is fixed and only what is left is applied.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from tenants import tenant_migrations
from tenants.tenant_migrations import SchemaOutcome, SchemaPlan


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """`n/total, rate, ETA` redrawn in place on a terminal; a plain line per tenth otherwise."""

    def __init__(self, stream: OutputWrapper, *, is_terminal: bool) -> None:
        self.stream = stream
        self.is_terminal = is_terminal
        self.started = time.perf_counter()
        self.failed = 0
        self.next_line = 0
        self.drawn_at = 0.0

    def __call__(self, outcome: SchemaOutcome, done: int, total: int) -> None:
        if outcome.is_failed:
            self.failed += 1
        now = time.perf_counter()
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate else 0.0
        failed = f", {self.failed} failed" if self.failed else ""
        line = (
            f"{done}/{total} schemas ({done * 100 // total}%), {rate:.1f}/s, "
            f"ETA {_duration(eta)}{failed}"
        )
        if self.is_terminal:
            if done == total or now - self.drawn_at >= 0.1:
                self.drawn_at = now
                self.stream.write(f"\r{line}\x1b[K", ending="\n" if done == total else "")
                self.stream.flush()
        elif done >= self.next_line or done == total:
            self.next_line = done + max(1, total // 10)
            self.stream.write(line)
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Apply the missing migrations to every tenant schema, in N processes; a failed schema is "
        "reported and the others completed; a new run applies only what is left."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="Worker processes (default: the CPUs this process may use).",
        )
        parser.add_argument(
            "--schema",
            action="append",
            dest="schemas",
            default=None,
            help="Only this tenant schema (repeat for several).",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        processes = options["processes"]
        if processes is not None and processes < 1:
            raise CommandError("--processes must be at least 1.")
        known = tenant_migrations.tenant_schema_names()
        schemas = options["schemas"] or known
        unknown = sorted(set(schemas) - set(known))
        if unknown:
            raise CommandError(f"Not a tenant schema: {', '.join(unknown)}.")
        verbosity = int(options["verbosity"])
        progress = Progress(self.stdout, is_terminal=self.stdout.isatty()) if verbosity else None
        chosen = processes or tenant_migrations.default_processes()

        def announce(plans: list[SchemaPlan]) -> None:
            if not verbosity:
                return
            migrations = sum(len(plan.migrations) for plan in plans)
            workers = max(1, min(chosen, len(plans) or 1))
            self.stdout.write(
                f"{len(schemas)} tenant schema(s): {len(schemas) - len(plans)} up to date, "
                f"{len(plans)} to migrate ({migrations} migration(s)) in {workers} process(es)."
            )

        report = tenant_migrations.tenant_migrations_run(
            schemas=schemas,
            database=options["database"],
            processes=processes,
            on_plan=announce,
            on_progress=progress,
        )
        if verbosity:
            migrated = report.migrated
            per_schema = report.seconds / len(report.outcomes) * 1000 if report.outcomes else 0
            self.stdout.write(
                f"{len(migrated)} schema(s) migrated, {len(report.failed)} failed, "
                f"in {report.seconds:.1f} s ({per_schema:.0f} ms per schema migrated)."
            )
        for outcome in report.failed:
            where = ".".join(outcome.failed_migration) if outcome.failed_migration else "?"
            self.stderr.write(f"FAILED {outcome.schema} at {where}: {outcome.error}")
        if report.not_tried:
            self.stderr.write("A worker process died; not finished: " + ", ".join(report.not_tried))
        if not report.is_success:
            names = [outcome.schema for outcome in report.failed] + report.not_tried
            raise CommandError(
                f"{len(names)} tenant schema(s) not migrated: {', '.join(names)}. The other "
                "schemas are migrated; fix the cause and run migrate_tenants again, it applies "
                "only what is left."
            )

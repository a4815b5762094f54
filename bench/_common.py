"""Shared setup for the benchmarks: a throwaway PostGIS database and Django configured against it.

A benchmark never touches the dev database (`entraide`) nor a test database: it creates its own
(`entraide_bench` by default, or BENCH_DATABASE), migrates the public schema, builds the template
schema, and drops the database when it is done. Its cache keys carry their own prefix and are
deleted at the end too.

Usage from a bench script::

    from _common import bench_database, summarize
    with bench_database() as info:
        ...  # Django is set up here, connected to the bench database
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "entraide_bench"
BENCH_BASE_DOMAIN = "bench.test"


@dataclass(frozen=True)
class BenchInfo:
    database: str
    cache_prefix: str
    seconds_to_prepare: float


def _server_url() -> str:
    """The server of DATABASE_URL (or the local default), without a database name."""
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/entraide")
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", parts.query, parts.fragment))


def _admin_connect(database: str):  # type: ignore[no-untyped-def]
    import psycopg

    parts = urlsplit(_server_url())
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname=database,
        autocommit=True,
    )


def _create_database(name: str) -> None:
    if name in {"entraide", "postgres", "template0", "template1"} or not name.endswith("_bench"):
        raise SystemExit(f"Refusing to use {name!r}: a bench database name must end in _bench.")
    with _admin_connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    with _admin_connect(name) as bench:
        bench.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def _prepare_database(name: str, *, reuse: bool) -> None:
    """A fresh bench database, or with `reuse` (--reuse) one kept by an earlier run (--keep)."""
    if not reuse:
        _create_database(name)
        return
    with _admin_connect("postgres") as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not found:
        raise SystemExit(f"--reuse: database {name} does not exist (run with --keep)")


def _drop_database(name: str) -> None:
    with _admin_connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def int_option(name: str, default: int) -> int:
    """The whole number after `name` on the command line (`--tenants 1000`), or `default`;
    exits with a message if it is missing or not a number."""
    if name not in sys.argv:
        return default
    index = sys.argv.index(name) + 1
    if index >= len(sys.argv) or not sys.argv[index].isdigit():
        raise SystemExit(f"{name} needs a whole number, e.g. {name} {default}")
    return int(sys.argv[index])


def _configure_django(database: str, cache_prefix: str, *, task_queue: str | None = None) -> None:
    """Django on the bench database. Tasks run in this process as they are sent, or, with
    `task_queue`, are only enqueued there as a server does (nothing reads that queue)."""
    os.environ["DATABASE_URL"] = f"{_server_url()}/{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["CACHE_KEY_PREFIX"] = cache_prefix
    os.environ["BASE_DOMAIN"] = BENCH_BASE_DOMAIN
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG would record every query and skew timings
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false" if task_queue else "true"
    if task_queue:
        os.environ["CELERY_TASK_DEFAULT_QUEUE"] = task_queue
    os.environ["MEDIA_ROOT"] = str(ROOT / "var" / "bench-media")
    # Celery's Django fixup puts the working directory first on sys.path when the application's
    # Celery app is made: started from another checkout (a worktree of an older commit measured
    # beside this one), the bench would import the rest of the application from there.
    os.chdir(ROOT)

    import django

    django.setup()


def _delete_cache_keys(prefix: str) -> None:
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"*:{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@contextlib.contextmanager
def bench_database(*, migrate: bool = True) -> Iterator[BenchInfo]:
    """Create the bench database, set Django up against it, migrate public and the template."""
    database = os.environ.get("BENCH_DATABASE", DEFAULT_DATABASE)
    cache_prefix = f"bench{os.getpid()}"
    started = time.perf_counter()
    _create_database(database)
    try:
        _configure_django(database, cache_prefix)
        if migrate:
            from django.core.management import call_command

            from tenants import provisioning

            call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
            provisioning.template_ensure(rebuild=True)
        yield BenchInfo(database, cache_prefix, time.perf_counter() - started)
    finally:
        with contextlib.suppress(Exception):
            _delete_cache_keys(cache_prefix)
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        _drop_database(database)


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@dataclass(frozen=True)
class Summary:
    median: float
    p95: float
    mean: float
    count: int


def summarize(values: Sequence[float]) -> Summary:
    return Summary(
        median=statistics.median(values),
        p95=percentile(values, 0.95),
        mean=statistics.fmean(values),
        count=len(values),
    )


def machine_description() -> str:
    """One line about where the figures were taken."""
    cores = os.cpu_count()
    try:
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        load = "?"
    postgres = "?"
    with contextlib.suppress(Exception):
        postgres = subprocess.run(  # noqa: S603
            ["psql", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    return (
        f"{cores} cores, load {load}, Python {platform.python_version()}, {postgres}, "
        f"{platform.platform()}"
    )


def random_point(
    rng: random.Random, centre: tuple[float, float], radius_km: float
) -> tuple[float, float]:
    """A uniform point (lng, lat) in a disc (small-distance approximation, fine at city scale)."""
    distance = radius_km * math.sqrt(rng.random())
    bearing = rng.random() * 2 * math.pi
    lat = centre[1] + (distance * math.cos(bearing)) / 111.32
    lng = centre[0] + (distance * math.sin(bearing)) / (111.32 * math.cos(math.radians(centre[1])))
    return lng, lat


def copy_rows(cursor: Any, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY the rows into the table on a psycopg cursor; returns how many."""
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def serve_until_healthy(
    command: list[str], environment: dict[str, str], port: int, *, seconds: float
) -> subprocess.Popen[bytes]:
    """Start a server process from the project's root and wait for its /healthz on loopback."""
    server = subprocess.Popen(command, cwd=ROOT, env=environment)  # noqa: S603
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"{Path(command[0]).name} did not answer /healthz within {seconds:g} s")


def tenant_rows_create(prefix: str, indexes: Iterable[int]) -> list[Any]:
    """Tenant rows `<prefix>NNNNN` (schema `t_<prefix>NNNNN`, not created here) with their
    verified primary domains, in bulk: no signals, no provisioning steps."""
    from django.conf import settings

    from tenants.models import Domain, Tenant

    tenants = Tenant.objects.bulk_create(
        Tenant(
            kind="city",
            name=f"{prefix.title()} {index}",
            slug=f"{prefix}{index:05d}",
            schema_name=f"t_{prefix}{index:05d}",
        )
        for index in indexes
    )
    Domain.objects.bulk_create(
        Domain(
            domain=f"{tenant.slug}.{settings.BASE_DOMAIN}",
            tenant=tenant,
            is_primary=True,
            is_verified=True,
        )
        for tenant in tenants
    )
    return tenants

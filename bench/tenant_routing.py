"""Per-request cost of host → tenant routing: our middleware vs django-tenants' stock one.

Both middlewares wrap the same trivial view (no SQL) and receive the same RequestFactory
requests for a tenant host; only the middleware call is timed. Runs alternate in blocks so a busy
machine slows both alike. SQL statements per request are counted with CaptureQueriesContext
(the stock middleware's `SET search_path` is visible to it on this django-tenants).

    .venv/bin/python bench/tenant_routing.py [ITERATIONS] [--tenants N]

Figures: median and p95 in µs for a cache hit (steady state), a miss (entry invalidated before
every request: one lookup, then cached) and an unknown host; statements per request; ratio.

--tenants N (default 3) adds Tenant and Domain rows up to N tenants (bulk, in the public schema:
routing reads no tenant schema, so none is created) and spreads the requests over all N hosts,
each request to a host drawn at random: every process then holds N routes, the Redis cache N
entries, and a miss looks one host up among N domains.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    BENCH_BASE_DOMAIN,
    bench_database,
    int_option,
    machine_description,
    summarize,
    tenant_rows_create,
)

ITERATIONS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 20_000
TENANTS = int_option("--tenants", 3)
BLOCK = 500
COLD_ITERATIONS = 1_000


def _provision_tenants() -> list[str]:
    from tenants.services import tenant_provision

    hosts = []
    for slug, kind in (("paris", "city"), ("montreal", "city"), ("acme", "company")):
        result = tenant_provision(
            kind=kind, name=slug.title(), slug=slug, admin_email=f"admin@{slug}.example"
        )
        hosts.append(result.tenant.primary_host)
    return hosts


def _add_routing_rows(count: int) -> list[str]:
    """`count` more tenants as rows only (Tenant + verified primary Domain), in batches."""
    hosts = []
    for start in range(0, count, 1000):
        tenants = tenant_rows_create("routing", range(start, min(count, start + 1000)))
        hosts += [tenant.primary_host for tenant in tenants]
    return hosts


def _time_calls(
    middleware: Callable, make_request: Callable, before: Callable[[], None] | None, count: int
) -> list[float]:
    """Microseconds per middleware call; `before` runs untimed before each call."""
    samples = []
    perf = time.perf_counter_ns
    for _ in range(count):
        request = make_request()
        if before is not None:
            before()
        started = perf()
        response = middleware(request)
        samples.append((perf() - started) / 1000)
        if response.status_code not in (200, 404):
            raise SystemExit(f"unexpected status {response.status_code}")
    return samples


def _statements_per_request(
    middleware: Callable, make_request: Callable, count: int = 200
) -> float:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        for _ in range(count):
            middleware(make_request())
    return len(queries) / count


def main() -> None:
    with bench_database() as info:
        from django.db import connection
        from django.http import HttpResponse
        from django.test import RequestFactory
        from django_tenants.middleware.main import TenantMainMiddleware

        from tenants.middleware import TenantRoutingMiddleware
        from tenants.routing import invalidate_hosts

        hosts = _provision_tenants()
        if TENANTS > len(hosts):
            started = time.perf_counter()
            hosts += _add_routing_rows(TENANTS - len(hosts))
            print(f"{len(hosts)} tenants' routing rows in {time.perf_counter() - started:.1f} s")
        host = hosts[0]
        draw = random.Random(18).choice
        factory = RequestFactory()

        def view(request):  # type: ignore[no-untyped-def]
            return HttpResponse("ok")

        ours = TenantRoutingMiddleware(view)
        stock = TenantMainMiddleware(view)

        def tenant_request():  # type: ignore[no-untyped-def]
            return factory.get("/", HTTP_HOST=draw(hosts) if TENANTS > 3 else host)

        def unknown_request():  # type: ignore[no-untyped-def]
            return factory.get("/", HTTP_HOST=f"nowhere.{BENCH_BASE_DOMAIN}")

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]

        # Warm up both paths (imports, connection, cache entries: every host once when many).
        if TENANTS > 3:
            for warm_host in hosts:
                ours(factory.get("/", HTTP_HOST=warm_host))
        _time_calls(ours, tenant_request, None, 500)
        _time_calls(stock, tenant_request, None, 500)

        ours_hit: list[float] = []
        stock_hit: list[float] = []
        for _ in range(max(1, ITERATIONS // BLOCK)):
            ours_hit += _time_calls(ours, tenant_request, None, BLOCK)
            stock_hit += _time_calls(stock, tenant_request, None, BLOCK)

        # Before the misses: each of them starts a new routing generation.
        statements_ours_hit = _statements_per_request(ours, tenant_request)
        statements_stock = _statements_per_request(stock, tenant_request)

        miss_host = [host]

        def miss_request():  # type: ignore[no-untyped-def]
            miss_host[0] = draw(hosts) if TENANTS > 3 else host
            return factory.get("/", HTTP_HOST=miss_host[0])

        ours_miss = _time_calls(
            ours, miss_request, lambda: invalidate_hosts(miss_host), COLD_ITERATIONS
        )
        ours_unknown = _time_calls(ours, unknown_request, None, COLD_ITERATIONS)

        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            for _ in range(100):
                request = tenant_request()
                invalidate_hosts([host])
                ours(request)
        statements_ours_miss = len(queries) / 100
        connection.set_schema_to_public()

        hit = summarize(ours_hit)
        base = summarize(stock_hit)
        miss = summarize(ours_miss)
        unknown = summarize(ours_unknown)
        print(f"machine: {machine_description()}; PostgreSQL server {server_version}")
        print(f"bench database {info.database} ready in {info.seconds_to_prepare:.1f} s")
        print(f"tenants: {len(hosts)} (requests spread over all of them: {TENANTS > 3})")
        print(f"requests per figure: hit {hit.count}, stock {base.count}, miss {miss.count}")
        print()
        print(f"{'path':<34}{'median µs':>11}{'p95 µs':>10}{'mean µs':>10}{'SQL/req':>9}")
        rows = [
            ("ours, cache hit", hit, statements_ours_hit),
            ("stock TenantMainMiddleware", base, statements_stock),
            ("ours, miss (invalidated each time)", miss, statements_ours_miss),
            ("ours, unknown host (404, cached)", unknown, None),
        ]
        for label, summary, statements in rows:
            sql = f"{statements:.1f}" if statements is not None else "-"
            print(
                f"{label:<34}{summary.median:>11.1f}{summary.p95:>10.1f}"
                f"{summary.mean:>10.1f}{sql:>9}"
            )
        print()
        print(f"stock / ours (median, hit): {base.median / hit.median:.1f}x")
        print(f"stock / ours (p95, hit):    {base.p95 / hit.p95:.1f}x")
        target_ok = hit.median <= 200 and statements_ours_hit == 0 and base.median >= 3 * hit.median
        print(
            "targets (hit <= 200 µs, 0 SQL, >= 3x faster than stock): "
            + ("met" if target_ok else "MISSED")
        )


if __name__ == "__main__":
    main()

"""What the Prometheus metrics cost (tenants/metrics.py, config/gunicorn.py).

    .venv/bin/python bench/metrics.py [WORKERS ...]     (default: 1 3 6)

Figures:
1. one routing counter increment (`routing_cache_count`), in a single process and in
   multiprocess mode (values in mmap'd files, as under gunicorn and Celery);
2. the routing middleware's cache hit with the counter and with it switched off (same process,
   multiprocess mode, alternating blocks), i.e. what the counter adds to every request;
3. a /metrics scrape of gunicorn's master for each number of workers, after traffic on several
   views and hosts: median and p95 time, series and bytes served.
"""

from __future__ import annotations

import atexit
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Multiprocess mode for this process too, before anything imports prometheus_client.
_DIRECTORY = tempfile.mkdtemp(prefix="entraide-bench-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _DIRECTORY


def _temporary_directory(prefix: str) -> str:
    """A directory removed when the script ends."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, True)
    return path


atexit.register(shutil.rmtree, _DIRECTORY, True)

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    BENCH_BASE_DOMAIN,
    ROOT,
    bench_database,
    machine_description,
    summarize,
)

WORKER_COUNTS = [int(value) for value in sys.argv[1:]] or [1, 3, 6]
INCREMENTS = 200_000
BLOCK = 500
ROUTING_BLOCKS = 40
SCRAPES = 30
REQUESTS = 600


def _counter_cost(multiprocess: bool) -> float:
    """ns per increment, measured in a fresh interpreter (the mode is chosen at import)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if multiprocess:
        env["PROMETHEUS_MULTIPROC_DIR"] = _temporary_directory("entraide-bench-counter-")
    code = (
        "import time\n"
        "from tenants.metrics import routing_cache_count\n"
        "routing_cache_count('hit_local')\n"
        f"n = {INCREMENTS}\n"
        "started = time.perf_counter_ns()\n"
        "for _ in range(n):\n"
        "    routing_cache_count('hit_local')\n"
        "print((time.perf_counter_ns() - started) / n)\n"
    )
    output = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(output.stdout.strip())


def _routing_overhead(host: str) -> tuple[float, float]:
    """Median µs of a routing cache hit, with and without the counter."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from tenants import routing
    from tenants.middleware import TenantRoutingMiddleware

    factory = RequestFactory()
    middleware = TenantRoutingMiddleware(lambda request: HttpResponse("ok"))
    counting = routing.routing_cache_count

    def block() -> list[float]:
        samples = []
        perf = time.perf_counter_ns
        for _ in range(BLOCK):
            request = factory.get("/", HTTP_HOST=host)
            started = perf()
            middleware(request)
            samples.append((perf() - started) / 1000)
        return samples

    block()  # warm up: the route cached in both layers
    with_counter: list[float] = []
    without: list[float] = []
    for _ in range(ROUTING_BLOCKS):
        routing.routing_cache_count = counting
        with_counter += block()
        routing.routing_cache_count = lambda result: None
        without += block()
    routing.routing_cache_count = counting
    return summarize(with_counter).median, summarize(without).median


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(port: int, path: str, host: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _wait(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            _get(port, "/healthz", "127.0.0.1")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on {port}")


def _scrape_figures(workers: int, hosts: list[str]) -> tuple[float, float, int, int]:
    port, metrics_port = _free_port(), _free_port()
    directory = _temporary_directory("entraide-bench-gunicorn-")
    env = {
        **os.environ,
        "METRICS_PORT": str(metrics_port),
        "PROMETHEUS_MULTIPROC_DIR": directory,
    }
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
            *("--config=python:config.gunicorn", f"--bind=127.0.0.1:{port}"),
            *(f"--workers={workers}", "--threads=4"),
        ],
        env=env,
        cwd=ROOT,
        # Not a pipe: nobody reads it while the traffic runs, and a full pipe blocks the workers.
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(port, process)
        paths = ["/", "/api/v1/missions/", "/missions/", "/nothing/", "/healthz", "/static/x.css"]
        calls = [
            (path, hosts[index % len(hosts)])
            for index, path in enumerate(paths * (REQUESTS // len(paths)))
        ]
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda call: _get(port, *call), calls))
        samples, size, series = [], 0, 0
        for _ in range(SCRAPES):
            started = time.perf_counter()
            status, body = _get(metrics_port, "/metrics", "127.0.0.1")
            samples.append((time.perf_counter() - started) * 1000)
            assert status == 200
            size = len(body)
            series = sum(
                1 for line in body.decode().splitlines() if line and not line.startswith("#")
            )
        summary = summarize(samples)
        return summary.median, summary.p95, series, size
    finally:
        process.terminate()
        process.communicate(timeout=30)


def main() -> None:
    single = _counter_cost(multiprocess=False)
    multi = _counter_cost(multiprocess=True)
    with bench_database() as info:
        from tenants.services import tenant_provision

        hosts = []
        for slug, kind in (("paris", "city"), ("montreal", "city"), ("acme", "company")):
            result = tenant_provision(
                kind=kind, name=slug.title(), slug=slug, admin_email=f"admin@{slug}.example"
            )
            hosts.append(result.tenant.primary_host)
        hosts += [BENCH_BASE_DOMAIN, f"nowhere.{BENCH_BASE_DOMAIN}"]
        with_counter, without = _routing_overhead(hosts[0])
        scrapes = {workers: _scrape_figures(workers, hosts) for workers in WORKER_COUNTS}

    print(f"machine: {machine_description()}")
    print(f"bench database {info.database} ready in {info.seconds_to_prepare:.1f} s")
    print()
    print(f"routing counter increment: {single:.0f} ns single process, {multi:.0f} ns multiprocess")
    print(
        f"routing middleware, cache hit (median of {ROUTING_BLOCKS * BLOCK}, multiprocess): "
        f"{without:.1f} µs without the counter, {with_counter:.1f} µs with it "
        f"(+{with_counter - without:.1f} µs)"
    )
    print()
    print(f"{'gunicorn workers':<18}{'scrape median ms':>18}{'p95 ms':>9}{'series':>8}{'bytes':>9}")
    for workers, (median, p95, series, size) in scrapes.items():
        print(f"{workers:<18}{median:>18.1f}{p95:>9.1f}{series:>8}{size:>9}")


if __name__ == "__main__":
    main()

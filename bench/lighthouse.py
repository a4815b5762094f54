"""Lighthouse, mobile: performance score, LCP, TBT and CLS of the demo tenants' pages.

    .venv/bin/python bench/lighthouse.py [RUNS]      # runs per page, default 3 (median printed)

Seeds the demo (`seed_demo`: paris, montreal, acme) in a bench database of its own, collects the
static files as the image does (manifest storage, hashed copies only), serves them with gunicorn
on loopback with the production settings (DEBUG off, WhiteNoise, the same middleware), then runs
Lighthouse (the `lighthouse` npm package, package.json) with its defaults: mobile form factor,
simulated throttling (slow 4G, 4x CPU slowdown), driving the Chromium of the browser tests
(/usr/bin/chromium, or ENTRAIDE_CHROMIUM). Chromium maps `*.bench.test` to 127.0.0.1.

Pages: the home page and one mission page of each city; Acme is a private instance (members
only), measured signed in (a session cookie sent with every request) — its home and a mission
page. Each page RUNS times; the median of each figure is printed, with the elements whose
layout shifts count most and the largest opportunities Lighthouse reports.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    BENCH_BASE_DOMAIN,
    ROOT,
    bench_database,
    machine_description,
    serve_until_healthy,
)

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
CHROMIUM = os.environ.get("ENTRAIDE_CHROMIUM", "/usr/bin/chromium")
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
# As the browser tests launch it (tests/browser/conftest.py), headless.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    # Quoted: Lighthouse splits --chrome-flags on spaces outside quotes.
    "--host-resolver-rules="
    f'"MAP *.{BENCH_BASE_DOMAIN} 127.0.0.1, MAP {BENCH_BASE_DOMAIN} 127.0.0.1"',
]


@dataclass
class Page:
    label: str
    url: str
    cookie: str = ""
    scores: list[float] = field(default_factory=list)
    lcp: list[float] = field(default_factory=list)
    tbt: list[float] = field(default_factory=list)
    cls: list[float] = field(default_factory=list)
    fcp: list[float] = field(default_factory=list)
    shifts: dict[str, float] = field(default_factory=dict)
    opportunities: dict[str, float] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# The server's key: the sessions made here for a private tenant's member must verify there.
SECRET_KEY = secrets.token_urlsafe(60)


def _server_environment(database_url: str, static_root: Path, port: int, cache_prefix: str):  # type: ignore[no-untyped-def]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        # Loopback over plain http: no TLS redirect, no HSTS (the pages are otherwise production's).
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        "BASE_DOMAIN": BENCH_BASE_DOMAIN,
        "BASE_PORT": str(port),
        "CACHE_KEY_PREFIX": cache_prefix,
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
    }


def _collect_static(environment: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            "manage.py",
            "collectstatic",
            "--noinput",
            "-v",
            "0",
            "--ignore",
            "drf_spectacular_sidecar/redoc/*",
        ],
        cwd=ROOT,
        env=environment,
        check=True,
    )


def _serve(environment: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return serve_until_healthy(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--access-logfile=/dev/null",
        ],
        environment,
        port,
        seconds=30,
    )


def _member_cookie(slug: str) -> str:
    """A signed-in member of a private tenant: a session of its own schema, as a Cookie header."""
    from django.conf import settings
    from django.test import Client, override_settings
    from django_tenants.utils import tenant_context

    from accounts.models import User
    from tenants.legal.services import terms_accept_current
    from tenants.models import Tenant

    tenant = Tenant.objects.get(slug=slug)
    with tenant_context(tenant), override_settings(SECRET_KEY=SECRET_KEY):
        user, _ = User.objects.get_or_create(email=f"lighthouse@{slug}.example.org")
        terms_accept_current(user=user)
        client = Client(HTTP_HOST=f"{slug}.{BENCH_BASE_DOMAIN}")
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={session}"


def _pages(port: int) -> list[Page]:
    from django_tenants.utils import tenant_context

    from engagement.missions.models import Mission
    from tenants.models import Tenant

    pages = []
    for slug in ("paris", "montreal", "acme"):
        tenant = Tenant.objects.get(slug=slug)
        with tenant_context(tenant):
            mission = (
                Mission.objects.filter(status=Mission.Status.PUBLISHED, location__isnull=False)
                .order_by("id")
                .first()
            )
        assert mission is not None, f"{slug}: no published mission with a place"
        cookie = _member_cookie(slug) if tenant.is_private else ""
        origin = f"http://{slug}.{BENCH_BASE_DOMAIN}:{port}"
        pages.append(Page(f"{slug} home", f"{origin}/", cookie))
        pages.append(Page(f"{slug} mission", f"{origin}/missions/{mission.pk}/", cookie))
    return pages


def _lighthouse(page: Page, output: Path) -> None:
    command = [
        str(LIGHTHOUSE),
        page.url,
        "--only-categories=performance",
        "--output=json",
        f"--output-path={output}",
        "--quiet",
        f"--chrome-flags={' '.join(CHROMIUM_FLAGS)}",
    ]
    if page.cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': page.cookie})}")
    subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROMIUM}, check=True)  # noqa: S603
    report = json.loads(output.read_text(encoding="utf-8"))
    final = report.get("finalDisplayedUrl") or report.get("finalUrl")
    if final != page.url:
        raise SystemExit(f"{page.label}: Lighthouse ended on {final}, not {page.url}")
    audits = report["audits"]
    page.scores.append(report["categories"]["performance"]["score"] * 100)
    page.lcp.append(audits["largest-contentful-paint"]["numericValue"])
    page.fcp.append(audits["first-contentful-paint"]["numericValue"])
    page.tbt.append(audits["total-blocking-time"]["numericValue"])
    page.cls.append(audits["cumulative-layout-shift"]["numericValue"])
    for item in (audits.get("layout-shifts", {}).get("details") or {}).get("items", []):
        node = item.get("node") or {}
        name = node.get("selector") or node.get("nodeLabel") or "?"
        page.shifts[name] = max(page.shifts.get(name, 0.0), item.get("score", 0.0))
    for audit in audits.values():
        details = audit.get("details") or {}
        if details.get("type") != "opportunity":
            continue
        saving = details.get("overallSavingsMs") or 0
        if saving >= 50:
            page.opportunities[audit["id"]] = max(page.opportunities.get(audit["id"], 0), saving)


def _report(pages: list[Page]) -> None:
    print(
        f"Lighthouse {_lighthouse_version()}, mobile, simulated throttling, median of {RUNS} runs"
    )
    print(f"{'page':<18} {'score':>5} {'FCP ms':>7} {'LCP ms':>7} {'TBT ms':>7} {'CLS':>6}")
    for page in pages:
        print(
            f"{page.label:<18} {statistics.median(page.scores):>5.0f} "
            f"{statistics.median(page.fcp):>7.0f} {statistics.median(page.lcp):>7.0f} "
            f"{statistics.median(page.tbt):>7.0f} {statistics.median(page.cls):>6.3f}"
            f"   (scores {', '.join(f'{score:.0f}' for score in page.scores)})"
        )
        for name, score in sorted(page.shifts.items(), key=lambda item: -item[1])[:3]:
            print(f"    layout shift {score:.3f}: {name}")
        for name, saving in sorted(page.opportunities.items(), key=lambda item: -item[1])[:4]:
            print(f"    opportunity {name}: ~{saving:.0f} ms")


def main() -> None:
    if not LIGHTHOUSE.exists():
        raise SystemExit("lighthouse is missing: npm install (package.json)")
    # A database of its own: other benches may be using the default one.
    os.environ.setdefault("BENCH_DATABASE", "lighthouse_bench")
    with bench_database() as info, tempfile.TemporaryDirectory(prefix="lighthouse-") as work:
        from django.conf import settings
        from django.core.management import call_command

        print(f"# bench/lighthouse.py — {machine_description()}")
        print(f"database ready in {info.seconds_to_prepare:.1f} s")
        started = time.perf_counter()
        call_command("seed_demo", verbosity=0)
        print(f"seed_demo in {time.perf_counter() - started:.1f} s")
        port = _free_port()
        database = settings.DATABASES["default"]
        database_url = (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
        if database.get("PASSWORD"):
            database_url = database_url.replace("@", f":{database['PASSWORD']}@", 1)
        environment = _server_environment(
            database_url, Path(work) / "static", port, info.cache_prefix
        )
        _collect_static(environment)
        server = _serve(environment, port)
        try:
            pages = _pages(port)
            for page in pages:
                for run in range(RUNS):
                    _lighthouse(page, Path(work) / f"report-{run}.json")
        finally:
            server.terminate()
            server.wait(timeout=30)
            shutil.rmtree(Path(work) / "static", ignore_errors=True)
        _report(pages)  # before the database is dropped (that can wait on a checkpoint)


def _lighthouse_version() -> str:
    package = ROOT / "node_modules" / "lighthouse" / "package.json"
    return str(json.loads(package.read_text(encoding="utf-8"))["version"])


if __name__ == "__main__":
    main()

"""Throughput of the tenant pages under load: gunicorn as the Helm chart runs it, 100 tenants.

    .venv/bin/python bench/throughput.py [--tenants 100] [--missions 300] [--users 20]
        [--duration 40] [--warmup 120] [--workers 2,4] [--threads T] [--keep] [--reuse]
        [--only mix|bare] [--edits R] [--profile] [--gc]

Prepares a database of its own (BENCH_DATABASE, default `entraide_throughput_bench`; --keep
leaves it, --reuse runs on a kept one): N tenants provisioned with `tenant_provision` (the copy
of the template schema, as production does; every fifth one English-speaking), a few hundred
missions per tenant loaded with COPY (organizations, causes, skills, 1-4 dated slots, some
ongoing), the search columns and vectors filled by the statements of the services, and in every
tenant one volunteer per simulated user (terms accepted, a session made in that tenant's schema).

Then, for each worker count, it collects the static files as the image does and starts gunicorn
with the chart's command (`config.wsgi:application --config=python:config.gunicorn --workers=W
--threads=T --timeout=30 --worker-tmp-dir=/tmp`, T = the chart's `web.gunicorn.threads` unless
--threads says otherwise; metrics on), production settings plus one bench
URL (bench/throughput_settings.py: `/bench/bare/`, a view without query or template behind the
same middleware), and runs the load generator in another process (this script with
--generate): a closed loop of U simulated users (threads, a keep-alive connection per visit,
no think time), each picking a tenant at random (Host `<slug>.bench.test`) and a task by weight:

- home page "Autour de moi", anonymous, as it first opens or with a cause chosen (35);
- search API `/api/v1/missions/` with typical filters: a point and a radius, a cause, dates,
  some with words (30);
- a mission page, anonymous (30): 70 % of these views go to 20 of the tenant's missions (its
  popular ones: the 20 lowest ids), 30 % to any of its published missions;
- "Je participe" (5: one task in twenty is a sign-up): a signed-in volunteer opens a mission
  page (its CSRF token), posts the date, opens "Mes engagements" and cancels that participation
  (four requests).

Each phase starts with a warm-up that is not measured: --warmup seconds for the mix (the page
cache fills as it does on a server between two deploys: the anonymous pages live minutes, so a
short run would measure a cache a deploy just emptied), 5 s for the bare view.

It prints, per phase, the requests per second and p50/p95/p99 per endpoint and in all, the
errors (any unexpected status or failed connection) and the share of answers served from the
page cache (X-Page-Cache: hit), and the CPU seconds each part of the machine used during the
measured window (gunicorn, PostgreSQL with its exited backends, Redis, the load generator, the
rest, idle; read in /proc), in all and per request; then the bare view alone under the same
load, and the ratio of the mix's throughput to the bare view's. Figures go to
docs/benchmarks.md ("Throughput (issue 18)") with the load average printed here.

--edits R: organizers edit missions while the mix runs (warm-up included), R saves a second
over all the tenants, each of a published mission drawn at random, made in this process as an
organizer's edit saves it: what it renews in the page cache is what the pages would lose.

--profile, instead of the load: in this process, the CPU time per request, the CPU time of the
PostgreSQL backend that served it, and cProfile's top items of each page (the bare view,
anonymous home and mission page, cached and not, a mission page neither the page cache nor the
mission's copy holds, the search API, the signed-in mission page
and "Mes engagements", the POSTs of "Je participe" and of the cancellation) on the first
tenant.

--gc, instead of the load: what the garbage collector costs a worker serving the mix's GETs
(config/garbage_collection.py), in three processes started afresh: nothing frozen; frozen once
the application is loaded; frozen again after GC_WARMUP_REQUESTS requests, as gunicorn's
workers do. Each serves GC_WARMUP_REQUESTS requests, then GC_MEASURED_REQUESTS more while the
collections Python starts by itself are timed (per generation: how many, in all, the longest),
then times a full collection (the fastest of three) and counts the objects it visits.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    BENCH_BASE_DOMAIN,
    ROOT,
    _configure_django,
    _delete_cache_keys,
    _drop_database,
    _prepare_database,
    _server_url,
    copy_rows,
    machine_description,
    percentile,
    random_point,
    serve_until_healthy,
)

DEFAULT_DATABASE = "entraide_throughput_bench"
# The server's key: the sessions made here must verify there.
SECRET_KEY = "throughput-bench-" + "k" * 48
CENTRE = (2.3522, 48.8566)  # lng, lat: every tenant's missions spread around Paris
SPREAD_KM = 15.0
TITLES = [
    ("Distribution de repas", "Servir un repas chaud aux personnes sans abri"),
    ("Aide aux devoirs", "Accompagner des collégiens après l'école"),
    ("Visite à l'hôpital", "Rendre visite aux patients isolés de l'hôpital"),
    ("Jardin partagé", "Entretenir le potager du quartier"),
    ("Collecte alimentaire", "Trier les dons à la sortie du supermarché"),
    ("Maraude du soir", "Aller à la rencontre des personnes à la rue"),
    ("Atelier numérique", "Aider des seniors à utiliser leur téléphone"),
    ("Nettoyage des berges", "Ramasser les déchets le long du canal"),
    ("Community garden", "Help with planting and watering vegetables"),
    ("Food bank shift", "Sort donations and pack food parcels"),
]
QUERY_WORDS = ["repas", "jardin", "devoirs", "garden", "hopital"]
# Missions 1..JOIN_MISSIONS of every tenant: published, no approval, one date in ten days with
# room for every volunteer ("Je participe" always confirms, then is cancelled).
JOIN_MISSIONS = 5
POPULAR_MISSIONS = 20
POPULAR_SHARE = 0.7
TASK_WEIGHTS = {"home": 35, "search": 30, "mission": 30, "join": 5}
# The bare view has nothing to warm but the connections and the route cache.
BARE_WARMUP_SECONDS = 5.0
ENDPOINTS = [
    "home",
    "search API",
    "mission page",
    "mission page, signed in",
    "Je participe (POST)",
    "Mes engagements",
    "cancel (POST)",
]


# --- Data ---------------------------------------------------------------------------------------


def _load_missions(count: int, rng: random.Random) -> None:
    """COPY `count` missions (with organizations, causes, skills and slots) into the current
    tenant's schema, then fill the search columns and vectors as the services do."""
    from django.db import connection

    from engagement.missions.models import Slot
    from engagement.missions.services import (
        SEARCH_COLUMNS_REFRESH_SQL,
        SLOT_SEARCH_COLUMNS_REFRESH_SQL,
    )
    from engagement.missions.text_search import mission_search_vector_refresh

    zone = ZoneInfo("Europe/Paris")
    now = datetime.now(tz=zone).replace(microsecond=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM engagement_cause ORDER BY id")
        cause_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM engagement_skill ORDER BY id")
        skill_ids = [row[0] for row in cursor.fetchall()]
        organizations = 10
        copy_rows(
            cursor,
            "engagement_organization",
            ["id", "name", "slug", "kind", "description", "address", "website"]
            + ["contact_email", "verification_status", "verification_note", "logo"]
            + ["created_at", "updated_at", "verified_at"],
            (
                (index, f"Association {index}", f"association-{index}", "association")
                + ("", "", "", "", "verified", "", "", now, now, now)
                for index in range(1, organizations + 1)
            ),
        )
        statuses = ["published"] * 90 + ["draft"] * 5 + ["closed"] * 5

        def missions() -> Iterator[tuple]:
            for index in range(1, count + 1):
                title, summary = rng.choice(TITLES)
                is_remote = index > JOIN_MISSIONS and rng.random() < 0.05
                lng, lat = random_point(rng, CENTRE, SPREAD_KM)
                status = "published" if index <= JOIN_MISSIONS else rng.choice(statuses)
                published = now - timedelta(days=rng.random() * 180)
                yield (
                    index,
                    rng.randint(1, organizations),
                    f"{title} #{index}",
                    summary,
                    f"<p>{summary}.</p><p>Mission {index}, {rng.randint(2, 40)} bénévoles.</p>",
                    None if is_remote else f"SRID=4326;POINT({lng:.6f} {lat:.6f})",
                    f"{rng.randint(1, 200)} rue de la Mission",
                    "75011",
                    "Paris",
                    is_remote,
                    rng.random() < 0.3,
                    rng.random() < 0.25,
                    rng.random() < 0.7,
                    index > JOIN_MISSIONS and rng.random() < 0.1,
                    status,
                    "",
                    published if status in ("published", "closed") else None,
                    published,
                    published,
                    "{}",
                    "{}",
                    "{}",
                    None,
                    False,
                )

        copy_rows(
            cursor,
            "engagement_mission",
            ["id", "organization_id", "title", "summary", "description", "location", "address"]
            + ["postcode", "city", "is_remote", "is_step_free", "is_open_to_minors"]
            + ["is_beginner_friendly", "requires_approval", "status", "moderation_note"]
            + ["published_at", "created_at", "updated_at"]
            + ["cause_ids", "skill_ids", "cause_cells", "last_open_slot_start"]
            + ["has_open_ongoing_slot"],
            missions(),
        )
        copy_rows(
            cursor,
            "engagement_mission_causes",
            ["mission_id", "cause_id"],
            (
                (mission_id, cause_id)
                for mission_id in range(1, count + 1)
                for cause_id in rng.sample(cause_ids, rng.choice((1, 1, 2, 3)))
            ),
        )
        copy_rows(
            cursor,
            "engagement_mission_skills",
            ["mission_id", "skill_id"],
            (
                (mission_id, skill_id)
                for mission_id in range(1, count + 1)
                for skill_id in rng.sample(skill_ids, rng.choice((0, 1, 2)))
            ),
        )

        def slots() -> Iterator[tuple]:
            for mission_id in range(1, count + 1):
                if mission_id <= JOIN_MISSIONS:
                    day = now.date() + timedelta(days=10)
                    local = datetime(day.year, day.month, day.day, 14, tzinfo=zone)
                    yield (mission_id, local, local + timedelta(hours=3), 100_000, 0, "open")
                    continue
                if rng.random() < 0.2:
                    capacity = rng.randint(1, 30)
                    yield mission_id, None, None, capacity, rng.randint(0, capacity), "open"
                    continue
                for _ in range(rng.randint(1, 4)):
                    day = now.date() + timedelta(days=rng.randint(-10, 60))
                    local = datetime(
                        day.year, day.month, day.day, rng.choice((9, 14, 18)), tzinfo=zone
                    )
                    capacity = rng.randint(1, 20)
                    yield (
                        mission_id,
                        local,
                        local + timedelta(hours=rng.choice((2, 3))),
                        capacity,
                        rng.randint(0, capacity),
                        "open",
                    )

        copy_rows(
            cursor,
            "engagement_slot",
            ["mission_id", "starts_at", "ends_at", "capacity", "confirmed_count", "status"]
            + ["time_bit", "created_at", "sequence", "held_count"],
            (
                (*row, Slot.time_bit_for(row[1], "Europe/Paris") if row[1] else None, now, 0, 0)
                for row in slots()
            ),
        )
        for table in ("engagement_organization", "engagement_mission"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute(SEARCH_COLUMNS_REFRESH_SQL)
        cursor.execute(SLOT_SEARCH_COLUMNS_REFRESH_SQL)
    mission_search_vector_refresh(mission_ids=range(1, count + 1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _volunteer(slug: str, index: int) -> Any:
    """The bench's volunteer number `index` of this tenant (current schema), terms accepted."""
    from accounts.models import User
    from tenants.legal.services import terms_accept_current

    user, _ = User.objects.get_or_create(email=f"volunteer{index}@{slug}.example.org")
    terms_accept_current(user=user)
    return user


def _volunteer_cookies(slug: str, users: int) -> list[str]:
    """One signed-in volunteer per simulated user in this tenant: their session cookies."""
    from django.conf import settings
    from django.test import Client, override_settings

    cookies = []
    with override_settings(SECRET_KEY=SECRET_KEY):
        for index in range(users):
            user = _volunteer(slug, index)
            client = Client(HTTP_HOST=f"{slug}.{BENCH_BASE_DOMAIN}")
            client.force_login(user)
            cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return cookies


def _prepare(tenants: int, missions: int, users: int, seed: int) -> None:
    from django.db import connection
    from django_tenants.utils import tenant_context

    from tenants.services import tenant_provision

    rng = random.Random(seed)
    started = time.perf_counter()
    for index in range(tenants):
        slug = f"city{index:03d}"
        english = index % 5 == 4
        result = tenant_provision(
            kind="city",
            name=f"City {index}",
            slug=slug,
            admin_email=f"admin@{slug}.example.org",
            default_language="en" if english else "fr",
            map_center=(CENTRE[1], CENTRE[0]),
        )
        with tenant_context(result.tenant):
            _load_missions(missions, rng)
        connection.set_schema_to_public()
        if (index + 1) % 10 == 0:
            print(
                f"  {index + 1}/{tenants} tenants provisioned and loaded "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )


def _spec(users: int, seed: int) -> dict[str, Any]:
    """What the load generator needs: hosts, mission ids, the join slots, causes, cookies."""
    from django.conf import settings
    from django.db import connection
    from django_tenants.utils import tenant_context

    from engagement.missions.models import Mission, Slot
    from engagement.taxonomy.models import Cause
    from tenants.models import Tenant

    tenants = []
    for tenant in Tenant.objects.exclude(schema_name="public").order_by("slug"):
        if not tenant.slug.startswith("city"):
            continue
        with tenant_context(tenant):
            published = list(
                Mission.objects.filter(status=Mission.Status.PUBLISHED)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            join = [
                [slot.mission_id, slot.pk]
                for slot in Slot.objects.filter(mission_id__lte=JOIN_MISSIONS).order_by("pk")
            ]
            causes = list(Cause.objects.values_list("slug", flat=True))
            cookies = _volunteer_cookies(tenant.slug, users)
        tenants.append(
            {
                "host": tenant.primary_host,
                "missions": published,
                "join": join,
                "causes": causes,
                "cookies": cookies,
            }
        )
    connection.set_schema_to_public()
    return {
        "tenants": tenants,
        "seed": seed,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
    }


# --- Server -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_environment(database: str, static_root: Path, port: int, prefix: str) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "throughput_settings",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        # Loopback over plain http: no TLS redirect, no HSTS (the pages are otherwise production's).
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_HSTS_SECONDS": "0",
        "DATABASE_URL": f"{_server_url()}/{database}",
        "BASE_DOMAIN": BENCH_BASE_DOMAIN,
        "BASE_PORT": str(port),
        "CACHE_KEY_PREFIX": prefix,
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
        # As in production, a request only enqueues its tasks (e-mails...): to a queue of the
        # bench's own that no worker reads, emptied at the end.
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": prefix,
        "MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
        "PROMETHEUS_MULTIPROC_DIR": str(static_root.parent / "metrics"),
        "METRICS_PORT": str(_free_port()),
    }


def _collect_static(environment: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"]
        + ["--ignore", "drf_spectacular_sidecar/redoc/*"],
        cwd=ROOT,
        env=environment,
        check=True,
    )


def _serve(
    environment: dict[str, str], port: int, workers: int, threads: int
) -> subprocess.Popen[bytes]:
    """gunicorn with the chart's command (deploy/helm/entraide/templates/web-deployment.yaml)."""
    Path(environment["PROMETHEUS_MULTIPROC_DIR"]).mkdir(exist_ok=True)
    return serve_until_healthy(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--config=python:config.gunicorn",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--timeout=30",
            "--worker-tmp-dir=/tmp",
        ],
        environment,
        port,
        seconds=60,
    )


# --- Load generator (its own process) -----------------------------------------------------------

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CANCEL_ACTION = re.compile(rb'action="/mes-engagements/(\d+)/annuler/"')


class Failure(Exception):
    pass


class VirtualUser:
    """One simulated person: a keep-alive connection per visit (task), a cookie jar per
    tenant, a closed loop."""

    def __init__(self, index: int, spec: dict[str, Any], port: int, mode: str) -> None:
        self.index = index
        self.spec = spec
        self.port = port
        self.mode = mode
        self.rng = random.Random(spec["seed"] * 1000 + index)
        self.connection: http.client.HTTPConnection | None = None
        self.samples: list[tuple[str, float, bool]] = []
        self.errors: list[str] = []
        self.jars: dict[str, dict[str, str]] = {}

    def request(
        self,
        endpoint: str,
        tenant: dict[str, Any],
        method: str,
        path: str,
        *,
        expect: int,
        body: dict[str, str] | None = None,
        signed_in: bool = False,
    ) -> bytes:
        host = tenant["host"]
        # As a browser sends them: the port in Host, the page's origin with a form.
        headers = {"Host": f"{host}:{self.port}", "Accept-Language": "fr,en;q=0.8"}
        if signed_in:
            jar = self.jars.setdefault(
                host, {self.spec["session_cookie"]: tenant["cookies"][self.index]}
            )
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        encoded = None
        if body is not None:
            encoded = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{host}:{self.port}"
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, body=encoded, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.samples.append((endpoint, (time.perf_counter() - started) * 1000, False, False))
            self.errors.append(f"{endpoint} {path}: {error!r}")
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            raise Failure from error
        elapsed = (time.perf_counter() - started) * 1000
        ok = response.status == expect
        cached = response.getheader("X-Page-Cache") == "hit"
        self.samples.append((endpoint, elapsed, ok, cached))
        if signed_in:
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel.value and morsel["max-age"] != "0":
                        self.jars[host][name] = morsel.value
                    else:
                        self.jars[host].pop(name, None)
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        if not ok:
            self.errors.append(f"{endpoint} {host}{path}: {response.status} (expected {expect})")
            raise Failure
        return content

    def home(self, tenant: dict[str, Any]) -> None:
        query = ""
        if self.rng.random() < 0.4:
            query = "?" + urlencode({"cause": self.rng.choice(tenant["causes"])})
        self.request("home", tenant, "GET", f"/{query}", expect=200)

    def search(self, tenant: dict[str, Any]) -> None:
        lng, lat = random_point(self.rng, CENTRE, SPREAD_KM)
        start = datetime.now().date() + timedelta(days=self.rng.randint(0, 14))
        filters: dict[str, str] = {"lat": f"{lat:.4f}", "lng": f"{lng:.4f}", "radius_km": "10"}
        if self.rng.random() < 0.5:
            filters["cause"] = self.rng.choice(tenant["causes"])
        if self.rng.random() < 0.5:
            filters["date_from"] = start.isoformat()
            filters["date_to"] = (start + timedelta(days=14)).isoformat()
        if self.rng.random() < 0.2:
            filters["q"] = self.rng.choice(QUERY_WORDS)
        self.request(
            "search API", tenant, "GET", f"/api/v1/missions/?{urlencode(filters)}", expect=200
        )

    def mission(self, tenant: dict[str, Any]) -> None:
        # Views are skewed as on a real site: most go to the missions a list shows first.
        popular = self.rng.random() < POPULAR_SHARE
        mission_id = self.rng.choice(
            tenant["missions"][:POPULAR_MISSIONS] if popular else tenant["missions"]
        )
        self.request("mission page", tenant, "GET", f"/missions/{mission_id}/", expect=200)

    def join(self, tenant: dict[str, Any]) -> None:
        mission_id, slot_id = self.rng.choice(tenant["join"])
        page = self.request(
            "mission page, signed in",
            tenant,
            "GET",
            f"/missions/{mission_id}/",
            expect=200,
            signed_in=True,
        )
        token = CSRF_INPUT.search(page)
        if token is None:
            self.errors.append(f"no CSRF token on {tenant['host']}/missions/{mission_id}/")
            raise Failure
        self.request(
            "Je participe (POST)",
            tenant,
            "POST",
            f"/missions/{mission_id}/participer/",
            body={"csrfmiddlewaretoken": token.group(1).decode(), "slot": str(slot_id)},
            expect=302,
            signed_in=True,
        )
        page = self.request(
            "Mes engagements", tenant, "GET", "/mes-engagements/", expect=200, signed_in=True
        )
        participation = CANCEL_ACTION.search(page)
        token = CSRF_INPUT.search(page)
        if participation is None or token is None:
            self.errors.append(f"no participation to cancel on {tenant['host']}")
            raise Failure
        self.request(
            "cancel (POST)",
            tenant,
            "POST",
            f"/mes-engagements/{participation.group(1).decode()}/annuler/",
            body={"csrfmiddlewaretoken": token.group(1).decode(), "reason": ""},
            expect=302,
            signed_in=True,
        )

    def bare(self, tenant: dict[str, Any]) -> None:
        self.request("bare view", tenant, "GET", "/bench/bare/", expect=200)

    def run(self, deadline: float) -> None:
        tasks = list(TASK_WEIGHTS)
        weights = list(TASK_WEIGHTS.values())
        while time.perf_counter() < deadline:
            tenant = self.rng.choice(self.spec["tenants"])
            task = "bare" if self.mode == "bare" else self.rng.choices(tasks, weights)[0]
            try:
                getattr(self, task)(tenant)
            except Failure:
                pass
            # One visit, one connection, as from a browser or a proxy that spreads requests
            # over the workers. A connection kept for the whole run pins its user to the
            # gunicorn worker that accepted it: with 20 users and 2 workers, how many each
            # worker took decided the result (seen: one worker at 100 % of a core, the
            # other mostly idle, 130 against 168 req/s for the same code).
            if self.connection is not None:
                self.connection.close()
                self.connection = None


def generate(
    spec_path: str, port: int, users: int, seconds: float, mode: str, warmup: float
) -> None:
    """Run `users` simulated users for `seconds` after `warmup` seconds not measured, and print
    JSON samples."""
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    warm = [VirtualUser(index, spec, port, mode) for index in range(users)]
    warm_until = time.perf_counter() + warmup
    threads = [threading.Thread(target=user.run, args=(warm_until,)) for user in warm]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    people = [VirtualUser(index, spec, port, mode) for index in range(users)]
    print(MEASURE_START, flush=True)
    for person, before in zip(people, warm, strict=True):
        person.rng.seed(spec["seed"] * 7 + person.index)
        person.jars = before.jars
    started = time.perf_counter()
    threads = [threading.Thread(target=person.run, args=(started + seconds,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    print(MEASURE_END, flush=True)
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "samples": [sample for person in people for sample in person.samples],
                "errors": [error for person in people for error in person.errors][:20],
                "warm_up_errors": sum(len(user.errors) for user in warm),
            }
        )
    )


# --- Report -------------------------------------------------------------------------------------


def _load(
    spec_path: Path,
    port: int,
    users: int,
    seconds: float,
    mode: str,
    warmup: float,
    server_pid: int,
) -> tuple[dict[str, Any], dict[str, float]]:
    """Run the generator; return its samples and the CPU seconds each part of the machine spent
    during the measured window (read in /proc when the generator says it starts and ends)."""
    generator = subprocess.Popen(  # noqa: S603
        [sys.executable, __file__, "--generate", str(spec_path), "--port", str(port)]
        + ["--users", str(users), "--duration", str(seconds), "--only", mode]
        + ["--warmup", str(warmup)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert generator.stdout is not None
    marks = {}
    for line in generator.stdout:
        if line.strip() in (MEASURE_START, MEASURE_END):
            marks[line.strip()] = cpu_by_part(server_pid, generator.pid)
        else:
            output = line
            break
    output += generator.stdout.read()
    if generator.wait() != 0 or len(marks) != 2:
        raise SystemExit(f"the load generator failed (exit {generator.returncode})")
    start, end = marks[MEASURE_START], marks[MEASURE_END]
    return json.loads(output), {part: end[part] - start[part] for part in start}


# Lines the generator prints when its measured window starts and ends.
MEASURE_START = "measure-start"
MEASURE_END = "measure-end"
CPU_PARTS = ("gunicorn", "PostgreSQL", "Redis", "load generator", "the rest", "idle")


def _process_seconds(pid: int, *, with_children: bool = False) -> float:
    """CPU seconds (user + system) of one process, from /proc/PID/stat; with its reaped
    children's if asked (the postmaster's: backends that exited)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # Fields after the name: state is [0]; utime, stime, cutime, cstime are [11]..[14].
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_by_part(server_pid: int, generator_pid: int) -> dict[str, float]:
    """CPU seconds used so far by gunicorn (master and workers), PostgreSQL (every process of
    the server, and the backends that exited), Redis, the load generator, the rest of the
    machine, and idle time of all cores (/proc/stat)."""
    names: dict[int, tuple[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        names[int(entry.name)] = (name, parent)
    used = {part: 0.0 for part in CPU_PARTS}
    for pid, (name, parent) in names.items():
        if pid == server_pid or parent == server_pid:
            used["gunicorn"] += _process_seconds(pid)
        elif pid == generator_pid:
            used["load generator"] += _process_seconds(pid)
        elif name == "postgres" or name.startswith("postgres:"):
            # The postmaster's own line also counts its children that exited.
            used["PostgreSQL"] += _process_seconds(
                pid, with_children=names.get(parent, ("",))[0] not in ("postgres",)
            )
        elif name == "redis-server":
            used["Redis"] += _process_seconds(pid)
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    clock = os.sysconf("SC_CLK_TCK")
    idle = (ticks[3] + ticks[4]) / clock  # idle and iowait
    busy = sum(ticks[:8]) / clock - idle  # user … softirq, steal
    used["idle"] = idle
    used["the rest"] = busy - sum(used[part] for part in CPU_PARTS[:4])
    return used


def _cpu_table(cpu: dict[str, float], requests: int) -> None:
    total = sum(cpu.values())
    print(f"CPU during the measured window ({total:.1f} s of CPU time on all cores):")
    print(f"{'part':<16}{'CPU s':>8}{'share':>8}{'ms/request':>12}")
    for part in CPU_PARTS:
        print(
            f"{part:<16}{cpu[part]:>8.1f}{100 * cpu[part] / total:>7.0f}%"
            f"{1000 * cpu[part] / max(requests, 1):>12.2f}"
        )


def _table(result: dict[str, Any], endpoints: list[str]) -> tuple[float, int]:
    seconds = result["seconds"]
    samples = result["samples"]
    print(
        f"{'endpoint':<26}{'requests':>9}{'req/s':>8}"
        f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>7}{'cached':>8}"
    )
    rows = [(name, [s for s in samples if s[0] == name]) for name in endpoints]
    rows.append(("all", samples))
    for name, chosen in rows:
        if not chosen:
            continue
        times = [s[1] for s in chosen]
        errors = sum(1 for s in chosen if not s[2])
        cached = sum(1 for s in chosen if s[3]) / len(chosen)
        print(
            f"{name:<26}{len(chosen):>9}{len(chosen) / seconds:>8.1f}"
            f"{percentile(times, 0.50):>8.1f}{percentile(times, 0.95):>8.1f}"
            f"{percentile(times, 0.99):>8.1f}{errors:>7}{100 * cached:>7.0f}%"
        )
    for error in result["errors"][:10]:
        print(f"    error: {error}")
    if result["warm_up_errors"]:
        print(f"    ({result['warm_up_errors']} error(s) during the warm-up)")
    return len(samples) / seconds, sum(1 for s in samples if not s[2])


def _measure(args: argparse.Namespace, database: str, prefix: str) -> None:
    with tempfile.TemporaryDirectory(prefix="throughput-") as work:
        spec_path = Path(work) / "spec.json"
        spec_path.write_text(json.dumps(_spec(args.users, args.seed)), encoding="utf-8")
        port = _free_port()
        environment = _server_environment(database, Path(work) / "static", port, prefix)
        _collect_static(environment)
        for workers in args.workers:
            print()
            print(
                f"## gunicorn {workers} workers x {args.threads} threads, {args.users} users "
                f"(closed loop, no think time), {args.duration:.0f} s per phase after a warm-up of "
                f"{args.warmup:.0f} s (mix) or {BARE_WARMUP_SECONDS:.0f} s (bare view)"
            )
            server = _serve(environment, port, workers, args.threads)
            try:
                rates = {}
                for mode in ("mix", "bare"):
                    if args.only not in (mode, "all"):
                        continue
                    print(f"\n{mode} — load {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
                    warmup = args.warmup if mode == "mix" else BARE_WARMUP_SECONDS
                    organizers = None
                    if mode == "mix" and args.edits > 0:
                        organizers = _Organizers(args.edits, args.seed)
                        organizers.start()
                    try:
                        result, cpu = _load(
                            spec_path, port, args.users, args.duration, mode, warmup, server.pid
                        )
                    finally:
                        if organizers is not None:
                            organizers.finish()
                            print(organizers.summary())
                    rates[mode], _errors = _table(
                        result, ENDPOINTS if mode == "mix" else ["bare view"]
                    )
                    _cpu_table(cpu, len(result["samples"]))
                if len(rates) == 2:
                    print(
                        f"\nmix / bare view: {rates['mix']:.1f} / {rates['bare']:.1f} req/s = "
                        f"{100 * rates['mix'] / rates['bare']:.0f} %"
                    )
            finally:
                server.terminate()
                server.wait(timeout=30)
        shutil.rmtree(Path(work) / "static", ignore_errors=True)


class _Organizers(threading.Thread):
    """--edits: organizers editing missions while the mix runs (its warm-up included), in this
    process: `rate` times a second, a published mission of a tenant drawn at random is saved
    as an organizer's edit saves it (`Mission.save()`, its text unchanged), which renews what
    shows that mission in the tenant's page cache (engagement/page_cache.py). The saves' own
    CPU is this process's ("the rest" in the CPU table)."""

    def __init__(self, rate: float, seed: int) -> None:
        super().__init__(name="organizers", daemon=True)
        self.rate = rate
        self.rng = random.Random(seed + 1)
        self.saves = 0
        self.started = self.stopped = 0.0
        self.stopping = threading.Event()

    def run(self) -> None:
        from django.db import connection
        from django_tenants.utils import tenant_context

        from engagement.missions.models import Mission
        from tenants.models import Tenant

        try:
            tenants = list(Tenant.objects.filter(slug__startswith="city").order_by("slug"))
            published: dict[str, list[int]] = {}
            for tenant in tenants:
                with tenant_context(tenant):
                    published[tenant.schema_name] = list(
                        Mission.objects.filter(status=Mission.Status.PUBLISHED).values_list(
                            "pk", flat=True
                        )
                    )
            interval, due = 1.0 / self.rate, time.monotonic()
            self.started = due
            while not self.stopping.wait(max(0.0, due - time.monotonic())):
                tenant = self.rng.choice(tenants)
                with tenant_context(tenant):
                    mission = Mission.objects.get(pk=self.rng.choice(published[tenant.schema_name]))
                    mission.save()
                self.saves += 1
                due += interval
        finally:
            self.stopped = time.monotonic()
            connection.close()

    def finish(self) -> None:
        self.stopping.set()
        self.join(timeout=30)

    def summary(self) -> str:
        seconds = max(self.stopped - self.started, 1e-9)
        return (
            f"organizers' edits: {self.saves} mission saves in {seconds:.0f} s, warm-up "
            f"included ({self.saves / seconds:.1f}/s, {self.rate:g}/s asked; tenants and "
            "missions drawn at random)"
        )


PROFILE_REQUESTS = 60
# The middleware stack every request crosses (the bare view's cost): left out of the listing.
MIDDLEWARE_FRAMES = ("middleware", "request_log.py", "request_input.py", "private_access.py")
# Frames worth showing: the project's code and the template, form and ORM machinery.
PROFILE_FILTER = (
    r"/(engagement|tenants|accounts|billing|config)/|template/(base|loader_tags|defaulttags)"
    r"|forms/(renderers|widgets)|db/models/(query|sql/compiler)|rest_framework/(views|serializers)"
)


def _profile() -> None:
    """CPU time per request (no profiler) and cProfile's top items, page by page, in this
    process (django.test.Client on the first tenant; misses forced by an unused parameter),
    then the two POSTs of "Je participe"."""

    from django.test import Client, override_settings
    from django_tenants.utils import tenant_context

    from tenants.models import Tenant

    tenant = Tenant.objects.filter(slug__startswith="city").order_by("slug").first()
    assert tenant is not None, "no bench tenant: run without --reuse first"
    anonymous = Client(HTTP_HOST=tenant.primary_host)
    member = Client(HTTP_HOST=tenant.primary_host)
    with tenant_context(tenant):
        # A fresh database has no volunteer yet: the load's own are made when it starts.
        volunteer = _volunteer(tenant.slug, 0)
        member.force_login(volunteer)
        _keep_recent_cancelled(volunteer)
    mission = f"/missions/{JOIN_MISSIONS + 2}/"
    search = "/api/v1/missions/?lat=48.85&lng=2.35&radius_km=10"
    cold = _cold_mission_paths(tenant)
    cases: list[tuple[str, Client, Callable[[int], str]]] = [
        ("home, anonymous", anonymous, lambda i: "/"),
        ("home, anonymous, uncached", anonymous, lambda i: f"/?visit={i}"),
        ("mission page, anonymous", anonymous, lambda i: mission),
        # The page cache missed, the mission's copy warm (engagement/missions/mission_page.py).
        ("mission page, anonymous, uncached", anonymous, lambda i: f"{mission}?visit={i}"),
        # Both missed: a different mission each time, after the tenant's copies were renewed.
        ("mission page, anonymous, uncached, copy cold", anonymous, cold),
        ("search API", anonymous, lambda i: f"{search}&visit={i}"),
        ("mission page, signed in", member, lambda i: "/missions/1/"),
        ("Mes engagements", member, lambda i: "/mes-engagements/"),
    ]
    # The bare view, with the server's URLconf (bench/throughput_urls.py): the same stack's floor.
    with override_settings(ROOT_URLCONF="throughput_urls"):
        _profile_page("bare view", anonymous, lambda i: "/bench/bare/")
    for label, client, path in cases:
        _profile_page(label, client, path)
    _profile_join(tenant, member)


def _cold_mission_paths(tenant: Any) -> Callable[[int], str]:
    """For `_profile_page`'s request numbers (10 warm-up, then PROFILE_REQUESTS timed and as
    many profiled), a path to a published mission none of them asked for before, the tenant's
    page generation renewed now: neither the page cache nor the mission's copy holds it, as for
    one of the mix's visits to any of a tenant's missions."""
    from django_tenants.utils import tenant_context

    from engagement.missions.models import Mission
    from tenants.page_cache import page_cache_invalidate

    with tenant_context(tenant):
        page_cache_invalidate()
        ids = list(
            Mission.objects.filter(status=Mission.Status.PUBLISHED)
            .order_by("-pk")
            .values_list("pk", flat=True)[: 10 + 2 * PROFILE_REQUESTS]
        )
    assert len(ids) == 10 + 2 * PROFILE_REQUESTS, "too few published missions for the cold case"

    def path(number: int) -> str:
        block, index = divmod(number, 1000)
        position = index if block == 0 else 10 + (block - 1) * PROFILE_REQUESTS + index
        return f"/missions/{ids[position]}/"

    return path


# Cancelled participations the profiled volunteer keeps from earlier runs: about what the mix's
# volunteers have after ten load runs (one "Je participe" per volunteer and run, cancelled).
PROFILE_PAST_KEPT = 10


def _keep_recent_cancelled(volunteer: Any) -> None:
    """Each run's pairs leave 130 cancelled participations to the profiled volunteer, which
    "Mes engagements" lists (up to 50): it measured 11.2 ms on one run and 36.4 two runs later
    (2026-12-05). Only the latest PROFILE_PAST_KEPT are kept, so every run profiles the same
    page. Bench data, deleted as the bench wrote it: no service deletes participations."""
    from engagement.participations.models import Participation

    cancelled = Participation.objects.filter(
        volunteer=volunteer, status=Participation.Status.CANCELLED
    )
    kept = list(cancelled.order_by("-pk").values_list("pk", flat=True)[:PROFILE_PAST_KEPT])
    cancelled.exclude(pk__in=kept).delete()


class _BackendCpu:
    """The CPU time of this process's PostgreSQL backend (the server is on this machine) from
    now: what the statements of the requests in between cost the server. /proc counts in
    ticks (10 ms): over 60 requests, a resolution of ~0.17 ms per request."""

    def __init__(self) -> None:
        self.pid = self._pid()
        self.started = _process_seconds(self.pid)

    @staticmethod
    def _pid() -> int:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    def ms_per(self, requests: int) -> str:
        """Milliseconds per request, or why not (the connection was replaced)."""
        if self._pid() != self.pid:
            return "n/a (new connection)"
        return f"{(_process_seconds(self.pid) - self.started) / requests * 1000:.2f} ms"


def _print_profile(
    label: str, cpu_ms: str, profiler: Any, database_cpu: str, *, per: str = "request"
) -> None:
    import io
    import pstats

    output = io.StringIO()
    stats = pstats.Stats(profiler, stream=output).sort_stats("cumulative")
    stats.print_stats(PROFILE_FILTER, 40)
    print(
        f"\n## {label}: {cpu_ms} of CPU per {per} (without the profiler); "
        f"PostgreSQL's backend: {database_cpu}"
    )
    lines = output.getvalue().splitlines()
    start = next((n for n, line in enumerate(lines) if "ncalls" in line), 0)
    shown = [
        line[:150]
        for line in lines[start + 1 :]
        if line.strip() and not any(frame in line for frame in MIDDLEWARE_FRAMES)
    ]
    print("\n".join([lines[start], *shown[:14]]))


def _profile_page(label: str, client: Any, path: Any) -> None:
    """One page: its CPU per request without the profiler, then cProfile's top items."""
    import cProfile

    for index in range(10):
        assert client.get(path(index)).status_code == 200, label
    backend = _BackendCpu()
    started = time.process_time()
    for index in range(PROFILE_REQUESTS):
        client.get(path(1000 + index))
    cpu = (time.process_time() - started) / PROFILE_REQUESTS * 1000
    database_cpu = backend.ms_per(PROFILE_REQUESTS)
    profiler = cProfile.Profile()
    profiler.enable()
    for index in range(PROFILE_REQUESTS):
        client.get(path(2000 + index))
    profiler.disable()
    _print_profile(label, f"{cpu:.1f} ms", profiler, database_cpu)


def _drop_messages(client: Any) -> None:
    """Forget the message a POST left in its cookie ("your participation is confirmed"), as the
    mix's next page does by showing it. Kept, the messages piled up in the cookie over the
    pairs, and every later POST decoded and encoded all of them again: in a probe, the pairs
    cost 10-20 % more than with the messages dropped (docs/benchmarks.md)."""
    from tenants.signing import TenantCookieStorage

    client.cookies.pop(TenantCookieStorage.cookie_name, None)


def _profile_join(tenant: Any, member: Any) -> None:
    """The two POSTs of "Je participe": the date posted (302), then the participation
    cancelled (302), in pairs on a join mission. Their tasks are enqueued as the server does
    (to the bench's queue, not run here)."""
    import cProfile

    from django_tenants.utils import tenant_context

    from engagement.missions.models import Slot
    from engagement.participations.models import Participation

    with tenant_context(tenant):
        slot = Slot.objects.filter(mission_id=1).order_by("pk").first()
    assert slot is not None, "no join mission: run without --reuse first"
    join_path = f"/missions/{slot.mission_id}/participer/"

    def pair() -> tuple[float, float]:
        started = time.process_time()
        joined = member.post(join_path, {"slot": str(slot.pk)})
        join_cpu = time.process_time() - started
        assert joined.status_code == 302, joined.status_code
        _drop_messages(member)
        with tenant_context(tenant):
            participation = (
                Participation.objects.filter(slot=slot, status__in=Participation.ACTIVE_STATUSES)
                .order_by("-pk")
                .values_list("pk", flat=True)
                .first()
            )
        started = time.process_time()
        cancelled = member.post(f"/mes-engagements/{participation}/annuler/", {"reason": ""})
        cancel_cpu = time.process_time() - started
        assert cancelled.status_code == 302, cancelled.status_code
        _drop_messages(member)
        return join_cpu, cancel_cpu

    for _index in range(10):
        pair()
    backend = _BackendCpu()
    measured = [pair() for _index in range(PROFILE_REQUESTS)]
    # Per pair of POSTs, the participation's lookup between them included.
    database_cpu = backend.ms_per(PROFILE_REQUESTS)
    join_ms = sum(m[0] for m in measured) / len(measured) * 1000
    cancel_ms = sum(m[1] for m in measured) / len(measured) * 1000
    profiler = cProfile.Profile()
    profiler.enable()
    for _index in range(PROFILE_REQUESTS):
        pair()
    profiler.disable()
    _print_profile(
        "Je participe (POST) + cancel (POST)",
        f"{join_ms:.1f} ms + {cancel_ms:.1f} ms",
        profiler,
        database_cpu,
        per="pair",
    )


GC_WARMUP_REQUESTS = 500
GC_MEASURED_REQUESTS = 3000
GC_SCENARIOS = ("nothing frozen", "frozen when loaded", "frozen when loaded and after requests")


def _garbage_collection_all() -> None:
    """--gc: each scenario in a process of its own (a worker's heap starts afresh)."""
    print(
        f"\n## The garbage collector: {GC_WARMUP_REQUESTS} requests, then {GC_MEASURED_REQUESTS} "
        "measured (the mix's GETs on 20 tenants, in-process)"
    )
    print(
        f"{'scenario':<40}{'frozen':>9}{'visited':>9}{'full ms':>9}{'CPU ms/req':>11}"
        "  collections started by Python (count, ms in all, longest ms)"
    )
    for scenario in GC_SCENARIOS:
        subprocess.run(  # noqa: S603 - this script, fixed arguments
            [sys.executable, __file__, "--reuse", "--keep", "--gc-scenario", scenario],
            check=True,
        )


def _garbage_collection(scenario: str) -> None:
    """One scenario of --gc, in this process (Django set up on the kept database)."""
    import gc

    from django.test import Client
    from django_tenants.utils import tenant_context

    from accounts.models import User
    from config.garbage_collection import freeze
    from engagement.missions.models import Mission
    from engagement.taxonomy.models import Cause
    from tenants.models import Tenant

    if scenario != GC_SCENARIOS[0]:
        freeze("application loaded")  # as gunicorn's post_worker_init, once Django is set up
    rng = random.Random(18)
    visits = []
    for tenant in Tenant.objects.filter(slug__startswith="city").order_by("slug")[:20]:
        member = Client(HTTP_HOST=tenant.primary_host)
        with tenant_context(tenant):
            missions = list(
                Mission.objects.filter(status=Mission.Status.PUBLISHED)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            causes = list(Cause.objects.values_list("slug", flat=True))
            member.force_login(User.objects.get(email=f"volunteer0@{tenant.slug}.example.org"))
        visits.append((Client(HTTP_HOST=tenant.primary_host), member, missions, causes))

    def serve(count: int) -> None:
        for _request in range(count):
            anonymous, member, missions, causes = rng.choice(visits)
            task = rng.choices(("home", "search", "mission", "signed in"), (35, 30, 30, 5))[0]
            if task == "home":
                cause = rng.random() < 0.4
                anonymous.get("/", {"cause": rng.choice(causes)} if cause else {})
            elif task == "search":
                lng, lat = random_point(rng, CENTRE, SPREAD_KM)
                anonymous.get("/api/v1/missions/", {"lat": lat, "lng": lng, "radius_km": 10})
            elif task == "mission":
                popular = rng.random() < POPULAR_SHARE
                mission = rng.choice(missions[:POPULAR_MISSIONS] if popular else missions)
                anonymous.get(f"/missions/{mission}/")
            else:
                member.get(rng.choice(["/mes-engagements/", f"/missions/{missions[0]}/"]))

    serve(GC_WARMUP_REQUESTS)
    if scenario == GC_SCENARIOS[2]:
        freeze("after requests")  # as gunicorn's post_request at the worker's 500th request
    started: dict[str, float] = {}
    collections: dict[int, list[float]] = {0: [], 1: [], 2: []}

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started["at"] = time.perf_counter()
        else:
            collections[info["generation"]].append(time.perf_counter() - started["at"])

    gc.callbacks.append(timed)
    cpu = time.process_time()
    serve(GC_MEASURED_REQUESTS)
    cpu = time.process_time() - cpu
    gc.callbacks.remove(timed)
    visited = len(gc.get_objects())
    full = []
    for _attempt in range(3):
        begun = time.perf_counter()
        gc.collect()
        full.append(time.perf_counter() - begun)
    described = ", ".join(
        f"gen{generation} {len(times)}, {sum(times) * 1000:.1f}, {max(times, default=0) * 1000:.1f}"
        for generation, times in collections.items()
    )
    print(
        f"{scenario:<40}{gc.get_freeze_count():>9,}{visited:>9,}{min(full) * 1000:>9.1f}"
        f"{cpu / GC_MEASURED_REQUESTS * 1000:>11.2f}  {described}"
    )


def _chart_threads() -> int:
    """gunicorn's threads per worker in the Helm chart's values (web.gunicorn.threads): the bench
    serves as the chart does unless --threads says otherwise."""
    values = yaml.safe_load((ROOT / "deploy" / "helm" / "entraide" / "values.yaml").read_text())
    return int(values["web"]["gunicorn"]["threads"])


def _delete_queue(name: str) -> None:
    """The tasks the server enqueued (kombu's list named after the queue, and its bindings)."""
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    keys = [name, *client.scan_iter(match=f"*{name}*", count=1000)]
    client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--missions", type=int, default=300, help="per tenant")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=40.0, help="seconds per phase")
    parser.add_argument(
        "--warmup", type=float, default=120.0, help="seconds of load before the mix is measured"
    )
    parser.add_argument("--workers", default="2,4")
    chart_threads = _chart_threads()
    parser.add_argument(
        "--threads",
        type=int,
        default=chart_threads,
        help=f"threads per worker (the chart's: {chart_threads})",
    )
    parser.add_argument("--only", choices=("all", "mix", "bare"), default="all")
    parser.add_argument(
        "--edits",
        type=float,
        default=0.0,
        help="organizers' mission edits per second, all tenants together, while the mix runs",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead of the load: CPU per request and cProfile's top items, in-process",
    )
    parser.add_argument(
        "--gc",
        action="store_true",
        help="instead of the load: the garbage collector's pauses, frozen or not, in-process",
    )
    parser.add_argument("--gc-scenario", choices=GC_SCENARIOS, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use a kept database as it is")
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.port, args.users, args.duration, args.only, args.warmup)
        return
    args.workers = [int(value) for value in args.workers.split(",")]
    # A negative or endless rate would be ignored or spin: refused before anything is built.
    if not math.isfinite(args.edits) or args.edits < 0:
        parser.error(f"--edits: a number of saves a second, 0 or more (got {args.edits:g})")

    database = os.environ.get("BENCH_DATABASE", DEFAULT_DATABASE)
    prefix = f"benchthroughput{os.getpid()}"
    if args.gc_scenario:
        _prepare_database(database, reuse=True)
        try:
            _configure_django(database, prefix, task_queue=prefix)
            _garbage_collection(args.gc_scenario)
        finally:
            from django.db import connections

            connections.close_all()
            _delete_cache_keys(prefix)
            _delete_queue(prefix)
        return
    print(f"# bench/throughput.py — {machine_description()}")
    started = time.perf_counter()
    _prepare_database(database, reuse=args.reuse)
    try:
        # --profile: the POSTs enqueue their tasks as the server's do (deleted at the end).
        _configure_django(database, prefix, task_queue=prefix if args.profile or args.gc else None)
        if not args.reuse:
            from django.core.management import call_command

            from tenants import provisioning

            call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
            provisioning.template_ensure(rebuild=True)
            _prepare(args.tenants, args.missions, args.users, args.seed)
        print(
            f"database {database}"
            + (
                " (kept from an earlier run)"
                if args.reuse
                else f": {args.tenants} tenants x {args.missions} missions, "
                f"{args.users} volunteers each"
            )
            + f"; ready in {time.perf_counter() - started:.0f} s"
        )
        if args.profile:
            _profile()
        elif args.gc:
            _garbage_collection_all()
        else:
            _measure(args, database, prefix)
    finally:
        from django.db import connections

        connections.close_all()
        _delete_cache_keys(prefix)
        _delete_queue(prefix)
        if not args.keep:
            _drop_database(database)


if __name__ == "__main__":
    main()

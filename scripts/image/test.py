"""`make image-test`: run the built image the way the Helm chart does, against the local
PostgreSQL and Redis, and check what an operator relies on. Prints the figures it measured.

The commands (migrations Job, web, worker, beat) and the worker/beat liveness probes are read
from the rendered chart (scripts/image/chart_commands.py). Every container runs as the image's
user (uid 10001) with a read-only root filesystem, a tmpfs /tmp, no capabilities and
no-new-privileges, as the chart's securityContext says; media and exports on volumes (the
chart's emptyDirs/PVC). Host networking: PostgreSQL and Redis listen on loopback only.

Checks: the migrations Job (twice: it must be idempotent), the demo tenants, /healthz, /readyz,
a tenant page, a static file with a hashed name cached for a year and served before routing
(on an unknown host too), a logo written by the non-root process and served back, worker and
beat alive by their own probes (and a task run by the worker), pg_dump able to dump the server's
major version, the image's user and read-only root, the image's size (< 500 MB on the official
base). Everything it made is removed at the end, whatever happened.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# The tests' S3-compatible server (moto, with S3's presigned-URL checks): the image's media
# on object storage are exercised against it.
from tests.s3_server import (  # noqa: E402
    ACCESS_KEY_ID,
    REGION,
    SECRET_ACCESS_KEY,
    LoopbackS3Server,
    S3Media,
)

IMAGE = os.environ.get("ENTRAIDE_IMAGE", "localhost/entraide:dev")
BASE_IMAGE = "docker.io/library/python:3.11-slim-bookworm"
# The official python:3.11-slim-bookworm weighs ~130 MB unpacked (amd64); where the base here
# is the local stand-in (scripts/image/base.sh: Debian's own Python, ~300 MB), the image's size on
# the official base is its own layers plus this.
OFFICIAL_BASE_MB = 130
SIZE_LIMIT_MB = 500
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs"]
ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
RUN_ID = secrets.token_hex(3)
DATABASE = f"entraide_image_{RUN_ID}"
REDIS_DB = int(os.environ.get("ENTRAIDE_IMAGE_REDIS_DB", "11"))
PG = os.environ.get("ENTRAIDE_IMAGE_PG", "postgres://postgres@127.0.0.1:5432")
BASE_DOMAIN = "localhost"

figures: dict[str, str] = {}
failures: list[str] = []


def podman(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [*PODMAN, *args], capture_output=True, text=True, check=check, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def check(name: str, condition: bool, detail: str = "") -> None:
    """Record one check; a passing one shows its detail only when it is a short figure."""
    shown = detail if (not condition or (len(detail) <= 80 and "\n" not in detail)) else ""
    print(f"  {'ok  ' if condition else 'FAIL'} {name}{f' ({shown})' if shown else ''}")
    if not condition:
        failures.append(f"{name}: {detail}")


def wait_until(what: str, test: Callable[[], bool], seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if test():
                return time.monotonic() - started
        except (requests.RequestException, OSError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{what} not within {seconds:.0f} s")


class Run:
    """The containers and volumes of one image test."""

    def __init__(self, env_file: Path, web_port: int, metrics_port: int) -> None:
        self.env_file = env_file
        self.env_names = [line.split("=", 1)[0] for line in env_file.read_text().splitlines()]
        self.web_port = web_port
        self.metrics_port = metrics_port
        self.names: list[str] = []
        self.volumes = [f"entraide-media-{RUN_ID}", f"entraide-exports-{RUN_ID}"]

    def flags(self, spec: dict[str, Any] | None = None) -> list[str]:
        """podman flags for a container the chart describes as `spec`: its literal env (what the
        env file does not set), and a tmpfs for each of its emptyDirs (media and exports are
        volumes shared by every container here, as a PVC or S3 would be)."""
        spec = spec or {}
        extra = [
            f"--tmpfs={path}:rw,size=64m,mode=1777"
            for path in spec.get("mounts", {})
            if path not in ("/tmp", "/app/var/media", "/app/var/exports")  # noqa: S108
        ]
        ours = set(self.env_names)
        extra += [
            f"--env={name}={value}"
            for name, value in spec.get("env", {}).items()
            if name not in ours
        ]
        return [
            *extra,
            *ULIMITS,
            "--network=host",
            f"--env-file={self.env_file}",
            "--read-only",
            "--tmpfs=/tmp:rw,size=256m",
            f"--volume={self.volumes[0]}:/app/var/media",
            f"--volume={self.volumes[1]}:/app/var/exports",
            "--cap-drop=ALL",
            "--security-opt=no-new-privileges",
        ]

    def once(
        self,
        command: list[str],
        *,
        spec: dict[str, Any] | None = None,
        timeout: float = 900,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess:
        return podman(
            "run",
            "--rm",
            "--no-healthcheck",
            *self.flags(spec),
            *[f"--env={key}={value}" for key, value in (env or {}).items()],
            IMAGE,
            *command,
            check=False,
            timeout=timeout,
        )

    def start(self, role: str, spec: dict[str, Any], command: list[str], **env: str) -> str:
        """Start a long-running role. The image's own HEALTHCHECK stays (checked with `podman
        healthcheck run`; no systemd here to run it on a timer)."""
        name = f"entraide-{role}-{RUN_ID}"
        env_flags = [f"--env={key}={value}" for key, value in env.items()]
        podman(
            "run",
            "-d",
            f"--name={name}",
            f"--hostname={name}",
            "--health-interval=disable",
            *self.flags(spec),
            *env_flags,
            IMAGE,
            *command,
        )
        self.names.append(name)
        return name

    def exec(self, name: str, *command: str) -> subprocess.CompletedProcess:
        return podman("exec", name, *command, check=False, timeout=120)

    def logs(self, name: str) -> str:
        return podman("logs", "--tail=40", name, check=False).stdout

    def cleanup(self) -> None:
        for name in self.names:
            podman("rm", "-f", "-t", "5", name, check=False)
        for volume in self.volumes:
            podman("volume", "rm", "-f", volume, check=False)


def image_size() -> None:
    size = int(podman("image", "inspect", "--format", "{{.Size}}", IMAGE).stdout.strip())
    base = int(podman("image", "inspect", "--format", "{{.Size}}", BASE_IMAGE).stdout.strip())
    # The stand-in (scripts/image/base.sh) is Debian's Python in /usr/bin; the official image
    # builds its own under /usr/local.
    labels = podman("image", "inspect", "--format", "{{json .Labels}}", BASE_IMAGE).stdout
    debian_python = (
        podman(
            "run",
            "--rm",
            *ULIMITS,
            "--network=host",
            "--entrypoint=test",
            BASE_IMAGE,
            "-e",
            "/usr/bin/python3.11",
            check=False,
        ).returncode
        == 0
    )
    stand_in = "org.entraide.stand-in" in (labels or "") or debian_python
    ours = (size - base) / 1e6
    on_official = ours + OFFICIAL_BASE_MB if stand_in else size / 1e6
    figures["image size (this base)"] = f"{size / 1e6:.0f} MB"
    figures["base image"] = f"{base / 1e6:.0f} MB ({'local stand-in' if stand_in else 'official'})"
    figures["the image's own layers"] = f"{ours:.0f} MB"
    figures["size on the official base"] = f"{on_official:.0f} MB" + (
        f" (layers + {OFFICIAL_BASE_MB} MB)" if stand_in else ""
    )
    check(
        f"image under {SIZE_LIMIT_MB} MB on the official base",
        on_official < SIZE_LIMIT_MB,
        f"{on_official:.0f} MB",
    )


def database_create() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{DATABASE}"')
    with psycopg.connect(f"{PG}/{DATABASE}", autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def database_drop() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def query(sql: str, *params: Any) -> Any:
    with psycopg.connect(f"{PG}/{DATABASE}", autocommit=True) as connection:
        row = connection.execute(sql, params or None).fetchone()
        return row[0] if row else None


def env_file(folder: Path, web_port: int, metrics_port: int) -> Path:
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    values = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "BASE_DOMAIN": BASE_DOMAIN,
        "BASE_PORT": str(web_port),
        "DJANGO_ALLOWED_HOSTS": "*",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "MEDIA_ROOT": "/app/var/media",
        "TENANT_EXPORT_DIR": "/app/var/exports",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "ENTRAIDE_SECRET_ENCRYPTION_KEYS": key,
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "METRICS_PORT": str(metrics_port),
        "TENANT_MULTIPROCESSING_MAX_PROCESSES": "2",
    }
    path = folder / "entraide.env"
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    path.chmod(0o600)
    return path


def http(port: int, path: str, host: str, **headers: str) -> requests.Response:
    return requests.get(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": f"{host}:{port}", "X-Forwarded-Proto": "https", **headers},
        timeout=10,
        allow_redirects=False,
    )


LOGO_SCRIPT = """
import io
from PIL import Image
from django_tenants.utils import tenant_context
from accounts.models import User
from tenants.models import Tenant
from tenants.settings_services import tenant_branding_update
tenant = Tenant.objects.get(slug="paris")
picture = io.BytesIO()
Image.new("RGB", (120, 60), (13, 42, 92)).save(picture, "PNG")
with tenant_context(tenant):
    admin = next(user for user in User.objects.all() if user.is_tenant_admin)
    tenant_branding_update(tenant=tenant, actor=admin, name=tenant.name, tagline=tenant.tagline,
        primary_color=tenant.primary_color, accent_color=tenant.accent_color,
        logo=picture.getvalue())
tenant.refresh_from_db()
print("LOGO", tenant.logo.name)
"""


def media_on_object_storage(
    run: Run, chart: dict[str, dict[str, Any]], web_command: list[str]
) -> None:
    """A second web with MEDIA_STORAGE=s3 (the chart's media.storage: s3) on a local
    S3-compatible server: the logo goes to the bucket under the platform's prefix and is served
    back; a missing object is a 404."""
    server = LoopbackS3Server().start()
    bucket = S3Media.create(server)
    try:
        env = {
            "MEDIA_STORAGE": "s3",
            "S3_BUCKET": bucket.name,
            "S3_ENDPOINT_URL": server.endpoint_url,
            "S3_REGION": REGION,
            "S3_ADDRESSING_STYLE": "path",
            "S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        }
        deploy = run.once(
            ["python", "manage.py", "check", "--deploy", "--tag", "media_storage"], env=env
        )
        check(
            "S3: the bucket check passes",
            deploy.returncode == 0,
            (deploy.stderr or deploy.stdout).strip()[-300:],
        )
        port = free_port()
        command = [
            f"--bind=127.0.0.1:{port}"
            if part.startswith("--bind=")
            else "--workers=1"
            if part.startswith("--workers=")
            else part
            for part in web_command
        ]
        web = run.start(
            "web-s3", chart["web"], command, PORT=str(port), METRICS_PORT=str(free_port()), **env
        )
        wait_until("web on S3", lambda: http(port, "/healthz", "x").status_code == 200, 90)
        logo = run.exec(web, "python", "manage.py", "shell", "-c", LOGO_SCRIPT)
        check(
            "S3: a logo is uploaded by the non-root web process",
            logo.returncode == 0,
            (logo.stderr or logo.stdout).strip()[-300:],
        )
        keys = bucket.keys()
        figures["S3 keys after the logo upload"] = ", ".join(keys) or "none"
        check(
            "S3: the logo is in the bucket under the platform's prefix",
            any(key.startswith("public/branding/paris/") for key in keys),
            str(keys),
        )
        host = f"paris.{BASE_DOMAIN}"
        served = http(port, "/branding/logo", host)
        check(
            "S3: the logo is served back",
            served.status_code == 200
            and served.headers.get("Content-Type", "").startswith("image/"),
            f"{served.status_code} {served.headers.get('Content-Type')}",
        )
        for key in keys:
            bucket.delete(key)
        gone = http(port, "/branding/logo", host)
        check(
            "S3: a missing object is a 404, not a 500",
            gone.status_code == 404,
            str(gone.status_code),
        )
        page = http(port, "/", host)
        check(
            "S3: the home page still renders without its logo",
            page.status_code == 200,
            str(page.status_code),
        )
    finally:
        bucket.destroy()
        server.stop()


GEO_SCRIPT = """
from django.contrib.gis.gdal import CoordTransform, SpatialReference, gdal_version
from django.contrib.gis.geos import Point
point = Point(2.3522, 48.8566, srid=4326)
point.transform(CoordTransform(SpatialReference(4326), SpatialReference(2154)))
print("GDAL", gdal_version().decode(), "LAMBERT93", round(point.y))
"""


def main() -> int:
    chart = json.loads(
        subprocess.run(  # noqa: S603
            [sys.executable, str(ROOT / "scripts/image/chart_commands.py"), IMAGE],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    web_port = free_port()
    metrics_port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="entraide-image-"))
    run = Run(env_file(folder, web_port, metrics_port), web_port, metrics_port)
    print(f"image-test: {IMAGE}, database {DATABASE}, web on :{web_port}")
    database_create()
    try:
        for name in run.volumes:
            podman("volume", "create", name)
        image_size()
        exercise(run, chart)
    except (subprocess.SubprocessError, TimeoutError, requests.RequestException) as error:
        failures.append(f"{type(error).__name__}: {error}")
        print(f"  FAIL {error}")
        for name in run.names:
            print(f"--- {name} ---\n{run.logs(name)}")
    finally:
        run.cleanup()
        database_drop()
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    print("\nimage-test figures:")
    for name, value in figures.items():
        print(f"  {name}: {value}")
    if failures:
        print(f"\nimage-test: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("\nimage-test: all checks passed")
    return 0


def exercise(run: Run, chart: dict[str, dict[str, Any]]) -> None:
    # The migrations Job (its init containers first: waiting for the database), twice: a
    # retried Job must find nothing to do and succeed again.
    migrations = chart["migrations"]
    for attempt in ("first", "again"):
        started = time.monotonic()
        for init in migrations["init"]:
            waited = run.once(init["command"], spec=init)
            check(
                f"migrations Job's init container {init['command'][-2:]}",
                waited.returncode == 0,
                waited.stderr.strip()[-300:],
            )
        job = run.once(migrations["command"], spec=migrations)
        seconds = time.monotonic() - started
        figures[f"migrations Job ({attempt})"] = f"{seconds:.1f} s"
        check(
            f"migrations Job runs ({attempt})",
            job.returncode == 0,
            job.stderr.strip()[-400:] if job.returncode else f"{seconds:.1f} s",
        )
        if job.returncode:
            return
    seed = run.once(["python", "manage.py", "seed_demo"])
    check(
        "demo tenants seeded",
        seed.returncode == 0,
        seed.stderr.strip()[-400:] if seed.returncode else "",
    )

    web_command = [
        f"--bind=127.0.0.1:{run.web_port}" if part.startswith("--bind=") else part
        for part in chart["web"]["command"]
    ]
    # PORT: where the image's HEALTHCHECK looks for web (8000 unless the bind moved).
    web = run.start("web", chart["web"], web_command, PORT=str(run.web_port))
    # Host networking: the worker's metrics need a port of their own here (a pod each in the chart).
    worker = run.start(
        "worker", chart["worker"], chart["worker"]["command"], METRICS_PORT=str(free_port())
    )
    beat = run.start("beat", chart["beat"], chart["beat"]["command"])

    ready = wait_until(
        "/healthz", lambda: http(run.web_port, "/healthz", "x").status_code == 200, 90
    )
    figures["web answering /healthz after start"] = f"{ready:.1f} s"
    check("/healthz 200", http(run.web_port, "/healthz", "x").status_code == 200)
    check("/readyz 200", http(run.web_port, "/readyz", "x").status_code == 200)
    check(
        "web's own HEALTHCHECK passes",
        podman("healthcheck", "run", web, check=False).returncode == 0,
    )

    host = f"paris.{BASE_DOMAIN}"
    http(run.web_port, "/", host)  # warm the routing cache and templates
    timings = []
    for _ in range(20):
        started = time.monotonic()
        page = http(run.web_port, "/", host)
        timings.append((time.monotonic() - started) * 1000)
    timings.sort()
    figures["tenant home page (20 requests)"] = (
        f"median {timings[10]:.0f} ms, max {timings[-1]:.0f} ms"
    )
    check("a tenant page answers 200", page.status_code == 200, str(page.status_code))
    check("the tenant page is the tenant's", "Paris" in page.text)
    check(
        "an unknown host is a 404",
        http(run.web_port, "/", f"nowhere.{BASE_DOMAIN}").status_code == 404,
    )

    statics = re.findall(r'(/static/[^"\'\s>]+\.[0-9a-f]{12}\.(?:css|js))', page.text)
    check(
        "the page links static files by hashed name",
        bool(statics),
        f"{len(statics)} of them" if statics else "no hashed /static/ URL",
    )
    if statics:
        static = http(run.web_port, statics[0], host, **{"Accept-Encoding": "gzip, br"})
        cache = static.headers.get("Cache-Control", "")
        check("a hashed static file is served", static.status_code == 200, statics[0])
        check(
            "... cached for a year, immutable",
            "immutable" in cache
            and int(re.search(r"max-age=(\d+)", cache or "max-age=0").group(1)) >= 31536000,
            cache,
        )
        check(
            "... compressed",
            static.headers.get("Content-Encoding") in ("br", "gzip"),
            static.headers.get("Content-Encoding", "none"),
        )
        unrouted = http(run.web_port, statics[0], "unknown.example")
        check(
            "... served before tenant routing (unknown host)",
            unrouted.status_code == 200,
            str(unrouted.status_code),
        )

    logo = run.exec(web, "python", "manage.py", "shell", "-c", LOGO_SCRIPT)
    check(
        "a logo is written by the non-root web process",
        logo.returncode == 0 and "LOGO " in logo.stdout,
        (logo.stderr or logo.stdout).strip()[-400:],
    )
    served = http(run.web_port, "/branding/logo", host)
    check(
        "... and served back",
        served.status_code == 200 and served.headers.get("Content-Type", "").startswith("image/"),
        f"{served.status_code} {served.headers.get('Content-Type')}",
    )
    owner = run.exec(web, "sh", "-c", "id -u; find /app/var/media -type f -exec stat -c %u {} +")
    check(
        "the process runs as uid 10001 and owns what it wrote",
        owner.stdout.split() and set(owner.stdout.split()) == {"10001"},
        owner.stdout.strip(),
    )
    readonly = run.exec(web, "sh", "-c", "touch /app/written 2>&1")
    check("the root filesystem is read-only", readonly.returncode != 0, readonly.stdout.strip())

    # Worker and beat: the chart's exec liveness probes, and the image's own HEALTHCHECK (which
    # works out the role from the heartbeat file), then a real task through the broker.
    for name, role in ((worker, "worker"), (beat, "beat")):
        liveness = (chart[role]["liveness"] or {}).get("exec")
        check(f"the chart gives {role} an exec liveness probe", bool(liveness), str(liveness))
        liveness = liveness or ["python", "-m", "config.probes", role]
        seconds = wait_until(
            f"{role} probe",
            lambda name=name, liveness=liveness: run.exec(name, *liveness).returncode == 0,
            90,
        )
        figures[f"{role} alive (chart's probe passing) after start"] = f"{seconds:.1f} s"
        check(
            f"{role} healthy by the image's HEALTHCHECK",
            podman("healthcheck", "run", name, check=False).returncode == 0,
        )
    sent_at = query("SELECT now()")
    started = time.monotonic()
    send = run.exec(
        web,
        "python",
        "manage.py",
        "shell",
        "-c",
        "from tenants.tasks import usage_refresh; usage_refresh.delay()",
    )
    check("a task is queued from web", send.returncode == 0, send.stderr.strip()[-300:])
    wait_until(
        "the worker to run the task",
        lambda: (
            query("SELECT count(*) FROM tenants_tenantusage WHERE refreshed_at > %s", sent_at) or 0
        )
        >= 3,
        90,
    )
    figures["task sent from web (manage.py shell) → done by the worker"] = (
        f"{time.monotonic() - started:.1f} s"
    )
    check("the worker ran it (the 3 demo tenants' usage refreshed)", True)

    # pg_dump from the image against the server, in the server's major version.
    server_major = int(query("SHOW server_version_num")) // 10000
    version = run.once(["pg_dump", "--version"])
    client_major = int(re.search(r"(\d+)\.", version.stdout).group(1)) if version.stdout else 0
    figures["pg_dump / server"] = f"{version.stdout.strip()} / PostgreSQL {server_major}"
    check(
        "pg_dump's major version ≥ the server's",
        client_major >= server_major,
        f"{client_major} vs {server_major}",
    )
    dump = run.once(
        [
            "sh",
            "-c",
            f'pg_dump --format=custom --schema=t_paris "{PG}/{DATABASE}"'
            " > /tmp/paris.dump && pg_restore --list /tmp/paris.dump | wc -l",
        ]
    )
    check(
        "pg_dump dumps a tenant schema (and pg_restore reads it)",
        dump.returncode == 0 and int(dump.stdout.strip() or 0) > 50,
        (dump.stderr or dump.stdout).strip()[-300:],
    )

    media_on_object_storage(run, chart, web_command)

    # GeoDjango on the image's own GDAL build: a coordinate transformation through PROJ.
    geo = run.exec(web, "python", "manage.py", "shell", "-c", GEO_SCRIPT)
    check(
        "GDAL/PROJ transform a point (WGS 84 → Lambert-93)",
        geo.returncode == 0 and "LAMBERT93 6" in geo.stdout,
        (geo.stderr or geo.stdout).strip()[-300:],
    )
    shipped = run.exec(
        web,
        "sh",
        "-c",
        "ls -A /app; find /app -name '.env*' -o -name '*.key' -o -name '*.pem' | head",
    )
    check(
        "no tests, .git, .env or keys in the image",
        not any(
            name in shipped.stdout.split() for name in ("tests", ".git", ".env", "node_modules")
        )
        and ".env" not in shipped.stdout
        and ".key" not in shipped.stdout,
        shipped.stdout.strip(),
    )

    metrics = requests.get(f"http://127.0.0.1:{run.metrics_port}/metrics", timeout=10)
    check(
        "web metrics on the internal port",
        metrics.status_code == 200 and "django_http_requests" in metrics.text,
        str(metrics.status_code),
    )
    public_metrics = http(run.web_port, "/metrics", host)
    check(
        "no /metrics on the public port",
        public_metrics.status_code == 404,
        str(public_metrics.status_code),
    )


if __name__ == "__main__":
    sys.exit(main())

"""`python -m config.probes worker|beat`: the heartbeat files' age decides (config/probes.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from config import probes
from config.celery import app
from config.heartbeats import HeartbeatScheduler, touch


@pytest.fixture
def heartbeat_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ENTRAIDE_HEARTBEAT_DIR", str(tmp_path))
    return tmp_path


def _probe(
    process: str, folder, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "config.probes", process],
        env={**os.environ, "ENTRAIDE_HEARTBEAT_DIR": str(folder), **(environment or {})},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _probe_auto(folder, *, port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "config.probes"],
        env={**os.environ, "ENTRAIDE_HEARTBEAT_DIR": str(folder), "PORT": str(port)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_healthz():
    """A server answering /healthz 200 as web does (the probe's side is what is tested)."""

    class Healthz(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Healthz)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


@pytest.mark.parametrize("process", ["worker", "beat"])
def test_no_heartbeat_is_unhealthy(heartbeat_dir, process):
    healthy, message = probes.check(process)
    assert not healthy
    assert "no heartbeat" in message


@pytest.mark.parametrize("process", ["worker", "beat"])
def test_a_fresh_heartbeat_is_healthy_and_a_stale_one_is_not(heartbeat_dir, process):
    touch(process)
    assert probes.check(process)[0]

    limit = probes.MAX_AGE_SECONDS[process]
    stale = time.time() - limit - 1
    os.utime(probes.heartbeat_path(process), (stale, stale))
    healthy, message = probes.check(process)
    assert not healthy
    assert f"limit {limit} s" in message


def test_the_command_exits_0_when_alive_1_when_not_and_2_on_bad_usage(tmp_path):
    missing = _probe("worker", tmp_path)
    assert missing.returncode == 1
    assert "no heartbeat" in missing.stderr

    (tmp_path / "entraide-worker.heartbeat").touch()
    alive = _probe("worker", tmp_path)
    assert alive.returncode == 0, alive.stderr
    assert "worker: alive" in alive.stdout

    wrong = _probe("web", tmp_path)
    assert wrong.returncode == 2
    assert "usage" in wrong.stderr


def test_worker_heartbeat_interval_setting(monkeypatch):
    monkeypatch.delenv("ENTRAIDE_WORKER_HEARTBEAT_SECONDS", raising=False)
    assert probes.worker_heartbeat_seconds_from_env() == 10
    assert probes.WORKER_HEARTBEAT_SECONDS_DEFAULT == 10
    monkeypatch.setenv("ENTRAIDE_WORKER_HEARTBEAT_SECONDS", " 3 ")
    assert probes.worker_heartbeat_seconds_from_env() == 3
    for bad in ("0", "-1", "1.5", "often", "²"):
        monkeypatch.setenv("ENTRAIDE_WORKER_HEARTBEAT_SECONDS", bad)
        with pytest.raises(ValueError, match="ENTRAIDE_WORKER_HEARTBEAT_SECONDS must be a number"):
            probes.worker_heartbeat_seconds_from_env()


def test_the_command_allows_the_missed_beats_of_the_containers_interval(tmp_path):
    """The worker and its probe read ENTRAIDE_WORKER_HEARTBEAT_SECONDS from the container:
    at 2 s a beat, the probe's limit is MISSED_BEATS x 2 s; a bad value is refused, not read as
    the default."""
    every_2_s = {"ENTRAIDE_WORKER_HEARTBEAT_SECONDS": "2"}
    limit = 2 * probes.MISSED_BEATS
    heartbeat = tmp_path / "entraide-worker.heartbeat"
    heartbeat.touch()
    recent = time.time() - limit + 2
    os.utime(heartbeat, (recent, recent))
    assert _probe("worker", tmp_path, every_2_s).returncode == 0
    stale = time.time() - limit - 2
    os.utime(heartbeat, (stale, stale))
    late = _probe("worker", tmp_path, every_2_s)
    assert late.returncode == 1
    assert f"(limit {limit} s)" in late.stderr
    # The default interval would still find it alive.
    assert _probe("worker", tmp_path).returncode == 0

    refused = _probe("worker", tmp_path, {"ENTRAIDE_WORKER_HEARTBEAT_SECONDS": "soon"})
    assert refused.returncode != 0
    assert "ENTRAIDE_WORKER_HEARTBEAT_SECONDS must be a number of seconds" in refused.stderr


def test_without_argument_a_worker_or_beat_container_is_checked_by_its_heartbeat(tmp_path):
    (tmp_path / "entraide-beat.heartbeat").touch()
    alive = _probe_auto(tmp_path, port=_closed_port())
    assert alive.returncode == 0, alive.stderr
    assert "beat: alive" in alive.stdout

    stale = time.time() - probes.MAX_AGE_SECONDS["beat"] - 5
    os.utime(tmp_path / "entraide-beat.heartbeat", (stale, stale))
    assert _probe_auto(tmp_path, port=_closed_port()).returncode == 1


def test_without_argument_and_heartbeat_web_is_checked_on_its_port(tmp_path, live_healthz):
    assert _probe_auto(tmp_path, port=live_healthz).returncode == 0
    down = _probe_auto(tmp_path, port=_closed_port())
    assert down.returncode == 1
    assert "unreachable" in down.stderr


def test_the_probe_is_cheap_django_is_never_set_up(tmp_path):
    """A liveness probe runs every few seconds in each pod: it reads a file's age and never sets
    Django up (no apps, no database connection). Importing the `config` package still loads the
    Celery app object (config/__init__.py), ~0.15 s here."""
    code = (
        "import sys, config.probes; "
        "print(sorted(m for m in sys.modules if m.startswith(('django.apps', 'django.db.backends',"
        " 'django.contrib', 'psycopg', 'tenants', 'engagement'))))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == "[]"


def test_beat_ticks_touch_the_heartbeat(heartbeat_dir, settings, tmp_path):
    scheduler = HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "schedule"), lazy=True)
    scheduler.setup_schedule()
    try:
        scheduler.tick()
    finally:
        scheduler.close()
    assert probes.check("beat")[0]


def test_beat_wakes_often_enough_for_its_probe(settings):
    """Beat sleeps up to CELERY_BEAT_MAX_LOOP_INTERVAL between ticks; the probe's limit allows
    several such sleeps before declaring it dead."""
    assert settings.CELERY_BEAT_MAX_LOOP_INTERVAL == probes.BEAT_MAX_LOOP_SECONDS
    assert probes.MAX_AGE_SECONDS["beat"] >= 3 * settings.CELERY_BEAT_MAX_LOOP_INTERVAL
    assert settings.CELERY_BEAT_SCHEDULER == "config.heartbeats:HeartbeatScheduler"

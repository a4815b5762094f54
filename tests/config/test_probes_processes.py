"""The heartbeats of real worker and beat processes, read by `python -m config.probes`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from config.probes import MISSED_BEATS
from tenants.cache import redis_client
from tests.celery_worker import worker_start

# No django_db mark: a transactional test empties every table afterwards, the session's tenants
# included. The worker only needs the test database to exist (django_db_setup).
pytestmark = pytest.mark.worker

# The worker here beats every second (ENTRAIDE_WORKER_HEARTBEAT_SECONDS), so its probe's limit is
# MISSED_BEATS seconds: the test sees the probe pass while the worker runs and fail once it has
# stopped, in seconds rather than the 40 the default interval would take.
HEARTBEAT_SECONDS = 1


def _probe(process: str, folder: Path) -> int:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "config.probes", process],
        env={
            **os.environ,
            "ENTRAIDE_HEARTBEAT_DIR": str(folder),
            "ENTRAIDE_WORKER_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
        },
        capture_output=True,
        timeout=30,
        check=False,
    ).returncode


def _wait_for(path: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_a_running_worker_beats_and_its_probe_passes(django_db_setup, tmp_path):
    queue = f"probe-{uuid.uuid4().hex[:8]}"
    worker = worker_start(
        queue=queue,
        include="config.heartbeats",
        environment={
            "ENTRAIDE_HEARTBEAT_DIR": str(tmp_path),
            "ENTRAIDE_WORKER_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
        },
    )
    heartbeat = tmp_path / "entraide-worker.heartbeat"
    try:
        assert _probe("worker", tmp_path) == 1  # not up yet
        _wait_for(heartbeat, 60)
        assert _probe("worker", tmp_path) == 0
        first = heartbeat.stat().st_mtime
        time.sleep(HEARTBEAT_SECONDS * MISSED_BEATS)
        assert heartbeat.stat().st_mtime > first, "the worker beat once, then never again"
        assert _probe("worker", tmp_path) == 0
    finally:
        _stop(worker)
    stopped = heartbeat.stat().st_mtime
    time.sleep(HEARTBEAT_SECONDS * MISSED_BEATS + 1)
    assert heartbeat.stat().st_mtime == stopped, "something else touches the heartbeat"
    assert _probe("worker", tmp_path) == 1, "a stopped worker still passes its probe"


def test_a_running_beat_beats_and_its_probe_passes(django_db_setup, tmp_path):
    queue = f"probe-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "ENTRAIDE_HEARTBEAT_DIR": str(tmp_path),
        # Whatever beat sends goes to a queue nobody else reads, deleted below.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    beat = subprocess.Popen(  # noqa: S603
        [
            *(sys.executable, "-m", "celery", "-A", "config", "beat"),
            *("--schedule", str(tmp_path / "schedule"), "--loglevel", "WARNING"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert _probe("beat", tmp_path) == 1
        _wait_for(tmp_path / "entraide-beat.heartbeat", 60)
        assert _probe("beat", tmp_path) == 0
    finally:
        _stop(beat)
        redis_client().delete(queue)

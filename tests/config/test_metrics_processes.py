"""Metrics from real processes: gunicorn started with config/gunicorn.py (its master serves the
workers' values added up), and a Celery worker with a prefork pool (marked `worker`).

Both run on the test database (its tenants are committed when the session starts) and scrape
over loopback; the exposition is parsed with prometheus_client's own parser.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from config.celery import app
from tenants.metrics import _on_worker_init, metrics_port_from_env
from tests.celery_worker import worker_start
from tests.config.gunicorn_server import (
    Gunicorn,
    free_port,
    http_get,
    wait_for,
)
from tests.config.metrics_tasks import always_fails, retried_once
from tests.tenants.worker_tasks import record_public

pytestmark = pytest.mark.django_db

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _scrape(port: int) -> Samples:
    status, body = http_get(port, "/metrics")
    assert status == 200
    samples: Samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def gunicorn(tmp_path) -> Iterator[Gunicorn]:
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_999999.db").write_bytes(b"left by a previous run")
    server = Gunicorn(directory)
    try:
        wait_for(server.port, server.process)
        wait_for(server.metrics_port, server.process, "/metrics")
        yield server
    finally:
        server.stop()


def test_gunicorn_master_serves_every_workers_requests_added_up(gunicorn, paris):
    host = paris.primary_host
    labels = {"view": "api-missions", "method": "GET", "status": "200"}
    assert not (gunicorn.directory / "counter_999999.db").exists()  # emptied at start

    # Requests at once until both workers have served some (the kernel chooses who accepts).
    sent = 0
    with ThreadPoolExecutor(max_workers=6) as pool:
        while sent < 240:
            statuses = list(
                pool.map(lambda _: http_get(gunicorn.port, "/api/v1/missions/", host)[0], range(12))
            )
            assert statuses == [200] * 12
            sent += 12
            workers = gunicorn.worker_pids_with(
                "django_http_responses_total_by_status_view_method_total", **labels
            )
            if len(workers) >= 2:
                break
    assert len(workers) == 2
    # Never on the public port, on a tenant host or the public one.
    assert http_get(gunicorn.port, "/metrics", host)[0] == 404
    assert http_get(gunicorn.port, "/metrics", settings.BASE_DOMAIN)[0] == 404

    samples = _scrape(gunicorn.metrics_port)

    assert _value(samples, "django_http_responses_total_by_status_view_method_total", **labels) == (
        sent
    )
    assert (
        _value(
            samples,
            "django_http_requests_latency_seconds_by_view_method_count",
            view="api-missions",
            method="GET",
        )
        == sent
    )
    assert (
        _value(
            samples,
            "django_http_responses_total_by_status_view_method_total",
            view="<unnamed view>",
            method="GET",
            status="404",
        )
        == 2
    )
    routed = sum(
        _value(samples, "entraide_routing_cache_total", result=result)
        for result in ("hit_local", "hit_shared", "miss", "fallback")
    )
    assert routed == sent + 1  # the public host is not looked up
    # Only the first requests of each worker (two threads each, at once) find no copy of their own.
    assert _value(samples, "entraide_routing_cache_total", result="hit_local") >= sent - 4
    assert ("entraide_celery_queue_length", (("queue", "entraide-test"),)) in samples

    # A worker that dies: its requests stay counted, its replacement adds to them.
    os.kill(workers.pop(), signal.SIGKILL)
    time.sleep(1)
    wait_for(gunicorn.port, gunicorn.process)
    assert http_get(gunicorn.port, "/api/v1/missions/", host)[0] == 200
    again = _scrape(gunicorn.metrics_port)
    assert _value(again, "django_http_responses_total_by_status_view_method_total", **labels) == (
        sent + 1
    )


def test_gunicorn_refuses_a_metrics_port_that_is_no_port(tmp_path):
    server = Gunicorn(tmp_path / "metrics", METRICS_PORT="nine")
    output = server.exited()

    assert server.process.returncode != 0
    assert "METRICS_PORT must be a port number" in output


def test_metrics_port_setting():
    environ = dict(os.environ)
    try:
        os.environ.pop("METRICS_PORT", None)
        assert metrics_port_from_env(default=9100) == 9100
        assert metrics_port_from_env(default=None) is None  # a Celery worker: no port
        for off in ("0", "off", "OFF"):
            os.environ["METRICS_PORT"] = off
            assert metrics_port_from_env(default=9100) is None
        os.environ["METRICS_PORT"] = "9200"
        assert metrics_port_from_env(default=9100) == 9200
        for bad in ("70000", "-1", "nine"):
            os.environ["METRICS_PORT"] = bad
            with pytest.raises(ValueError, match="METRICS_PORT must be a port number"):
                metrics_port_from_env(default=9100)
    finally:
        os.environ.clear()
        os.environ.update(environ)


def test_a_worker_without_metrics_port_serves_nothing_and_leaves_the_directory(tmp_path):
    kept = tmp_path / "counter_1.db"
    kept.write_bytes(b"")
    environ = dict(os.environ)
    try:
        os.environ.pop("METRICS_PORT", None)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path)
        _on_worker_init()
    finally:
        os.environ.clear()
        os.environ.update(environ)

    assert kept.exists()


@pytest.mark.worker
def test_worker_serves_task_outcomes_added_up_over_its_pool(tmp_path):
    queue = f"entraide-test-{uuid.uuid4().hex[:8]}"
    metrics_port = free_port()
    worker = worker_start(
        queue=queue,
        include="tests.tenants.worker_tasks,tests.config.metrics_tasks",
        pool="prefork",
        concurrency=2,
        environment={
            "METRICS_PORT": str(metrics_port),
            "METRICS_ADDRESS": "127.0.0.1",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        },
    )
    previous = app.conf["CELERY_TASK_ALWAYS_EAGER"]
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = False
    expected = {
        ("tests.record_public", "succeeded"): 4,
        ("tests.metrics_always_fails", "failed"): 1,
        ("tests.metrics_retried_once", "retried"): 1,
        ("tests.metrics_retried_once", "succeeded"): 1,
    }
    counts: dict[tuple[str, str], float] = {}
    try:
        wait_for(metrics_port, worker, "/metrics")
        for _ in range(4):
            record_public.apply_async(args=[uuid.uuid4().hex], queue=queue)
        always_fails.apply_async(queue=queue)
        retried_once.apply_async(args=[uuid.uuid4().hex], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            samples = _scrape(metrics_port)
            counts = {
                key: _value(samples, "entraide_celery_tasks_total", task=key[0], outcome=key[1])
                for key in expected
            }
            if counts == expected:
                break
            time.sleep(0.3)
    finally:
        app.conf["CELERY_TASK_ALWAYS_EAGER"] = previous
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")

    assert counts == expected, output
    assert (
        _value(samples, "entraide_celery_task_duration_seconds_count", task="tests.record_public")
        == 4
    )
    # Run by the pool's processes, whose files the main process added up.
    pids = {
        int(path.stem.rsplit("_", 1)[1]) for path in (tmp_path / "metrics").glob("counter_*.db")
    }
    assert worker.pid not in pids and pids
    assert ("entraide_celery_queue_length", (("queue", "entraide-test"),)) in samples

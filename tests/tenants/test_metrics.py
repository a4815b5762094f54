"""Prometheus metrics (tenants/metrics.py), in this process: request labels stay bounded whatever
the tenants, paths, hosts and methods; the routing cache, task outcomes, and the figures read at
scrape time (broker queues, the outbox backlog the sweep measured) on a Redis of the test's own.

The real processes (gunicorn's master and workers, a Celery worker) are in
tests/config/test_metrics_processes.py."""

from __future__ import annotations

import json
import struct
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.multiprocess import MultiProcessCollector
from redis.exceptions import ConnectionError as RedisConnectionError

from config.celery import app
from tenants import routing
from tenants.cache import redis_health
from tenants.context import tenant_context
from tenants.lifecycle import tenant_suspend
from tenants.metrics import (
    OTHER_TASK,
    ScrapeCollector,
    metrics_registry,
    multiprocess_dir_reset,
    task_label,
)
from tenants.outbox.models import OutboxMessage
from tenants.outbox.services import outbox_sweep
from tests.config.metrics_tasks import always_fails
from tests.tenants.private_redis import RedisServer, pointed_at
from tests.tenants.worker_tasks import record_public

pytestmark = pytest.mark.django_db

# Every family the request middlewares label (django-prometheus' names, as Prometheus sees them).
_REQUEST_FAMILIES = (
    "django_http_requests_total_by_view_transport_method",
    "django_http_responses_total_by_status_view_method",
    "django_http_requests_latency_seconds_by_view_method",
    "django_http_requests_total_by_method",
    "django_http_responses_total_by_status",
    "django_http_exceptions_total_by_view",
    "django_http_responses_total_by_templatename",
)


def _value(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def _label_sets() -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    found = set()
    for family in REGISTRY.collect():
        if family.name in _REQUEST_FAMILIES or family.name.startswith("entraide_"):
            for sample in family.samples:
                found.add((family.name, tuple(sorted(sample.labels.items()))))
    return found


def _drive(client_for, tenant) -> None:
    """One round of traffic on a tenant: pages, API, a path that matches nothing, /metrics,
    the probes, a made-up method; unknown hosts and a malformed one; the public host."""
    token = uuid.uuid4().hex[:8]
    client = client_for(tenant)
    client.raise_request_exception = False
    for path in ("/", "/api/v1/missions/", f"/nothing-{token}/", "/metrics", "/healthz"):
        client.get(path)
    client.get("/readyz")
    client.generic("BREW", f"/coffee-{token}/")
    public = client_for(None)
    public.get("/")
    public.get(f"/nowhere-{token}/")
    public.get("/metrics")
    client_for(None).get("/", HTTP_HOST=f"unknown-{token}.entraide.test")
    client_for(None).get("/", HTTP_HOST=f"www.elsewhere-{token}.example")
    client_for(None).get("/", HTTP_HOST="bad host")


def test_request_label_sets_do_not_grow_with_tenants_paths_hosts_or_methods(
    client_for, paris, montreal, acme
):
    # One city and one company (a private instance: its API answers 401, its home redirects).
    _drive(client_for, paris)
    _drive(client_for, acme)
    after_first_tenants = _label_sets()

    # Another city, then the same tenants again with new paths and hosts: nothing new.
    for tenant in (montreal, acme, paris):
        _drive(client_for, tenant)

    assert _label_sets() == after_first_tenants
    values = {value for _name, labels in after_first_tenants for _key, value in labels}
    assert not any(
        "paris" in value or "nothing-" in value or "elsewhere" in value or "BREW" in value
        for value in values
    )


def test_answers_before_any_view_are_counted_under_fixed_names(client_for, paris):
    def responses(view: str, status: str, method: str = "GET") -> float:
        return _value(
            "django_http_responses_total_by_status_view_method_total",
            {"view": view, "status": status, "method": method},
        )

    names = [
        ("<healthz>", "200"),
        ("<readyz>", "200"),
        ("<unknown host>", "404"),
        ("<bad host>", "400"),
        ("<unnamed view>", "404"),
        ("<tenant suspended>", "503"),
    ]
    before = {name: responses(*name) for name in names}
    invalid_before = _value(
        "django_http_requests_latency_seconds_by_view_method_count",
        {"view": "<unnamed view>", "method": "<invalid method>"},
    )

    client = client_for(paris)
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client_for(None).get("/", HTTP_HOST="nobody.entraide.test").status_code == 404
    assert client_for(None).get("/", HTTP_HOST="bad host").status_code == 400
    assert client.get("/metrics").status_code == 404
    assert client_for(None).get("/metrics").status_code == 404
    assert client.generic("BREW", "/coffee/").status_code == 404
    tenant_suspend(slug="paris", reason="Unpaid", actor=None, source="command")
    assert client_for(paris).get("/").status_code == 503

    after = {name: responses(*name) for name in names}
    assert {name: after[name] - before[name] for name in names} == {
        ("<healthz>", "200"): 1,
        ("<readyz>", "200"): 1,
        ("<unknown host>", "404"): 1,
        ("<bad host>", "400"): 1,
        ("<unnamed view>", "404"): 2,  # /metrics on the tenant and on the public host
        ("<tenant suspended>", "503"): 1,
    }
    # A made-up method is "<invalid method>" in every family, the latency histogram included.
    invalid_after = _value(
        "django_http_requests_latency_seconds_by_view_method_count",
        {"view": "<unnamed view>", "method": "<invalid method>"},
    )
    assert invalid_after - invalid_before == 1


def test_a_view_is_labelled_with_its_url_name(client_for, paris):
    labels = {"view": "api-missions", "method": "GET", "status": "200"}
    before = _value("django_http_responses_total_by_status_view_method_total", labels)

    response = client_for(paris).get("/api/v1/missions/")

    assert response.status_code == 200
    assert response.resolver_match.view_name == "api-missions"
    after = _value("django_http_responses_total_by_status_view_method_total", labels)
    assert after - before == 1


# --- Routing cache -------------------------------------------------------------------------------


def _routing_counts() -> dict[str, float]:
    return {
        result: _value("entraide_routing_cache_total", {"result": result})
        for result in ("hit_local", "hit_shared", "miss", "fallback")
    }


def test_routing_counts_each_layer_that_answered(paris):
    host = paris.primary_host
    routing.invalidate_routes()
    start = _routing_counts()

    routing.resolve_host(host)  # miss: PostgreSQL, then cached in both layers
    routing.resolve_host(host)  # this process's copy
    routing._local.clear()
    routing.resolve_host(host)  # Redis's copy
    redis_health.failed(RedisConnectionError("gone"))
    try:
        routing.resolve_host(host)  # Redis skipped: PostgreSQL
    finally:
        redis_health.reset()
    routing.resolve_host(django_settings.BASE_DOMAIN)  # the public host: not looked up

    end = _routing_counts()
    assert {result: end[result] - start[result] for result in end} == {
        "hit_local": 1,
        "hit_shared": 1,
        "miss": 1,
        "fallback": 1,
    }


# --- Celery tasks --------------------------------------------------------------------------------


def test_task_outcomes_and_durations_by_registered_name(paris):
    name = "tests.record_public"
    succeeded = _value("entraide_celery_tasks_total", {"task": name, "outcome": "succeeded"})
    runs = _value("entraide_celery_task_duration_seconds_count", {"task": name})
    failed = _value(
        "entraide_celery_tasks_total", {"task": "tests.metrics_always_fails", "outcome": "failed"}
    )

    record_public.delay(uuid.uuid4().hex).get()
    # As a worker runs it (an eager run that raises at once ends before Celery's last signal).
    assert always_fails.apply(throw=False).state == "FAILURE"

    assert _value("entraide_celery_tasks_total", {"task": name, "outcome": "succeeded"}) == (
        succeeded + 1
    )
    assert _value("entraide_celery_task_duration_seconds_count", {"task": name}) == runs + 1
    assert (
        _value(
            "entraide_celery_tasks_total",
            {"task": "tests.metrics_always_fails", "outcome": "failed"},
        )
        == failed + 1
    )


def test_task_label_is_a_registered_name_or_other():
    class Unregistered:
        name = f"made.up.{uuid.uuid4().hex}"
        app = app

    assert task_label(app.tasks["outbox.sweep"]) == "outbox.sweep"
    assert task_label(Unregistered()) == OTHER_TASK
    assert task_label(None) == OTHER_TASK


# --- Read at scrape time -------------------------------------------------------------------------


@pytest.fixture
def private_redis(tmp_path, settings) -> Iterator[RedisServer]:
    server = RedisServer(str(tmp_path))
    server.start()
    settings.CELERY_BROKER_URL = server.url
    with pointed_at(server, settings):
        yield server
    server.stop()


def _collected() -> dict[str, Metric]:
    return {family.name: family for family in ScrapeCollector().collect()}


def test_queue_length_is_the_llen_of_each_configured_queue_every_priority(private_redis, settings):
    settings.CELERY_TASK_DEFAULT_QUEUE = "metrics-main"
    client = private_redis.client()
    client.lpush("metrics-main", "a", "b", "c")
    client.lpush("metrics-main\x06\x163", "d")  # kombu's list for priority 3
    client.lpush("another-queue", "e")  # not a queue of ours

    family = _collected()["entraide_celery_queue_length"]

    assert [(sample.labels, sample.value) for sample in family.samples] == [
        ({"queue": "metrics-main"}, 4.0)
    ]


def test_scrape_without_redis_leaves_those_figures_out_and_still_answers(private_redis, settings):
    private_redis.stop()

    started = time.monotonic()
    families = _collected()

    assert families == {}
    assert time.monotonic() - started < 5


def _pending(tenant, *, due_seconds_ago: int, count: int = 1) -> None:
    due = timezone.now() - timedelta(seconds=due_seconds_ago)
    with tenant_context(tenant):
        for number in range(count):
            OutboxMessage.objects.create(
                task_name="tests.record_public", args=[f"m{number}"], available_at=due
            )


def test_the_sweep_leaves_the_backlog_it_found_for_the_scrape(private_redis, paris, montreal, acme):
    _pending(paris, due_seconds_ago=300, count=2)
    _pending(montreal, due_seconds_ago=30)
    with tenant_context(acme):
        # Handed to the broker already: in its queue, not in the outbox backlog.
        OutboxMessage.objects.create(
            task_name="tests.record_public",
            status=OutboxMessage.Status.SENT,
            sent_at=timezone.now(),
        )
    assert "entraide_outbox_backlog" not in _collected()  # no sweep yet on this Redis

    result = outbox_sweep(tasks=app.tasks, full=True)

    assert (result.sent, result.probe_queries) == (3, 1)
    families = _collected()
    assert families["entraide_outbox_backlog"].samples[0].value == 3
    assert 299 <= families["entraide_outbox_oldest_seconds"].samples[0].value <= 330
    measured = families["entraide_outbox_backlog_measured_timestamp_seconds"].samples[0].value
    assert time.time() - 30 <= measured <= time.time()

    # The next sweep finds them sent: nothing waits any more.
    outbox_sweep(tasks=app.tasks, full=True)
    families = _collected()
    assert families["entraide_outbox_backlog"].samples[0].value == 0
    assert families["entraide_outbox_oldest_seconds"].samples[0].value == 0


def test_the_sweep_goes_on_when_it_cannot_record_the_backlog(private_redis, paris):
    _pending(paris, due_seconds_ago=300)
    private_redis.stop()

    result = outbox_sweep(tasks=app.tasks, full=True)

    assert result.broker_down  # the same Redis: nothing sent, nothing raised
    assert result.backlog == 1


def test_the_measurement_is_one_key_in_the_cache_redis(private_redis, settings):
    outbox_sweep(tasks=app.tasks, full=True)

    keys = [key.decode() for key in private_redis.client().keys("*metrics*")]
    assert keys == [f"{settings.CACHES['default']['KEY_PREFIX']}:metrics:outbox-backlog"]
    stored = json.loads(private_redis.client().get(keys[0]))
    assert set(stored) == {"backlog", "oldest_seconds", "measured_at"}


def test_the_multiprocess_directory_is_emptied_in_place(tmp_path):
    """It is a mount point in production (an emptyDir, a tmpfs): emptied, never removed."""
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_123.db").write_bytes(b"x")
    (directory / "stale").mkdir()
    (directory / "stale" / "histogram_9.db").write_bytes(b"x")
    inode = directory.stat().st_ino

    multiprocess_dir_reset(str(directory))

    assert directory.is_dir() and list(directory.iterdir()) == []
    assert directory.stat().st_ino == inode

    missing = tmp_path / "new" / "metrics"
    multiprocess_dir_reset(str(missing))
    assert missing.is_dir()


# --- Multiprocess files ---------------------------------------------------------------------------


def test_a_file_being_created_is_left_for_the_next_scrape(tmp_path, monkeypatch):
    """A process creates its file empty, then sizes it: a scrape in between read 0 bytes."""
    written = MmapedDict(str(tmp_path / "counter_101.db"))
    key = json.dumps(["entraide_probe_total", "entraide_probe_total", {}, "Probe."])
    written.write_value(key, 3.0, 0.0)
    written.close()
    (tmp_path / "counter_102.db").touch()  # another process, between its open and its truncate
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    plain = CollectorRegistry()
    MultiProcessCollector(plain)

    with pytest.raises(struct.error):
        generate_latest(plain)
    assert "entraide_probe_total 3.0" in generate_latest(metrics_registry()).decode()

"""Prometheus metrics: every metric Entraide defines, the request middlewares, the exporter.

- **Requests** are counted by django-prometheus' middlewares, subclassed here so that every label
  stays in a finite set: the view is the URL pattern's name (or its view's dotted path), never
  the path; an unknown method is "<invalid method>"; answers given before any view (the probes,
  routing's unknown host and suspended tenant, static files, a middleware's refusal) carry a
  fixed name in angle brackets instead of "<unnamed view>" or nothing.
- **Routing cache** (tenants/routing.py): one counter by result.
- **Celery tasks**: outcomes and durations by registered task name (anything else is "other"),
  from Celery's signals, in the process that runs the task.
- **Scraped on demand** (ScrapeCollector): the broker queues' lengths, and the outbox backlog the
  periodic sweep measured (counting every tenant schema at each scrape would cost a query per
  schema; the sweep already looks at them every minute and leaves its figures in Redis).

No label names a tenant, host, user or path: the number of series does not grow with tenants or
traffic (docs/operations.md, "Reading the metrics").

Multiprocess: gunicorn's workers (config/gunicorn.py) and Celery's pool processes write their
values to files under PROMETHEUS_MULTIPROC_DIR; the process that serves /metrics (gunicorn's
master, Celery's main process) adds them up (`metrics_server_start`). Nothing here creates a
value when imported (every metric has labels, children are made on first use), so the directory
can be emptied after the import, before the first child process starts.

This module is imported by gunicorn's master before Django is set up: it reads settings only
when called, and imports no model.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import redis
from celery.signals import task_postrun, task_prerun, worker_init, worker_process_shutdown
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django_prometheus.middleware import (
    PrometheusAfterMiddleware,
    PrometheusBeforeMiddleware,
)
from django_prometheus.utils import TimeSince
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# --- Routing cache -------------------------------------------------------------------------------

ROUTING_RESULTS = ("hit_local", "hit_shared", "miss", "fallback")
ROUTING_CACHE_TOTAL = Counter(
    "entraide_routing_cache_total",
    "Host → tenant resolutions by result: hit_local (this process's copy), hit_shared (Redis), "
    "miss (PostgreSQL, then cached), fallback (Redis unreachable: PostgreSQL).",
    ["result"],
)
# The bound children, made on first use (see the module docstring): routing's hot path pays a
# dict look-up and the increment, not prometheus_client's label validation.
_routing_children: dict[str, Any] = {}


def routing_cache_count(result: str) -> None:
    child = _routing_children.get(result)
    if child is None:
        child = _routing_children[result] = ROUTING_CACHE_TOTAL.labels(result=result)
    child.inc()


# --- Celery tasks --------------------------------------------------------------------------------

CELERY_TASKS_TOTAL = Counter(
    "entraide_celery_tasks_total",
    "Celery task runs by registered task name and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
)
CELERY_TASK_DURATION = Histogram(
    "entraide_celery_task_duration_seconds",
    "Celery task run time by registered task name (every outcome).",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, float("inf")),
)
_TASK_OUTCOMES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}
OTHER_TASK = "other"
# task id -> perf_counter at prerun (a thread pool runs several tasks at once).
_task_started: dict[str, float] = {}


def task_label(task: Any) -> str:
    """The task's registered name, or "other": a label value only from the app's registry."""
    name = getattr(task, "name", None)
    app = getattr(task, "app", None)
    if not isinstance(name, str) or app is None or name not in app.tasks:
        return OTHER_TASK
    return name


def _on_task_prerun(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id is not None:
        _task_started[task_id] = time.perf_counter()


def _on_task_postrun(
    task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any
) -> None:
    started = _task_started.pop(task_id, None) if task_id is not None else None
    label = task_label(task)
    outcome = _TASK_OUTCOMES.get(state or "")
    if outcome is not None:
        CELERY_TASKS_TOTAL.labels(task=label, outcome=outcome).inc()
    if started is not None:
        CELERY_TASK_DURATION.labels(task=label).observe(time.perf_counter() - started)


def _on_worker_init(**kwargs: Any) -> None:
    # A worker's main process, before its pool starts: with METRICS_PORT, a clean directory
    # (values of a previous run would be added in), then the exporter.
    port = metrics_port_from_env(default=None)
    if port is None:
        return
    multiprocess_dir_reset(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    metrics_server_start(port=port, address=metrics_address_from_env())


def _on_worker_process_shutdown(pid: int | None = None, **kwargs: Any) -> None:
    if pid is not None and os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_dead(pid)


def celery_metrics_connect() -> None:
    """Count task outcomes and durations in every process that runs tasks, and serve them from
    a worker started with METRICS_PORT (tenants/apps.py, when Django is set up).

    task_postrun carries the final state of every run (SUCCESS, FAILURE, RETRY), so it alone
    counts the three outcomes; prerun only notes the start.
    """
    task_prerun.connect(_on_task_prerun, weak=False, dispatch_uid="entraide-metrics-prerun")
    task_postrun.connect(_on_task_postrun, weak=False, dispatch_uid="entraide-metrics-postrun")
    worker_init.connect(_on_worker_init, weak=False, dispatch_uid="entraide-metrics-worker")
    worker_process_shutdown.connect(
        _on_worker_process_shutdown, weak=False, dispatch_uid="entraide-metrics-process-end"
    )


# --- Requests (django-prometheus) ----------------------------------------------------------------

_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH"}
)
_ANSWERED_BY = "_metrics_answered_by"
# Names of the answers given before the URL resolution (fixed, in angle brackets like
# django-prometheus' own "<unnamed view>", which stays the name of a path that matches no route).
HEALTHZ = "<healthz>"
READYZ = "<readyz>"
BAD_HOST = "<bad host>"
UNKNOWN_HOST = "<unknown host>"
TENANT_SUSPENDED = "<tenant suspended>"
STATIC = "<static>"
MIDDLEWARE_ANSWER = "<middleware>"


def request_answered_by(request: HttpRequest, name: str) -> None:
    """Name, for the request metrics, an answer a middleware gives before any view runs."""
    setattr(request, _ANSWERED_BY, name)


def _method_label(method: str | None) -> str:
    return method if method in _METHODS else "<invalid method>"


class RequestMetricsBeforeMiddleware(PrometheusBeforeMiddleware):
    """First in MIDDLEWARE. Also records, by a fixed name, the answers that never reached
    RequestMetricsAfterMiddleware (given by a middleware between the two)."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        response = super().process_response(request, response)
        if not hasattr(request, "prometheus_after_middleware_event"):
            view = getattr(request, _ANSWERED_BY, None)
            if view is None:
                view = STATIC if request.path.startswith(settings.STATIC_URL) else MIDDLEWARE_ANSWER
            method = _method_label(request.method)
            metrics = self.metrics
            metrics.requests_by_view_transport_method.labels(
                view=view, transport="https" if request.is_secure() else "http", method=method
            ).inc()
            metrics.responses_by_status_view_method.labels(
                status=str(response.status_code), view=view, method=method
            ).inc()
            started = getattr(request, "prometheus_before_middleware_event", None)
            if started is not None:
                metrics.requests_latency_by_view_method.labels(view=view, method=method).observe(
                    TimeSince(started)
                )
        return response


class RequestMetricsAfterMiddleware(PrometheusAfterMiddleware):
    """Last in MIDDLEWARE. django-prometheus labels its latency histogram with the raw method:
    any method a client invents would become a series; here it is "<invalid method>"."""

    def label_metric(
        self, metric: Any, request: HttpRequest, response: Any = None, **labels: str
    ) -> Any:
        if "method" in labels:
            labels["method"] = _method_label(labels["method"])
        return super().label_metric(metric, request, response, **labels)


# --- Scraped on demand: queues and outbox --------------------------------------------------------

_OUTBOX_KEY = "metrics:outbox-backlog"
# kombu's Redis transport keeps a queue's messages with a priority in lists of their own.
_KOMBU_PRIORITY_SEPARATOR = "\x06\x16"
_KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)
_REDIS_TIMEOUT_SECONDS = 1.0


def _outbox_key() -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:{_OUTBOX_KEY}" if prefix else _OUTBOX_KEY


def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=_REDIS_TIMEOUT_SECONDS,
        socket_timeout=_REDIS_TIMEOUT_SECONDS,
    )


def outbox_backlog_record(*, backlog: int, oldest_seconds: float, client: redis.Redis) -> None:
    """Leave the sweep's measurement where ScrapeCollector reads it (one key, with its time)."""
    value = {"backlog": backlog, "oldest_seconds": oldest_seconds, "measured_at": time.time()}
    client.set(_outbox_key(), json.dumps(value))


def celery_queue_names() -> list[str]:
    """The queues the workers consume: the default one and any declared in settings."""
    names = [settings.CELERY_TASK_DEFAULT_QUEUE]
    for queue in getattr(settings, "CELERY_TASK_QUEUES", None) or ():
        name = getattr(queue, "name", queue)
        if isinstance(name, str) and name not in names:
            names.append(name)
    return names


class ScrapeCollector(Collector):
    """Figures read when Prometheus scrapes: LLEN of each broker queue (a pipeline, one round
    trip) and the outbox measurement left by the last sweep. Redis unreachable: those families
    are left out (the scrape still answers) and a warning is logged."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._queues()
        yield from self._outbox()

    def _queues(self) -> Iterable[GaugeMetricFamily]:
        broker = settings.CELERY_BROKER_URL
        if urlsplit(broker).scheme not in {"redis", "rediss", "unix"}:
            return []
        names = celery_queue_names()
        client = _redis(broker)
        try:
            pipeline = client.pipeline(transaction=False)
            for name in names:
                for step in _KOMBU_PRIORITY_STEPS:
                    pipeline.llen(name if step == 0 else f"{name}{_KOMBU_PRIORITY_SEPARATOR}{step}")
            lengths = pipeline.execute()
        except redis.RedisError as error:
            logger.warning("metrics.queues_unavailable", extra={"error": type(error).__name__})
            return []
        finally:
            client.close()
        family = GaugeMetricFamily(
            "entraide_celery_queue_length",
            "Messages waiting in each Celery queue of the broker (Redis LLEN, every priority).",
            labels=["queue"],
        )
        steps = len(_KOMBU_PRIORITY_STEPS)
        for index, name in enumerate(names):
            family.add_metric([name], sum(lengths[index * steps : (index + 1) * steps]))
        return [family]

    def _outbox(self) -> Iterable[GaugeMetricFamily]:
        client = _redis(str(settings.CACHES["default"]["LOCATION"]))
        try:
            # The cast: redis-py types every reply as "sync or async", whatever the client.
            raw = cast("bytes | None", client.get(_outbox_key()))
        except redis.RedisError as error:
            logger.warning("metrics.outbox_unavailable", extra={"error": type(error).__name__})
            return []
        finally:
            client.close()
        if raw is None:
            return []  # no sweep since Redis started
        value = json.loads(raw)
        return [
            GaugeMetricFamily(
                "entraide_outbox_backlog",
                "Unsent outbox messages over all tenants, at the last sweep.",
                value=value["backlog"],
            ),
            GaugeMetricFamily(
                "entraide_outbox_oldest_seconds",
                "Age of the oldest unsent outbox message (since it was due), at the last sweep.",
                value=value["oldest_seconds"],
            ),
            GaugeMetricFamily(
                "entraide_outbox_backlog_measured_timestamp_seconds",
                "When the last sweep measured the outbox backlog (Unix time).",
                value=value["measured_at"],
            ),
        ]


# --- The exporter --------------------------------------------------------------------------------


def metrics_port_from_env(default: int | None) -> int | None:
    """METRICS_PORT: a port number, "0" or "off" for none; unset: `default`."""
    raw = os.environ.get("METRICS_PORT", "").strip().lower()
    if not raw:
        return default
    if raw in {"0", "off"}:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"METRICS_PORT must be a port number (1-65535), 0 or off, not {raw!r}.")
    return int(raw)


def metrics_address_from_env() -> str:
    """METRICS_ADDRESS: where the exporter listens; loopback unless told (the chart: 0.0.0.0)."""
    return os.environ.get("METRICS_ADDRESS", "").strip() or "127.0.0.1"


def multiprocess_dir_reset(path: str) -> None:
    """Empty the directory the processes write their values to (a restart starts from zero).

    Its contents only: the directory itself is usually a mount point (the chart's emptyDir, a
    tmpfs), which cannot be removed."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    for entry in directory.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


class SettledFilesCollector(multiprocess.MultiProcessCollector):
    """prometheus_client's MultiProcessCollector, without the files still being created.

    A process creates its file empty, then sizes it (prometheus_client's MmapedDict). A scrape
    that listed the file in between read 0 bytes, failed (struct.error) and answered 500: seen
    once in a worker test, a prefork child starting while /metrics was read. Such a file holds
    no value yet; the next scrape reads it. A file removed since the listing (a dead process's
    live gauges) is skipped as prometheus_client skips it."""

    def __init__(self, registry: CollectorRegistry, path: str | None = None) -> None:
        directory = path or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        super().__init__(registry, path=directory)
        self._directory = str(directory)

    def collect(self) -> Iterable[Any]:
        files = []
        for name in glob.glob(os.path.join(self._directory, "*.db")):
            try:
                if os.path.getsize(name) > 0:
                    files.append(name)
            except FileNotFoundError:
                continue
        return self.merge(files, accumulate=True)


def metrics_registry() -> CollectorRegistry:
    """What /metrics serves: every process's values added up, and the scrape-time figures."""
    registry = CollectorRegistry()
    SettledFilesCollector(registry)
    registry.register(ScrapeCollector())
    return registry


def metrics_server_start(*, port: int, address: str) -> bool:
    """Serve /metrics in a thread of this process; False (logged) when the port is taken.

    The product keeps running without its metrics rather than not at all.
    """
    try:
        start_http_server(port, addr=address, registry=metrics_registry())
    except OSError as error:
        logger.error(
            "metrics.server_failed", extra={"port": port, "address": address, "error": str(error)}
        )
        return False
    logger.info("metrics.server_started", extra={"port": port, "address": address})
    return True


def process_dead(pid: int) -> None:
    """A worker process is gone: drop its live gauges' files (its counters stay counted)."""
    multiprocess.mark_process_dead(pid)

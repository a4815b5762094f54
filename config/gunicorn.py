"""gunicorn settings: `gunicorn config.wsgi:application --config=python:config.gunicorn ...`.

Command-line options (bind, workers, threads, timeout) still come from the command line (the
image, the chart). This module adds the metrics (tenants/metrics.py):

- every worker writes its values under PROMETHEUS_MULTIPROC_DIR (default /tmp/entraide-metrics;
  an emptyDir in the chart), emptied when the master starts;
- the master serves /metrics on METRICS_PORT (default 9100; "0" or "off": none) at
  METRICS_ADDRESS (default 127.0.0.1; the chart sets 0.0.0.0 so Prometheus reaches the pod),
  adding up every worker's values, and the queue and outbox figures read at scrape time;
- a worker that exits has its live gauges' files dropped (its counters stay counted).

The public port never serves /metrics: no URLconf has it.

Each worker also freezes what it has loaded out of the garbage collector's reach, once its
application is loaded and again after its first requests (config/garbage_collection.py).
"""

from __future__ import annotations

import os
from typing import Any

from config.celery import METRICS_DIRECTORY_DEFAULT
from config.garbage_collection import RequestCount, freeze, freeze_after_requests_from_env

# Set before prometheus_client is imported anywhere (master and workers alike): it chooses its
# multiprocess mode when imported. (Importing config above did not import it.)
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", METRICS_DIRECTORY_DEFAULT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

from tenants.metrics import (  # noqa: E402
    metrics_address_from_env,
    metrics_port_from_env,
    metrics_server_start,
    multiprocess_dir_reset,
    process_dead,
)

# Checked now: a bad METRICS_PORT stops gunicorn at start with its message.
METRICS_PORT = metrics_port_from_env(default=9100)
# Checked now too: a bad GC_FREEZE_AFTER_REQUESTS stops gunicorn at start with its message.
FREEZE_AFTER_REQUESTS = freeze_after_requests_from_env()
# Set in each worker by post_worker_init (a worker is a fork of the master: its own count).
_requests: RequestCount | None = None


def on_starting(server: Any) -> None:
    multiprocess_dir_reset(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def when_ready(server: Any) -> None:
    if METRICS_PORT is not None:
        metrics_server_start(port=METRICS_PORT, address=metrics_address_from_env())


def child_exit(server: Any, worker: Any) -> None:
    process_dead(worker.pid)


def post_worker_init(worker: Any) -> None:
    global _requests  # noqa: PLW0603 - one count per worker process, made in that process
    if FREEZE_AFTER_REQUESTS is None:
        return
    freeze("application loaded")
    _requests = RequestCount(FREEZE_AFTER_REQUESTS)


def post_request(worker: Any, request: Any, environ: Any, response: Any) -> None:
    if _requests is not None:
        _requests.served()

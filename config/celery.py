"""Celery app. The tenant's schema travels with every task (tenant-schemas-celery).

Metrics (tenants/metrics.py, connected when Django is set up): every process that runs tasks
counts their outcomes and durations. A worker started with METRICS_PORT serves them on that port
(METRICS_ADDRESS, default loopback) from its main process, added up over its pool processes,
which write their values under PROMETHEUS_MULTIPROC_DIR. Without METRICS_PORT (`make run`, the
tests) nothing is served and nothing written to disk. Beat never serves metrics.
"""

import os

from tenant_schemas_celery.app import CeleryApp

from config.heartbeats import WorkerHeartbeat

# Where the processes of a gunicorn or a worker with metrics write their values (the chart
# mounts an emptyDir there). This module is the project's first in every process (config's
# __init__ imports it), so the variable is set before anything imports prometheus_client, which
# picks its multiprocess mode when imported. gunicorn always sets it (config/gunicorn.py).
METRICS_DIRECTORY_DEFAULT = "/tmp/entraide-metrics"  # noqa: S108
if os.environ.get("METRICS_PORT", "").strip():
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", METRICS_DIRECTORY_DEFAULT)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = CeleryApp("entraide")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Liveness: the worker's consumer touches a heartbeat file `python -m config.probes worker` reads
# (beat's scheduler does the same: CELERY_BEAT_SCHEDULER in the settings).
app.steps["consumer"].add(WorkerHeartbeat)

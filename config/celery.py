"""Celery app. The tenant's schema travels with every task (tenant-schemas-celery)."""

import os

from tenant_schemas_celery.app import CeleryApp

from config.heartbeats import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = CeleryApp("entraide")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Liveness: the worker's consumer touches a heartbeat file `python -m config.probes worker` reads
# (beat's scheduler does the same: CELERY_BEAT_SCHEDULER in the settings).
app.steps["consumer"].add(WorkerHeartbeat)

"""Celery app. The tenant's schema travels with every task (tenant-schemas-celery)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = CeleryApp("entraide")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

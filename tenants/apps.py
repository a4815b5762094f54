from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Here, not at the top: both modules import models, loaded once the apps are ready.
        from tenants import (  # noqa: F401 - checks registers itself
            checks,
            context,
            metrics,
            routing,
        )

        routing.connect_invalidation()
        context.connect_log_scope_to_tasks()
        metrics.celery_metrics_connect()

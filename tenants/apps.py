from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registered in every process (web too): tenants/deprovisioning.py sends this task by
        # name through the outbox, which looks it up in the Celery app.
        from tenants import (
            context,
            routing,
            tasks,  # noqa: F401
        )

        routing.connect_invalidation()
        context.connect_log_scope_to_tasks()

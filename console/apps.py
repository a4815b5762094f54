from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The platform console for Entraide's staff (public host, MFA required): tenants, their
    usage and lifecycle (suspend, reactivate, archive, restore)."""

    name = "console"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalConfig(AppConfig):
    name = "tenants.legal"
    label = "legal"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Legal pages")

    def ready(self) -> None:
        # Models can be imported only once the apps are ready.
        from tenants.legal.services import legal_provision
        from tenants.provisioning_steps import register_provisioning_step

        register_provisioning_step("tenants.legal", legal_provision, order=22)

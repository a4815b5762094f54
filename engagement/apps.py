from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "engagement"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registered here because tenants (the core layer) never imports engagement.
        from engagement.taxonomy.services import taxonomy_seed_defaults
        from tenants.models import Tenant
        from tenants.provisioning_steps import ProvisioningInput, register_provisioning_step

        def taxonomy_provision(*, tenant: Tenant, provisioning_input: ProvisioningInput) -> None:
            taxonomy_seed_defaults()

        register_provisioning_step("engagement.taxonomy", taxonomy_provision, order=20)

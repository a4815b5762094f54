from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registered here because tenants (the core layer) never imports billing.
        from billing.entitlements import custom_domains_allowed
        from billing.services import billing_trial_provision
        from tenants.domains import register_custom_domain_allowance
        from tenants.provisioning_steps import register_provisioning_step

        register_provisioning_step(
            "billing.trial", billing_trial_provision, order=10, in_tenant_schema=False
        )
        register_custom_domain_allowance(custom_domains_allowed)

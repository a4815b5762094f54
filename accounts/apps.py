from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import checks  # noqa: F401 - registers the system checks

        # Registered here because tenants (the core layer) never imports accounts.
        from accounts.services import tenant_admin_provision
        from accounts.sign_ins import connect_sign_in_audit
        from tenants.provisioning_steps import register_provisioning_step

        register_provisioning_step("accounts.tenant_admin", tenant_admin_provision, order=30)
        # Sign-ins happen in allauth's and Django's flows: their signals reach the audit trail.
        connect_sign_in_audit()

from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "engagement"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registered here because tenants (the core layer) never imports engagement; models
        # can be imported only once the apps are ready.
        from engagement.taxonomy.services import taxonomy_provision
        from tenants.provisioning_steps import register_provisioning_step

        register_provisioning_step("engagement.taxonomy", taxonomy_provision, order=20)

        from accounts.sso.profile_attributes import register_profile_consumer
        from engagement.directory.services import employee_profile_sync_from_sign_in

        register_profile_consumer("engagement.directory", employee_profile_sync_from_sign_in)

        from engagement.usage import engagement_usage
        from tenants.usage import register_usage_provider

        register_usage_provider("engagement", engagement_usage)

        from engagement.page_cache import connect_page_cache_invalidation

        connect_page_cache_invalidation()

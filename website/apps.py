from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    """The product site on the base domain: what Entraide is, its prices, the demo instances."""

    name = "website"
    default_auto_field = "django.db.models.BigAutoField"

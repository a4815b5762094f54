from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiTokensConfig(AppConfig):
    name = "accounts.api_tokens"
    label = "api_tokens"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("API tokens")

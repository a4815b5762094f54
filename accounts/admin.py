from typing import Any

# Imported first so its registrations exist before they are replaced below.
import allauth.socialaccount.admin  # noqa: F401
from allauth.socialaccount.models import SocialApp, SocialToken
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.sso.selectors import connection_summary
from tenants.admin import platform_admin_site


class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("first_name", "last_name", "language")}),
        ("Access", {"fields": ("role", "is_active", "is_staff")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    readonly_fields = ("last_login", "date_joined")


class PlatformUserAdmin(UserAdmin):
    """Platform staff in the public schema. No deletion from the console: collecting what a
    user's deletion cascades to visits allauth's tables, which exist only in tenant schemas (the
    confirmation page failed with a 500). Staff leave by being made inactive."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Each site shows the users of the schema it is served in: residents on a tenant host,
# platform staff on the public host.
admin.site.register(User, UserAdmin)
platform_admin_site.register(User, PlatformUserAdmin)


class SocialAppAdmin(admin.ModelAdmin):
    """Read-only: identity providers are configured on the tenant's sign-in settings pages, which
    encrypt secrets; allauth's own form would store a secret in clear."""

    list_display = ("name", "provider", "client_id", "masked_secret")
    fields = ("name", "provider", "provider_id", "client_id", "masked_secret", "settings_page")
    readonly_fields = fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_tenant_admin)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_tenant_admin)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Secret"))
    def masked_secret(self, app: SocialApp) -> str:
        return connection_summary(app).secret_masked

    @admin.display(description=_("Configure"))
    def settings_page(self, app: SocialApp) -> str:
        return format_html('<a href="/accounts/settings/sign-in/">{}</a>', _("Sign-in settings"))


admin.site.unregister(SocialApp)
admin.site.register(SocialApp, SocialAppAdmin)
# Provider tokens are not stored (SOCIALACCOUNT_STORE_TOKENS = False).
admin.site.unregister(SocialToken)

"""The platform console's admin (public host only). Tenant hosts use Django's default admin site,
which never registers Tenant or Domain, so a tenant admin cannot see other tenants."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse

from tenants.models import Domain, Tenant
from tenants.platform_staff import confirmed_device, is_console_verified, is_platform_staff


class PlatformAdminSite(AdminSite):
    site_header = "Entraide — platform console"
    site_title = "Entraide console"
    index_title = "Tenants and billing"

    def has_permission(self, request: HttpRequest) -> bool:
        # Platform staff who passed their second factor in this session (tenants/platform_staff).
        return is_console_verified(request)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        # Signed in with the password but not past the second factor: to the console's TOTP
        # step (enrolment or verification), never back to the password form.
        if request.method == "GET" and is_platform_staff(request.user):
            has_device = confirmed_device(request.user) is not None
            name = "console:mfa-verify" if has_device else "console:mfa-enrol"
            target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("console:tenants")
            if is_console_verified(request):
                return redirect(target if target.startswith("/") else reverse("console:tenants"))
            return redirect(f"{reverse(name)}?{urlencode({'next': target})}")
        return super().login(request, extra_context)


platform_admin_site = PlatformAdminSite(name="platform_admin")


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    fields = ("domain", "is_primary", "is_verified")


@admin.register(Tenant, site=platform_admin_site)
class TenantAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "kind",
        "is_private",
        "status",
        "default_language",
        "created_at",
    )
    list_filter = ("kind", "is_private", "status")
    search_fields = ("name", "slug")
    readonly_fields = ("schema_name", "slug", "created_at", "updated_at")
    inlines = [DomainInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tenants are created by provisioning (schema clone), never by a bare row insert.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Tenant | None = None) -> bool:
        return False


@admin.register(Domain, site=platform_admin_site)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary", "is_verified")
    list_select_related = ("tenant",)
    search_fields = ("domain",)

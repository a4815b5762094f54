"""The platform console's admin (public host only). Tenant hosts use Django's default admin site,
which never registers Tenant or Domain, so a tenant admin cannot see other tenants."""

from django.contrib import admin
from django.contrib.admin import AdminSite
from django.http import HttpRequest

from tenants.models import Domain, Tenant


class PlatformAdminSite(AdminSite):
    site_header = "Entraide — platform console"
    site_title = "Entraide console"
    index_title = "Tenants and billing"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_superuser)


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

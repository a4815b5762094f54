"""The audit trail in a tenant's Django admin: read-only, for tenant admins only.

Access is by role, as in the rest of the tenant's admin (engagement/admin.py): moderators and
other staff do not see it, and nobody adds, changes or deletes an event here.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from tenants.audit.models import AuditEvent


def _is_tenant_admin(request: HttpRequest) -> bool:
    # The user model's role (accounts.User.is_tenant_admin: an active tenant admin).
    user = request.user
    return bool(
        user.is_authenticated and user.is_active and getattr(user, "is_tenant_admin", False)
    )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "target_type", "target_id", "actor")
    list_filter = ("action", "target_type")
    list_select_related = ("actor",)
    search_fields = ("action",)
    ordering = ("-created_at", "-id")
    fields = ("created_at", "actor", "action", "target_type", "target_id", "data")
    readonly_fields = fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_tenant_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return _is_tenant_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

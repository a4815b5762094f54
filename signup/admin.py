"""Self-serve sign-ups in the platform console's Django admin (`/console/signup/…`): read only,
with "Provision again" for the failed ones (the same service as `manage.py signup_retry`)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from signup.models import SignupRequest
from signup.services import signup_retry
from tenants.admin import platform_admin_site


@admin.register(SignupRequest, site=platform_admin_site)
class SignupRequestAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "name",
        "kind",
        "email",
        "plan_code",
        "status",
        "attempts",
        "created_at",
    )
    list_filter = ("status", "kind", "plan_code")
    search_fields = ("slug", "name", "email", "stripe_customer_id")
    ordering = ("-created_at",)
    actions = ["provision_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.action(description="Provision again (failed sign-ups)")
    def provision_again(self, request: HttpRequest, queryset: QuerySet[SignupRequest]) -> None:
        scheduled = sum(signup_retry(signup=signup) for signup in queryset)
        self.message_user(request, f"{scheduled} sign-up(s) scheduled again.")

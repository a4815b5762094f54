"""Billing in the platform console (public host): read-only views of what Stripe said, plus
"sync from Stripe" and "process again" actions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from billing import services
from billing.models import BillingAccount, BillingAuditEntry, SeatSync, StripeEvent
from billing.stripe_client import StripeUnavailable
from tenants.admin import platform_admin_site


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(BillingAccount, site=platform_admin_site)
class BillingAccountAdmin(ReadOnlyAdmin):
    list_display = (
        "tenant",
        "plan_code",
        "interval",
        "stripe_status",
        "seats",
        "cancel_at_period_end",
        "current_period_end",
        "synced_at",
    )
    list_filter = ("plan_code", "stripe_status")
    list_select_related = ("tenant",)
    search_fields = ("tenant__slug", "tenant__name", "stripe_customer_id", "stripe_subscription_id")
    actions = ["sync_from_stripe"]

    @admin.action(description="Sync from Stripe now")
    def sync_from_stripe(self, request: HttpRequest, queryset: QuerySet[BillingAccount]) -> None:
        changed = 0
        for account in queryset.select_related("tenant"):
            try:
                result = services.subscription_sync(
                    tenant=account.tenant, source=BillingAuditEntry.Source.PLATFORM
                )
            except StripeUnavailable:
                self.message_user(
                    request, f"{account.tenant.slug}: Stripe unavailable", messages.WARNING
                )
                continue
            changed += int(result.changed)
        self.message_user(request, f"{changed} account(s) changed.")


@admin.register(StripeEvent, site=platform_admin_site)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "status", "tenant", "attempts", "received_at", "error")
    list_filter = ("status", "type")
    list_select_related = ("tenant",)
    search_fields = ("event_id", "customer_id", "subscription_id")
    actions = ["process_again"]

    @admin.action(description="Process again")
    def process_again(self, request: HttpRequest, queryset: QuerySet[StripeEvent]) -> None:
        count = services.stripe_events_requeue(
            event_pks=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(request, f"{count} event(s) scheduled.")


@admin.register(SeatSync, site=platform_admin_site)
class SeatSyncAdmin(ReadOnlyAdmin):
    list_display = ("account", "seats_before", "seats", "status", "created_at", "synced_at")
    list_filter = ("status",)


@admin.register(BillingAuditEntry, site=platform_admin_site)
class BillingAuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "tenant_slug", "action", "source", "stripe_event_id")
    list_filter = ("action", "source")
    search_fields = ("tenant_slug", "stripe_event_id")

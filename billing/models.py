"""Billing records (public schema): one billing account per tenant, the Stripe events received,
seat synchronisations and an audit trail.

The access state itself (trialing/active/past_due/suspended, grace and trial deadlines, plan code)
is denormalised onto `tenants.Tenant` so the host-routing cache carries it; only
`billing.services` writes those fields.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StripeStatus(models.TextChoices):
    """Stripe's subscription statuses, plus NONE when the tenant has no Stripe subscription."""

    NONE = "", _("No subscription")
    TRIALING = "trialing", _("Trial")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due")
    UNPAID = "unpaid", _("Unpaid")
    CANCELED = "canceled", _("Canceled")
    INCOMPLETE = "incomplete", _("Incomplete")
    INCOMPLETE_EXPIRED = "incomplete_expired", _("Incomplete (expired)")
    PAUSED = "paused", _("Paused")


# Statuses in which a subscription is still the tenant's subscription (Stripe keeps billing it).
LIVE_STRIPE_STATUSES = frozenset(
    {
        StripeStatus.TRIALING,
        StripeStatus.ACTIVE,
        StripeStatus.PAST_DUE,
        StripeStatus.UNPAID,
        StripeStatus.PAUSED,
    }
)


class BillingAccount(models.Model):
    """A tenant's Stripe customer and subscription, as last seen in Stripe."""

    tenant = models.OneToOneField(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="billing_account"
    )
    # A code of billing/plans.py (no choices here: the catalogue changes without migrations).
    plan_code = models.CharField(max_length=40)
    interval = models.CharField(
        max_length=8, choices=[("month", _("monthly")), ("year", _("yearly"))], default="month"
    )
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    stripe_subscription_item_id = models.CharField(max_length=255, blank=True)
    stripe_status = models.CharField(
        max_length=24, choices=StripeStatus.choices, default=StripeStatus.NONE, blank=True
    )
    cancel_at_period_end = models.BooleanField(default=False)
    current_period_end = models.DateTimeField(null=True, blank=True)
    # Seats Stripe bills (per-seat plans), as last synchronised.
    seats = models.PositiveIntegerField(default=0)
    synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_customer_id"],
                condition=~models.Q(stripe_customer_id=""),
                name="billing_account_customer_unique",
            ),
            models.UniqueConstraint(
                fields=["stripe_subscription_id"],
                condition=~models.Q(stripe_subscription_id=""),
                name="billing_account_subscription_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}:{self.plan_code}"

    @property
    def has_live_subscription(self) -> bool:
        return bool(self.stripe_subscription_id) and self.stripe_status in LIVE_STRIPE_STATUSES


class StripeEvent(models.Model):
    """A Stripe webhook event, stored once by its id; processed by a background task.

    Only ids and the event type are kept (never the payload's personal data): processing
    re-fetches the current state from Stripe anyway.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSING = "processing", _("Processing")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    livemode = models.BooleanField(default=False)
    stripe_created_at = models.DateTimeField()
    object_id = models.CharField(max_length=255, blank=True)
    customer_id = models.CharField(max_length=255, blank=True)
    subscription_id = models.CharField(max_length=255, blank=True)
    # The tenant id the event claims (checkout client_reference_id or metadata), for linking.
    claimed_tenant_id = models.BigIntegerField(null=True, blank=True)
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class SeatSync(models.Model):
    """One attempt to set a per-seat subscription's quantity in Stripe.

    The idempotency key is created with the row and reused by retries of the same change, so a
    retried request is applied once, while a later change back to the same count gets a new key.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SYNCED = "synced", _("Synced")
        SUPERSEDED = "superseded", _("Superseded")

    account = models.ForeignKey(BillingAccount, on_delete=models.CASCADE, related_name="seat_syncs")
    seats_before = models.PositiveIntegerField()
    seats = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="pending"),
                name="billing_seat_sync_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.seats_before} → {self.seats} ({self.status})"


class BillingAuditEntry(models.Model):
    """A billing change a tenant admin or platform staff would want to see."""

    class Action(models.TextChoices):
        TRIAL_STARTED = "trial_started", _("Trial started")
        STATE_CHANGED = "state_changed", _("Billing state changed")
        PLAN_CHANGED = "plan_changed", _("Plan changed")
        CHECKOUT_STARTED = "checkout_started", _("Checkout started")
        PORTAL_OPENED = "portal_opened", _("Billing portal opened")
        SEATS_SYNCED = "seats_synced", _("Seats updated")
        PAYMENT_FAILED = "payment_failed", _("Payment failed")
        PAYMENT_SUCCEEDED = "payment_succeeded", _("Payment succeeded")
        TRIAL_WILL_END = "trial_will_end", _("Trial ends soon")

    class Source(models.TextChoices):
        STRIPE_EVENT = "stripe_event", _("Stripe event")
        RECONCILE = "reconcile", _("Reconciliation")
        SCHEDULE = "schedule", _("Scheduled check")
        TENANT_ADMIN = "tenant_admin", _("Tenant admin")
        PLATFORM = "platform", _("Platform")

    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    tenant_slug = models.CharField(max_length=40)
    action = models.CharField(max_length=32, choices=Action.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    # A user of the tenant's schema (no foreign key across schemas).
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    stripe_event_id = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.tenant_slug} {self.action}"

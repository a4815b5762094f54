"""A visitor's request for a new instance (public schema), from the form to the running tenant."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignupRequest(models.Model):
    """What the sign-up form asked for, and how far it got.

    Nothing is provisioned before `email_verified_at` is set and Stripe confirmed the checkout
    (`status` PAID, set once by the webhook's handler under a row lock). The progress page reads
    `status`; the hand-off to the new instance is single use (`handoff_jti`, `handoff_used_at`).
    """

    class Status(models.TextChoices):
        EMAIL_SENT = "email_sent", _("Waiting for the e-mail to be confirmed")
        VERIFIED = "verified", _("E-mail confirmed")
        CHECKOUT = "checkout", _("At the checkout")
        PAID = "paid", _("Queued")
        CREATING = "creating", _("Creating the instance")
        CONFIGURING = "configuring", _("Configuring the instance")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    # States in which the request holds its address for good (the checkout is paid).
    HOLDING_STATUSES = (Status.PAID, Status.CREATING, Status.CONFIGURING, Status.FAILED)
    # States in which it holds it for SIGNUP_SLUG_HOLD_SECONDS after its creation.
    PENDING_STATUSES = (Status.EMAIL_SENT, Status.VERIFIED, Status.CHECKOUT)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=[("city", _("City")), ("company", _("Company"))])
    name = models.CharField(max_length=120)
    slug = models.CharField(max_length=40, db_index=True)
    country = models.CharField(max_length=2)
    language = models.CharField(max_length=8)
    email = models.EmailField()
    plan_code = models.CharField(max_length=40)
    interval = models.CharField(max_length=8, default="month")
    terms_accepted_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.EMAIL_SENT)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    stripe_checkout_session_id = models.CharField(max_length=255, blank=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    # The admin's account in the new tenant, for the hand-off (no foreign key across schemas).
    admin_user_id = models.BigIntegerField(null=True, blank=True)
    # SHA-256 of the hand-off token's id; the hand-off works once.
    handoff_jti = models.CharField(max_length=64, blank=True)
    handoff_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_checkout_session_id"],
                condition=~models.Q(stripe_checkout_session_id=""),
                name="signup_request_checkout_unique",
            ),
            # Two paid requests never hold the same address.
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(status__in=["paid", "creating", "configuring"]),
                name="signup_request_paid_slug_unique",
            ),
        ]
        indexes = [models.Index(fields=["email", "created_at"])]

    def __str__(self) -> str:
        return f"{self.slug} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.READY, self.Status.FAILED}

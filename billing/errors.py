"""Billing error codes and the domain error services raise."""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise


class BillingErrorCode(StrEnum):
    SIGNATURE_INVALID = "stripe_signature_invalid"
    PAYLOAD_INVALID = "stripe_payload_invalid"
    PLAN_UNKNOWN = "plan_unknown"
    PLAN_NOT_FOR_KIND = "plan_not_for_tenant_kind"
    INTERVAL_UNAVAILABLE = "interval_unavailable"
    PRICE_NOT_CONFIGURED = "price_not_configured"
    SUBSCRIPTION_EXISTS = "subscription_exists"
    NO_CUSTOMER = "no_stripe_customer"
    STRIPE_UNAVAILABLE = "stripe_unavailable"
    CHECKOUT_SESSION_UNKNOWN = "checkout_session_unknown"
    TENANT_SUSPENDED = "tenant_suspended"
    LOCK_BUSY = "billing_lock_busy"


class BillingError(Exception):
    """A billing rule refused an operation; `detail` is safe to show to the tenant admin."""

    def __init__(
        self, detail: str | Promise, *, code: BillingErrorCode, field: str | None = None
    ) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.code = code
        self.field = field

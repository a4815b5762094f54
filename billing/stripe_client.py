"""The only module that imports `stripe`.

It pins the API version, builds the client from settings (STRIPE_API_BASE points it at a local
fake in tests), and turns Stripe objects into small frozen snapshots so the rest of billing never
depends on the library's object model. Every call here is a network call: callers make them
outside database transactions.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Pinned: Stripe objects change shape between API versions (for instance the billing period moved
# from the subscription to its items, and an invoice's subscription under `parent`). Upgrading is
# a deliberate change: bump this, read the changelog, adjust the snapshots below and the fake.
STRIPE_API_VERSION = "2026-10-28.endive"

ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    }
)


class StripeUnavailable(Exception):
    """Stripe could not be reached or refused the request; the caller may retry later."""

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


class WebhookSignatureInvalid(Exception):
    """The Stripe-Signature header is missing, forged or outside the tolerance window."""


class WebhookPayloadInvalid(Exception):
    """The body is not a Stripe event."""


@dataclass(frozen=True)
class SubscriptionSnapshot:
    id: str
    customer_id: str
    status: str
    price_id: str
    item_id: str
    quantity: int
    trial_end: dt.datetime | None
    current_period_end: dt.datetime | None
    cancel_at_period_end: bool
    created: dt.datetime
    claimed_tenant_id: int | None


@dataclass(frozen=True)
class CheckoutSessionSnapshot:
    id: str
    url: str
    customer_id: str
    client_reference_id: str
    subscription_id: str
    status: str
    # metadata["signup_id"]: the session of a self-serve sign-up (no tenant exists yet).
    signup_id: str = ""


@dataclass(frozen=True)
class InvoicePreview:
    amount_due: int  # in the currency's smallest unit
    currency: str
    next_payment_at: dt.datetime | None

    @property
    def amount(self) -> Decimal:
        """In the currency's main unit (Stripe counts cents, except zero-decimal currencies)."""
        if self.currency.lower() in ZERO_DECIMAL_CURRENCIES:
            return Decimal(self.amount_due)
        return Decimal(self.amount_due) / 100


@dataclass(frozen=True)
class EventSnapshot:
    id: str
    type: str
    created: dt.datetime
    livemode: bool
    object_type: str
    object_id: str
    customer_id: str
    subscription_id: str
    claimed_tenant_id: int | None


@functools.lru_cache(maxsize=4)
def _client(api_key: str, api_base: str, timeout: int, retries: int) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        stripe_version=STRIPE_API_VERSION,
        base_addresses={"api": api_base} if api_base else {},
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def client() -> stripe.StripeClient:
    return _client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_TIMEOUT_SECONDS,
        settings.STRIPE_MAX_NETWORK_RETRIES,
    )


def _timestamp(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)


def _id(value: Any) -> str:
    """An expandable field: either an id or an expanded object with an id."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return str(value.get("id") or "")
    return str(getattr(value, "id", "") or "")


def _tenant_id(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict()
    return dict(obj)


def _call(operation: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return function(*args, **kwargs)
    except stripe.StripeError as error:
        logger.warning(
            "billing.stripe.error",
            extra={
                "operation": operation,
                "http_status": error.http_status,
                "stripe_code": error.code,
                "request_id": error.request_id,
            },
        )
        raise StripeUnavailable(
            f"Stripe {operation} failed ({error.__class__.__name__})",
            http_status=error.http_status,
        ) from None


def subscription_snapshot(data: Mapping[str, Any]) -> SubscriptionSnapshot:
    items = ((data.get("items") or {}).get("data")) or []
    item = items[0] if items else {}
    price = item.get("price") or {}
    return SubscriptionSnapshot(
        id=str(data["id"]),
        customer_id=_id(data.get("customer")),
        status=str(data.get("status") or ""),
        price_id=_id(price),
        item_id=str(item.get("id") or ""),
        quantity=int(item.get("quantity") or 0),
        trial_end=_timestamp(data.get("trial_end")),
        current_period_end=_timestamp(item.get("current_period_end")),
        cancel_at_period_end=bool(data.get("cancel_at_period_end")),
        created=_timestamp(data.get("created")) or dt.datetime.fromtimestamp(0, tz=dt.UTC),
        claimed_tenant_id=_tenant_id((data.get("metadata") or {}).get("tenant_id")),
    )


def _checkout_snapshot(data: Mapping[str, Any]) -> CheckoutSessionSnapshot:
    return CheckoutSessionSnapshot(
        id=str(data["id"]),
        url=str(data.get("url") or ""),
        customer_id=_id(data.get("customer")),
        client_reference_id=str(data.get("client_reference_id") or ""),
        subscription_id=_id(data.get("subscription")),
        status=str(data.get("status") or ""),
        signup_id=str((data.get("metadata") or {}).get("signup_id") or ""),
    )


def _invoice_subscription_id(data: Mapping[str, Any]) -> str:
    parent = data.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return _id(details.get("subscription")) or _id(data.get("subscription"))


# --- webhooks ---------------------------------------------------------------------------------


def _signed_at(signature_header: str) -> int:
    """The `t=` timestamp of a Stripe-Signature header (the first, as the stripe library reads
    it); the header has already been verified."""
    for item in signature_header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            return int(value)
    raise WebhookSignatureInvalid("Invalid Stripe signature")


def webhook_event_construct(payload: bytes, signature_header: str | None) -> EventSnapshot:
    """Verify Stripe's signature (HMAC-SHA256 with the endpoint secret, 300 s tolerance) and
    return the event's ids. Raises WebhookSignatureInvalid or WebhookPayloadInvalid."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise WebhookSignatureInvalid("No webhook secret is configured")
    try:
        event = client().construct_event(
            payload,
            signature_header,
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
    except stripe.SignatureVerificationError:
        raise WebhookSignatureInvalid("Invalid Stripe signature") from None
    except (ValueError, KeyError, TypeError):
        raise WebhookPayloadInvalid("Not a Stripe event") from None
    # Stripe's check only refuses timestamps too far in the past; a signed request dated ahead
    # (a clock skew or a payload signed in advance) would stay replayable for as long.
    if _signed_at(signature_header or "") > time.time() + settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS:
        raise WebhookSignatureInvalid("Stripe signature timestamp is in the future")
    data = _as_dict(event)
    try:
        obj = data["data"]["object"]
        object_type = str(obj.get("object") or "")
        customer_id = _id(obj.get("customer"))
        if object_type == "subscription":
            subscription_id = str(obj.get("id") or "")
            claimed = _tenant_id((obj.get("metadata") or {}).get("tenant_id"))
        elif object_type == "invoice":
            subscription_id = _invoice_subscription_id(obj)
            claimed = None
        elif object_type == "checkout.session":
            subscription_id = _id(obj.get("subscription"))
            claimed = _tenant_id(obj.get("client_reference_id"))
        else:
            subscription_id, claimed = "", None
        return EventSnapshot(
            id=str(data["id"]),
            type=str(data["type"]),
            created=_timestamp(data.get("created")) or dt.datetime.now(tz=dt.UTC),
            livemode=bool(data.get("livemode")),
            object_type=object_type,
            object_id=str(obj.get("id") or ""),
            customer_id=customer_id,
            subscription_id=subscription_id,
            claimed_tenant_id=claimed,
        )
    except (KeyError, TypeError, AttributeError):
        raise WebhookPayloadInvalid("Not a Stripe event") from None


# --- customers, checkout, portal ---------------------------------------------------------------


def customer_create(*, tenant_id: int, name: str, idempotency_key: str) -> str:
    customer = _call(
        "customer_create",
        client().v1.customers.create,
        params={"name": name, "metadata": {"tenant_id": str(tenant_id)}},
        options={"idempotency_key": idempotency_key},
    )
    return str(customer.id)


def checkout_session_create(
    *,
    customer_id: str,
    tenant_id: int,
    price_id: str,
    quantity: int,
    trial_end: dt.datetime | None,
    success_url: str,
    cancel_url: str,
    locale: str,
    idempotency_key: str,
) -> CheckoutSessionSnapshot:
    subscription_data: dict[str, Any] = {"metadata": {"tenant_id": str(tenant_id)}}
    if trial_end is not None:
        subscription_data["trial_end"] = int(trial_end.timestamp())
    session = _call(
        "checkout_session_create",
        client().v1.checkout.sessions.create,
        params={
            "mode": "subscription",
            "customer": customer_id,
            "client_reference_id": str(tenant_id),
            "line_items": [{"price": price_id, "quantity": quantity}],
            "subscription_data": subscription_data,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "locale": locale,
        },
        options={"idempotency_key": idempotency_key},
    )
    return _checkout_snapshot(_as_dict(session))


def signup_customer_create(*, signup_id: str, name: str, email: str, idempotency_key: str) -> str:
    """The Stripe customer of a self-serve sign-up, before its tenant exists."""
    customer = _call(
        "customer_create",
        client().v1.customers.create,
        params={"name": name, "email": email, "metadata": {"signup_id": signup_id}},
        options={"idempotency_key": idempotency_key},
    )
    return str(customer.id)


def signup_checkout_session_create(
    *,
    customer_id: str,
    signup_id: str,
    price_id: str,
    quantity: int,
    trial_days: int,
    success_url: str,
    cancel_url: str,
    locale: str,
    idempotency_key: str,
) -> CheckoutSessionSnapshot:
    """A Checkout session (subscription mode) for a sign-up: the sign-up's id in the session's
    metadata and client reference, and in the subscription's metadata."""
    subscription_data: dict[str, Any] = {"metadata": {"signup_id": signup_id}}
    if trial_days:
        subscription_data["trial_period_days"] = trial_days
    session = _call(
        "checkout_session_create",
        client().v1.checkout.sessions.create,
        params={
            "mode": "subscription",
            "customer": customer_id,
            "client_reference_id": f"signup_{signup_id}",
            "metadata": {"signup_id": signup_id},
            "line_items": [{"price": price_id, "quantity": quantity}],
            "subscription_data": subscription_data,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "locale": locale,
        },
        options={"idempotency_key": idempotency_key},
    )
    return _checkout_snapshot(_as_dict(session))


def checkout_session_get(session_id: str) -> CheckoutSessionSnapshot:
    session = _call("checkout_session_get", client().v1.checkout.sessions.retrieve, session_id)
    return _checkout_snapshot(_as_dict(session))


def portal_session_create(
    *, customer_id: str, return_url: str, locale: str, idempotency_key: str
) -> str:
    session = _call(
        "portal_session_create",
        client().v1.billing_portal.sessions.create,
        params={"customer": customer_id, "return_url": return_url, "locale": locale},
        options={"idempotency_key": idempotency_key},
    )
    return str(session.url)


# --- subscriptions ----------------------------------------------------------------------------


def subscriptions_for_customer(customer_id: str) -> list[SubscriptionSnapshot]:
    """Every subscription of the customer, whatever its status (canceled ones included)."""
    page = _call(
        "subscriptions_list",
        client().v1.subscriptions.list,
        params={"customer": customer_id, "status": "all", "limit": 100},
    )
    return [subscription_snapshot(_as_dict(item)) for item in page.data]


def subscription_get(subscription_id: str) -> SubscriptionSnapshot:
    subscription = _call("subscription_get", client().v1.subscriptions.retrieve, subscription_id)
    return subscription_snapshot(_as_dict(subscription))


def subscription_item_quantity_set(*, item_id: str, quantity: int, idempotency_key: str) -> int:
    item = _call(
        "subscription_item_update",
        client().v1.subscription_items.update,
        item_id,
        params={"quantity": quantity, "proration_behavior": "create_prorations"},
        options={"idempotency_key": idempotency_key},
    )
    # Only items of metered prices have no quantity; seat prices are licensed, per unit.
    assert item.quantity is not None
    return int(item.quantity)


def invoice_preview(*, customer_id: str, subscription_id: str) -> InvoicePreview:
    invoice = _call(
        "invoice_preview",
        client().v1.invoices.create_preview,
        params={"customer": customer_id, "subscription": subscription_id},
    )
    data = _as_dict(invoice)
    return InvoicePreview(
        amount_due=int(data.get("amount_due") or 0),
        currency=str(data.get("currency") or ""),
        next_payment_at=_timestamp(data.get("next_payment_attempt") or data.get("period_end")),
    )

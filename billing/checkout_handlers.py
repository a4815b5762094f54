"""Who handles a completed Checkout that belongs to no tenant yet (a self-serve sign-up).

billing receives and stores Stripe's events but must not import the apps above it (signup). The
sign-up app registers its handler in its AppConfig.ready():

    register_signup_checkout_handler(signup_checkout_completed)

The handler is called by the event's processing task (billing.services.events) with what Stripe
says now (the session and its subscription, re-fetched), and the event's id. It must be
idempotent: the same sign-up may be announced by several events (redelivery, another event type).
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from billing.stripe_client import CheckoutSessionSnapshot, SubscriptionSnapshot


class SignupCheckoutHandler(Protocol):
    def __call__(
        self,
        *,
        session: CheckoutSessionSnapshot,
        subscription: SubscriptionSnapshot | None,
        stripe_event_id: str,
    ) -> None: ...


_handlers: dict[str, SignupCheckoutHandler] = {}


def register_signup_checkout_handler(
    handler: SignupCheckoutHandler, *, name: str = "signup"
) -> None:
    known = _handlers.get(name)
    if known is not None and known is not handler:
        raise ImproperlyConfigured(f"A sign-up checkout handler {name!r} is registered twice.")
    _handlers[name] = handler


def signup_checkout_handlers() -> list[SignupCheckoutHandler]:
    return list(_handlers.values())

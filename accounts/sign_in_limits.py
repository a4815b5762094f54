"""Rate limits on successful sign-ins: per account and per SSO connection, not only per address.

A whole company signs in from one office address (its proxy or NAT): counting sign-ins per
address alone would turn the office away at the thirtieth sign-in of a minute. So:

- allauth's own limits (ACCOUNT_RATE_LIMITS in the settings) keep a generous per-address ceiling
  on sign-in attempts (`login`) and stop password guessing with *failed* attempts counted per
  address and per account (`login_failed`; a success gives its attempt back);
- this module counts *successful* sign-ins per account (every method: password, SSO, Facebook,
  so a stolen credential or a replayed assertion cannot mint sessions without end) and SSO
  sign-ins per connection and per address (an identity provider, or a client looping on its
  callback, cannot flood the site).

Counters live in the cache with allauth's sliding-window rate limiter; keys carry the tenant's
schema (django_tenants.cache.make_key), so tenants never share them. The rates are the
ACCOUNTS_SIGN_IN_RATE_LIMITS setting.
"""

from __future__ import annotations

from typing import Any

from allauth.core.internal import ratelimit
from django.conf import settings
from django.http import HttpRequest

APP = "accounts"
ACCOUNT_ACTION = "sign_in_account"
SSO_CONNECTION_ACTION = "sign_in_sso_connection"
SSO_ADDRESS_ACTION = "sign_in_sso_address"


def _rates() -> dict[str, str]:
    return dict(settings.ACCOUNTS_SIGN_IN_RATE_LIMITS)


def account_sign_in_allowed(request: HttpRequest, *, user_id: Any) -> bool:
    """Count one successful sign-in of this account; False once it signed in too often."""
    usage = ratelimit.consume(
        request,
        app=APP,
        action=ACCOUNT_ACTION,
        config=_rates(),
        key=f"user:{user_id}",
        limit_get=True,
    )
    return usage is not None


def sso_sign_in_allowed(request: HttpRequest, *, connection: str) -> bool:
    """Count one sign-in through an SSO connection (its callback reached us with an identity),
    per connection and per client address; False once either is over its rate."""
    for action, key in (
        (SSO_CONNECTION_ACTION, f"connection:{connection}"),
        (SSO_ADDRESS_ACTION, None),
    ):
        usage = ratelimit.consume(
            request, app=APP, action=action, config=_rates(), key=key, limit_get=True
        )
        if usage is None:
            return False
    return True

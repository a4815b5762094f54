"""Rate limits of the sign-up form: per client address and per e-mail, plus a generous one on the
live address check. Counters live in the cache with allauth's sliding-window limiter, as
accounts/sign_in_limits.py does; rates are settings.SIGNUP_RATE_LIMITS."""

from __future__ import annotations

import hashlib

from allauth.core.internal import ratelimit
from django.conf import settings
from django.http import HttpRequest

from tenants.client_ip import client_ip

APP = "signup"


def _rates() -> dict[str, str]:
    """The settings' rates, each counted per the key given here ("10/h" → "10/h/key")."""
    return {
        action: rate if rate.count("/") >= 2 else f"{rate}/key"
        for action, rate in settings.SIGNUP_RATE_LIMITS.items()
    }


def _consume(request: HttpRequest, action: str, key: str) -> bool:
    usage = ratelimit.consume(
        request,
        app=APP,
        action=action,
        config=_rates(),
        key=key,
        limit_get=True,
    )
    return usage is not None


def signup_ip_allowed(request: HttpRequest) -> bool:
    """Count one sign-up submission from this client address."""
    return _consume(request, "signup_ip", f"ip:{client_ip(request) or 'unknown'}")


def signup_email_allowed(request: HttpRequest, *, email: str) -> bool:
    """Count one sign-up for this e-mail (hashed: the cache holds no addresses)."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return _consume(request, "signup_email", f"email:{digest}")


def slug_check_allowed(request: HttpRequest) -> bool:
    return _consume(request, "signup_check", f"ip:{client_ip(request) or 'unknown'}")

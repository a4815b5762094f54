"""Browser-facing security headers: Content-Security-Policy (per request nonce, per tenant map
tiles) and Permissions-Policy.

The static part of the policy is the CONTENT_SECURITY_POLICY setting (django-csp); this module
adds what depends on the request: the origin of the tenant's map tile server (a Tenant field) to
img-src. django-csp builds the header anew for every answer (~0.2 ms of CPU); an answer that no
view decorator changed gets it from a cache kept per tile source, with the request's nonce
written in (docs/benchmarks.md, "Throughput"). Django's SecurityMiddleware sets nosniff,
Referrer-Policy, COOP and HSTS (production); XFrameOptionsMiddleware sets X-Frame-Options. Views
that need more (the API docs page) use django-csp's decorators; views that serve uploaded files
set their own, stricter policy, which this middleware leaves alone.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import urlsplit

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# Everything off except geolocation on the page's own origin ("near me" search). Only features
# Chromium and Firefox know: an unknown name is logged as an error in the browser console.
PERMISSIONS_POLICY = ", ".join(
    [
        "geolocation=(self)",
        "accelerometer=()",
        "autoplay=()",
        "camera=()",
        "display-capture=()",
        "encrypted-media=()",
        "fullscreen=()",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "midi=()",
        "payment=()",
        "picture-in-picture=()",
        "publickey-credentials-get=()",
        "screen-wake-lock=()",
        "serial=()",
        "usb=()",
        "xr-spatial-tracking=()",
    ]
)

_HOST_SOURCE = re.compile(r"(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*")


@functools.lru_cache(maxsize=256)
def tile_source(tile_url: str) -> str | None:
    """The CSP source that lets a Leaflet tile URL template load, or None if it is not usable.

    "https://{s}.tile.example.org/{z}/{x}/{y}.png" becomes "https://*.tile.example.org"; a
    placeholder anywhere else in the host, or a scheme other than http(s), gives None (the map
    then shows no tiles rather than widening the policy).
    """
    try:
        parts = urlsplit(tile_url.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"https", "http"} or not host:
        return None
    if host.startswith("{s}."):
        host = "*." + host[4:]
    if not _HOST_SOURCE.fullmatch(host):
        return None
    suffix = f":{port}" if port else ""
    return f"{parts.scheme}://{host}{suffix}"


# What django-csp's view decorators (csp_update, csp_replace, csp_exempt...) leave on a response;
# a response with any of them gets its policy built by django-csp.
_DECORATOR_ATTRIBUTES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
# Stands for the request's nonce in a cached policy. A nonce is base64 (letters, digits, + / =),
# so it never contains this, and the policy's own sources never do either.
_NONCE_MARK = "{{nonce}}"


@functools.lru_cache(maxsize=256)
def cached_policy(source: str | None, with_nonce: bool, report_only: bool) -> str:
    """The header django-csp builds from the settings, with `source` in img-src, and the nonce
    (when the page asked for one) as _NONCE_MARK."""
    update = {"img-src": [source]} if source is not None and not report_only else None
    return build_policy(
        update=update, nonce=_NONCE_MARK if with_nonce else None, report_only=report_only
    )


@receiver(setting_changed)
def _policy_setting_changed(setting: str, **kwargs: Any) -> None:
    if setting in {"CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY", "DEBUG"}:
        cached_policy.cache_clear()
        _policy_cacheable.cache_clear()


@functools.lru_cache(maxsize=1)
def _policy_cacheable() -> bool:
    """The cache is used unless the settings exclude URL prefixes (django-csp then decides per
    path) or DEBUG is on (django-csp then leaves Django's debug pages alone)."""
    if settings.DEBUG:
        return False
    for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        if (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES"):
            return False
    return True


def _policy_with_nonce(policy: str, nonce: str | None) -> str:
    return policy.replace(_NONCE_MARK, nonce) if nonce is not None else policy


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's middleware, plus the tenant's tile server in img-src and Permissions-Policy.

    Placed before the routing middleware so that its own answers (unknown host, bad host) carry
    the headers too; the tenant is read when the response goes out, after routing has set it.
    """

    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        source = tile_source(getattr(getattr(request, "tenant", None), "tile_url", "") or "")
        if source is not None and not report_only:
            update = dict(parts.update or {})
            update["img-src"] = [*update.get("img-src", []), source]
            parts.update = update
        return parts

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if _policy_cacheable() and not any(
            hasattr(response, name) for name in _DECORATOR_ATTRIBUTES
        ):
            self._headers_from_cache(request, response)
        else:
            response = super().process_response(request, response)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # SecurityMiddleware sets these after routing; the routing's own answers get them here.
        if settings.SECURE_CONTENT_TYPE_NOSNIFF:
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if settings.SECURE_REFERRER_POLICY:
            response.headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        return response

    def _headers_from_cache(self, request: HttpRequest, response: HttpResponseBase) -> None:
        """What CSPMiddleware.process_response does for a response no decorator changed, with
        the policy from cached_policy: the same header, byte for byte (the tests compare)."""
        nonce = getattr(request, "_csp_nonce", None)
        nonce = nonce if isinstance(nonce, str) else None
        source = tile_source(getattr(getattr(request, "tenant", None), "tile_url", "") or "")
        policy = cached_policy(source, nonce is not None, False)
        if policy and HEADER not in response:
            response[HEADER] = _policy_with_nonce(policy, nonce)
        report_only = cached_policy(None, nonce is not None, True)
        if report_only and HEADER_REPORT_ONLY not in response:
            response[HEADER_REPORT_ONLY] = _policy_with_nonce(report_only, nonce)
        if nonce is None:
            # As django-csp: a nonce asked for after the header is written is an error.
            request.csp_nonce = CheckableLazyObject(  # type: ignore[attr-defined]
                self._csp_nonce_post_response
            )

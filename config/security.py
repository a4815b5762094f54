"""Browser-facing security headers: Content-Security-Policy (per request nonce, per tenant map
tiles) and Permissions-Policy.

The static part of the policy is the CONTENT_SECURITY_POLICY setting (django-csp); this module
adds what depends on the request: the origin of the tenant's map tile server (a Tenant field) to
img-src. Django's SecurityMiddleware sets nosniff, Referrer-Policy, COOP and HSTS (production);
XFrameOptionsMiddleware sets X-Frame-Options. Views that need more (the API docs page) use
django-csp's decorators; views that serve uploaded files set their own, stricter policy, which
this middleware leaves alone.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
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
        response = super().process_response(request, response)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # SecurityMiddleware sets these after routing; the routing's own answers get them here.
        if settings.SECURE_CONTENT_TYPE_NOSNIFF:
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if settings.SECURE_REFERRER_POLICY:
            response.headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        return response

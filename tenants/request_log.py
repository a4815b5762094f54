"""One request, one id, one access line.

The request id is the ingress's X-Request-ID when it is sane, else a new one. It is echoed in the
response's X-Request-ID header, shown on error pages (a reference the visitor can quote) and added
to every log line of the request (tenants/context.py), including those of the Celery tasks the
request sends. The access line (`http.request`) replaces gunicorn's text access log, so that every
line on stdout is JSON and carries the tenant, request id and user id.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tenants.context import log_scope_enter, log_scope_exit

Handler = Callable[[HttpRequest], HttpResponse]

logger = logging.getLogger("entraide.access")

HEADER = "X-Request-ID"
# Ids of common ingresses (hex, UUIDs, AWS "Root=1-…;…" trace ids) and nothing that could
# break a log line or a header: no spaces, quotes or control characters.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:;=+/-]{0,127}")


def request_id_from(request: HttpRequest) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _route(request: HttpRequest) -> str | None:
    # The URL pattern, not the path: paths carry tokens (password reset, e-mail confirmation).
    match = getattr(request, "resolver_match", None)
    return f"/{match.route}" if match is not None and match.route else None


class RequestLogMiddleware:
    """First in the chain, so that every response and log line of the request carries the id."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = request_id_from(request)
        # An attribute of our own on Django's request (log records and error pages read it).
        request.request_id = request_id  # type: ignore[attr-defined]
        token = log_scope_enter(request_id=request_id, request=request)
        try:
            response = self.get_response(request)
            response.headers[HEADER] = request_id
            logger.info(
                "http.request",
                extra={
                    # Read by the log filter for the tenant (not printed).
                    "request": request,
                    "method": request.method,
                    "route": _route(request),
                    "status_code": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        finally:
            log_scope_exit(token)
        return response

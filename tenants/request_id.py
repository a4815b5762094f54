"""A request id for every request: the ingress's X-Request-ID when it is sane, else a new one.

It is echoed in the response's X-Request-ID header, shown on error pages (a reference the
visitor can quote) and added to every log line of the request (tenants/context.py), including
those of the Celery tasks the request sends.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tenants.context import log_scope_enter, log_scope_exit

Handler = Callable[[HttpRequest], HttpResponse]

HEADER = "X-Request-ID"
# Ids of common ingresses (hex, UUIDs, AWS "Root=1-…;…" trace ids) and nothing that could
# break a log line or a header: no spaces, quotes or control characters.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:;=+/-]{0,127}")


def request_id_from(request: HttpRequest) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in the chain, so that every response and log line of the request carries the id."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_from(request)  # type: ignore[attr-defined]
        token = log_scope_enter(request_id=request.request_id, request=request)  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            log_scope_exit(token)
        response.headers[HEADER] = request.request_id  # type: ignore[attr-defined]
        return response

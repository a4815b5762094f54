"""A signed-in person who has not accepted the latest terms of use is asked to, before the next
page they open.

Only page navigation is redirected: GET (or HEAD) requests a browser makes to show a page
(`Sec-Fetch-Mode: navigate`, or, from a browser that does not send it, an Accept header that
asks for HTML), not htmx fragments. The API, files (calendars, logos, static files), form posts,
the legal pages themselves, the acceptance page and signing out are never redirected, so the
person can read what they accept, or leave. The check costs at most one query, none once the
cache knows the latest terms and what this person accepted (tenants/legal/selectors.py).

Runs as process_view, after authentication, allauth and the admin-area MFA guard: it needs
`request.user` and the resolved URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from tenants.legal.selectors import terms_status
from tenants.routing import request_tenant

Handler = Callable[[HttpRequest], HttpResponse]

# Paths that are never pages to put a question in front of.
EXEMPT_PATH_PREFIXES = ("/api/", "/static/", "/media/", "/i18n/")
# URL names that must stay reachable: the legal pages are the "legal" namespace.
EXEMPT_NAMESPACES = frozenset({"legal"})
EXEMPT_URL_NAMES = frozenset({"account_logout", "tenant-logo", "api-schema", "api-docs"})


def is_page_navigation(request: HttpRequest) -> bool:
    """A browser asking for a page to show (not a fragment, a file or an API answer)."""
    if request.method not in {"GET", "HEAD"} or request.headers.get("HX-Request"):
        return False
    mode = request.headers.get("Sec-Fetch-Mode")
    if mode is not None:
        return mode == "navigate"
    return "text/html" in request.headers.get("Accept", "")


def _exempt(request: HttpRequest) -> bool:
    if request.path_info.startswith(EXEMPT_PATH_PREFIXES):
        return True
    match = request.resolver_match
    if match is None:
        return True
    return bool(set(match.namespaces) & EXEMPT_NAMESPACES) or match.url_name in EXEMPT_URL_NAMES


class TermsAcceptanceMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        # Cheapest first: nothing below loads the user unless the request is a page of a tenant.
        if request_tenant(request) is None or not is_page_navigation(request) or _exempt(request):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if not terms_status(user_id=user.pk).acceptance_needed:
            return None
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('legal:terms-accept')}?{query}")

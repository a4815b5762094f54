"""Error pages (400, 403 and CSRF failures, 404, 500) in the look and language of the host.

They render without the database, so that the 500 page still shows when PostgreSQL is down: the
tenant is the one the routing middleware put on the request (read from its cached route, no
query), the branding is computed from it, the language comes from the tenant and the visitor's
cookie, and the template gets an explicit context: no context processors, no session, no user.
The public host and unknown hosts get the product's neutral look.

Any path under /api/ answers the API's error shape instead, `{"detail", "code", "fields"}`, as
JSON, whatever else the path contains.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from tenants.branding import branding_for, platform_branding
from tenants.models import Tenant
from tenants.routing import request_tenant

API_PREFIX = "/api/"
TEMPLATE = "tenants/errors/page.html"


@dataclass(frozen=True)
class ErrorPage:
    status: int
    code: str
    title: Promise
    message: Promise
    # The API's detail (DRF's own wording where it has one, translated like the API's).
    api_detail: str | Promise


def _drf_detail(exception: type[exceptions.APIException]) -> str | Promise:
    """DRF's own wording for an exception (a lazy translation)."""
    detail = exception.default_detail
    return detail if isinstance(detail, str | Promise) else str(detail)


BAD_REQUEST = ErrorPage(
    400,
    "bad_request",
    _("Bad request"),
    _("The request could not be understood. Check the address, or go back and try again."),
    _drf_detail(exceptions.ParseError),
)
FORBIDDEN = ErrorPage(
    403,
    "permission_denied",
    _("Access denied"),
    _("You do not have access to this page. Sign in with another account, or ask an admin."),
    _drf_detail(exceptions.PermissionDenied),
)
CSRF_FAILED = ErrorPage(
    403,
    "csrf_failed",
    _("This form has expired"),
    _(
        "For your security the form was not sent. Go back, reload the page and send it again. "
        "If this keeps happening, allow cookies for this site."
    ),
    _("CSRF verification failed. Request aborted."),
)
NOT_FOUND = ErrorPage(
    404,
    "not_found",
    _("Page not found"),
    _("This page does not exist or is no longer available."),
    _drf_detail(exceptions.NotFound),
)
SERVER_ERROR = ErrorPage(
    500,
    "server_error",
    _("Something went wrong"),
    _("An error occurred on our side and we have been told. Please try again in a few minutes."),
    _drf_detail(exceptions.APIException),
)


SUSPENDED = ErrorPage(
    503,
    "tenant_suspended",
    _("This instance is suspended"),
    _(
        "This Entraide instance is suspended for now: its pages and services are unavailable. "
        "Accounts and data are kept, and everything will be back as it was when it is "
        "reactivated."
    ),
    _("This instance is suspended."),
)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


def request_language(request: HttpRequest) -> str:
    """The language a routed request is answered in before the locale middlewares have run: the
    tenant's (or the visitor's choice among its languages), the browser's on the public host."""
    return _language(request, request_tenant(request))


def _language(request: HttpRequest, tenant: Tenant | None) -> str:
    if tenant is not None:
        return tenant.language_for(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    return translation.get_language_from_request(request)


def error_response(
    request: HttpRequest, page: ErrorPage, *, host: str = "", contact: str = ""
) -> HttpResponse:
    tenant = request_tenant(request)
    language = _language(request, tenant)
    with translation.override(language):
        if is_api_path(request.path):
            return JsonResponse(
                {"detail": str(page.api_detail), "code": page.code, "fields": {}},
                status=page.status,
                json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
            )
        html = render_to_string(
            TEMPLATE,
            {
                "page": page,
                "branding": branding_for(tenant) if tenant is not None else platform_branding(),
                "is_tenant": tenant is not None,
                "language_code": language,
                "host": host,
                "contact": contact,
                "request_id": getattr(request, "request_id", ""),
                # django-csp's per-request nonce, when it is installed.
                "csp_nonce": str(getattr(request, "csp_nonce", "") or ""),
            },
        )
    response = HttpResponse(html, status=page.status)
    response.headers["Content-Language"] = language
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, BAD_REQUEST)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, FORBIDDEN)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, NOT_FOUND)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(request, SERVER_ERROR)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW. The reason is logged by Django (django.security.csrf), never shown."""
    return error_response(request, CSRF_FAILED)


def unknown_host(request: HttpRequest, host: str) -> HttpResponse:
    """No tenant answers at this host: a 404 in the product's look, never the public site."""
    return error_response(request, NOT_FOUND, host=host)


def tenant_suspended(request: HttpRequest) -> HttpResponse:
    """Every page and endpoint of a suspended tenant (tenants/lifecycle.py): 503 with
    Retry-After — the instance is unavailable for a while, not forbidden to this visitor, and
    crawlers keep its pages rather than dropping them — in the tenant's look and language, JSON
    in the API's error shape under /api/."""
    response = error_response(request, SUSPENDED, contact=settings.PLATFORM_SUPPORT_EMAIL)
    response.headers["Retry-After"] = str(settings.TENANT_SUSPENDED_RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response

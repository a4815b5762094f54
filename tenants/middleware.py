"""Request entry: health probes, host → tenant routing, tenant language and time zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.http.request import host_validation_re
from django.template.loader import render_to_string
from django.urls import set_urlconf
from django.utils import timezone, translation
from django.views.defaults import bad_request
from django_tenants.utils import get_public_schema_name

from tenants.routing import normalize_host, resolve_host

Handler = Callable[[HttpRequest], HttpResponse]


class HealthCheckMiddleware:
    """/healthz (process alive, no database) and /readyz (database reachable), on any host."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            try:
                connection.set_schema_to_public()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            except Exception:  # noqa: BLE001 - any failure means "not ready"
                return JsonResponse({"status": "unavailable"}, status=503)
            return JsonResponse({"status": "ok"})
        return self.get_response(request)


class TenantRoutingMiddleware:
    """Choose the schema and URLconf from the host name.

    The public host serves the public URLconf; a tenant host its tenant; any other host a 404
    page, never the public site. With TENANT_LIMIT_SET_CALLS the search_path is sent once, on the
    first query of the request.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        connection.set_schema_to_public()
        raw_host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
        if raw_host and not host_validation_re.match(raw_host.lower()):
            # NUL, control or non-ASCII bytes are no host name: never looked up (PostgreSQL
            # refuses NUL in text), answered 400 like any malformed request.
            return bad_request(request, SuspiciousOperation("invalid Host header"))
        host = normalize_host(raw_host)
        route = resolve_host(host)
        if route.kind == "public":
            request.tenant = connection.tenant
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
        elif route.kind == "tenant" and route.tenant is not None:
            tenant = route.tenant
            tenant.domain_url = host
            connection.set_tenant(tenant)
            request.tenant = tenant
            request.urlconf = settings.ROOT_URLCONF
            set_urlconf(request.urlconf)
        else:
            return HttpResponseNotFound(
                render_to_string("tenants/unknown_host.html", {"host": host})
            )
        try:
            return self.get_response(request)
        finally:
            connection.set_schema_to_public()


def request_is_public(request: HttpRequest) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is None or tenant.schema_name == get_public_schema_name()


class TenantLanguageMiddleware:
    """Language and time zone of the tenant.

    The language is the visitor's choice (cookie set by the switcher) when the tenant offers it,
    else the tenant's default; Accept-Language does not override a city's language. Runs after
    Django's LocaleMiddleware and replaces what it chose on tenant hosts.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request_is_public(request):
            return self.get_response(request)
        tenant = request.tenant
        offered = tenant.offered_languages
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "").lower()
        language = chosen if chosen in offered else tenant.default_language
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            timezone.activate(zoneinfo.ZoneInfo(tenant.timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        timezone.deactivate()
        return response

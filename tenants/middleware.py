"""Request entry: health probes, host → tenant routing, the request's language and time zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    JsonResponse,
)
from django.http.request import split_domain_port, validate_host
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.urls import set_urlconf
from django.utils import timezone, translation
from django_tenants.postgresql_backend.base import FakeTenant
from django_tenants.utils import get_public_schema_name

from tenants.cache import redis_ping
from tenants.db import connection
from tenants.error_pages import request_language, tenant_suspended, unknown_host
from tenants.metrics import (
    BAD_HOST,
    HEALTHZ,
    READYZ,
    TENANT_SUSPENDED,
    UNKNOWN_HOST,
    request_answered_by,
)
from tenants.models import Tenant
from tenants.routing import normalize_host, request_tenant, resolve_host
from tenants.tls import TLS_ASK_PATH, tls_ask

Handler = Callable[[HttpRequest], HttpResponse]


class RoutedRequest(HttpRequest):
    """A request TenantRoutingMiddleware has routed: its tenant (on the public host, the
    connection's stand-in for the public schema) and its URLconf.

    For annotations only: Django builds plain HttpRequests, the middleware sets these attributes.
    """

    tenant: Tenant | FakeTenant
    urlconf: str


class TenantRequest(RoutedRequest):
    """A request routed to a tenant: what the views of the tenant URLconf receive."""

    tenant: Tenant


class HealthCheckMiddleware:
    """/healthz (process alive, no database) and /readyz (can this process serve pages?), on any
    host; and the TLS edge's question /tls-ask (tenants/tls.py), which concerns a name given as a
    parameter, not the host it arrives on.

    Pages need PostgreSQL: without it /readyz answers 503. They no longer need Redis (routing
    from PostgreSQL, cache misses, tasks kept in the outbox), so a Redis outage is reported as
    "degraded" with a 200: every pod shares the one Redis, and taking them all out of the
    Service would turn slower pages into no pages. The body names each dependency's state, for
    the operator and the alerting.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            request_answered_by(request, HEALTHZ)
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            request_answered_by(request, READYZ)
            checks = {
                "database": "ok" if _database_answers() else "down",
                "redis": "ok" if redis_ping() else "down",
            }
            if checks["database"] != "ok":
                state, status = "unavailable", 503
            elif checks["redis"] != "ok":
                state, status = "degraded", 200
            else:
                state, status = "ok", 200
            return JsonResponse({"status": state, "checks": checks}, status=status)
        if request.path == TLS_ASK_PATH:
            return tls_ask(request)
        return self.get_response(request)


def _database_answers() -> bool:
    try:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False
    return True


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
        # The Host header only: never SERVER_NAME, which would give a request without one the
        # public site. Django's own grammar decides what is malformed (control bytes, spaces...).
        raw_host = request.META.get("HTTP_HOST", "")
        if not raw_host or not split_domain_port(raw_host)[0]:
            request_answered_by(request, BAD_HOST)
            return HttpResponseBadRequest(render_to_string("tenants/bad_host.html"))
        host = normalize_host(raw_host)
        route = resolve_host(host)
        # This is where a request becomes a routed one.
        routed = cast(RoutedRequest, request)
        if route.kind == "public":
            routed.tenant = connection.tenant
            routed.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(routed.urlconf)
        elif route.kind == "tenant" and route.tenant is not None:
            tenant = route.tenant
            tenant.domain_url = host
            if tenant.status == Tenant.Status.SUSPENDED:
                # Before sessions, users and the schema: the page needs none of them.
                routed.tenant = tenant
                request_answered_by(request, TENANT_SUSPENDED)
                return tenant_suspended(request)
            connection.set_tenant(tenant)
            routed.tenant = tenant
            if not validate_host(host, settings.ALLOWED_HOSTS):
                _vouch_for_host(request, raw_host)
            routed.urlconf = settings.ROOT_URLCONF
            set_urlconf(routed.urlconf)
        else:
            request_answered_by(request, UNKNOWN_HOST)
            return unknown_host(request, host)
        try:
            return self.get_response(request)
        finally:
            connection.set_schema_to_public()


def _vouch_for_host(request: HttpRequest, raw_host: str) -> None:
    """Let request.get_host() accept a verified custom domain this middleware routed to.

    ALLOWED_HOSTS lists the base domain and its subdomains; custom domains live in the database.
    Only a host that resolved to an active tenant through a verified Domain row gets here.
    """
    # Replaces the bound method on this one request object, on purpose.
    request.get_host = lambda: raw_host  # type: ignore[method-assign]


def request_is_public(request: HttpRequest) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is None or tenant.schema_name == get_public_schema_name()


class TenantLocaleMiddleware(LocaleMiddleware):
    """The request's language and time zone, resolved once, before anything renders.

    On a tenant host the language is the visitor's choice (the switcher's cookie) when the tenant
    offers it, else the tenant's default; Accept-Language does not override a city's language
    (`tenants.error_pages.request_language`, the rule the pages answered before this middleware
    use too). The time zone is the tenant's. On the public host, Django's LocaleMiddleware
    decides (cookie, then Accept-Language).

    It takes Django's LocaleMiddleware's place in MIDDLEWARE, so everything after it (CSRF
    failures, billing's read-only page, allauth, the views) answers in that one language, and the
    response's Content-Language names it.
    """

    def process_request(self, request: HttpRequest) -> None:
        tenant = request_tenant(request)
        if tenant is None:
            super().process_request(request)
            return
        translation.activate(request_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        try:
            timezone.activate(zoneinfo.ZoneInfo(tenant.timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response = super().process_response(request, response)
        timezone.deactivate()
        return response

"""Access follows payment, on tenant hosts.

Reads only the Tenant fields the routing cache carries (no query for a tenant in good standing).
A suspended tenant is read-only and nothing is deleted:
- residents (and visitors) can read; unsafe methods answer 403 with a read-only notice, except
  signing in and out;
- tenant admins reach only the billing page (plus signing in/out); everything else redirects there
  (the API answers 403 `tenant_suspended`).
Health probes are answered before this middleware, and the public host is never concerned. It runs
after the request's language is resolved (tenants.middleware.TenantLocaleMiddleware): its pages
are in the same language as every other page of the request.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.errors import BillingErrorCode
from billing.state import SUSPENDED, access_state
from tenants.routing import request_tenant

Handler = Callable[[HttpRequest], HttpResponse]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Reachable by everyone (any method) while suspended: signing in and out, password reset.
ALWAYS_ALLOWED_URL_NAMES = frozenset(
    {
        "account_login",
        "account_logout",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
        "account_confirm_login_code",
        "mfa_authenticate",
        "set_language",
        "tenant-logo",
    }
)
# Social sign-in callbacks (SAML ACS, OIDC, Facebook) sign people in; the sign-up step that would
# create an account stays closed.
SOCIAL_LOGIN_MODULE_PREFIX = "allauth.socialaccount"
BLOCKED_URL_NAMES = frozenset({"socialaccount_signup", "account_signup"})


class BillingAccessMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    @cached_property
    def _billing_prefix(self) -> str:
        return reverse("billing:page", urlconf=settings.ROOT_URLCONF)

    @cached_property
    def _asset_prefixes(self) -> tuple[str, ...]:
        return tuple(prefix for prefix in (settings.STATIC_URL, settings.MEDIA_URL) if prefix)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = request_tenant(request)
        if tenant is None:
            return self.get_response(request)
        if access_state(tenant, now=timezone.now()) != SUSPENDED:
            return self.get_response(request)
        return self._suspended(request)

    def _is_always_allowed(self, request: HttpRequest) -> bool:
        path = request.path_info
        if path.startswith(self._billing_prefix) or path.startswith(self._asset_prefixes):
            return True
        try:
            match = resolve(path, urlconf=getattr(request, "urlconf", None))
        except Resolver404:
            return False
        if match.url_name in BLOCKED_URL_NAMES:
            return False
        if match.url_name in ALWAYS_ALLOWED_URL_NAMES:
            return True
        module = getattr(match.func, "__module__", "") or ""
        return module.startswith(SOCIAL_LOGIN_MODULE_PREFIX)

    def _suspended(self, request: HttpRequest) -> HttpResponse:
        if self._is_always_allowed(request):
            return self.get_response(request)
        is_admin = bool(getattr(request.user, "is_tenant_admin", False))
        is_api = request.path_info.startswith("/api/")
        if is_admin and not is_api:
            return HttpResponseRedirect(self._billing_prefix)
        if request.method in SAFE_METHODS and not is_admin:
            return self.get_response(request)
        # In the request's language, already active (tenants.middleware.TenantLocaleMiddleware).
        if is_api:
            return JsonResponse(
                {
                    "detail": _("This site is read-only until its subscription is paid."),
                    "code": BillingErrorCode.TENANT_SUSPENDED.value,
                    "fields": {},
                },
                status=403,
            )
        return HttpResponse(render_to_string("billing/read_only.html", {}, request), status=403)

"""MFA for tenant admins, before any admin area.

A tenant admin (or any staff user of a tenant) without an activated second factor who asks for
an admin area is sent to set one up first. Admin areas are the path prefixes in
`ACCOUNTS_ADMIN_AREA_PREFIXES` (Django admin, the sign-in settings) and any view marked with
`accounts.middleware.admin_area`. The Django admin's own login form is replaced by allauth's on
tenant hosts, so the tenant's sign-in rules and the MFA stage apply there too.

Runs after allauth's AccountMiddleware (it needs request.user).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from accounts import policy
from tenants.middleware import request_is_public

Handler = Callable[[HttpRequest], HttpResponse]
View = TypeVar("View", bound=Callable[..., Any])

SESSION_NEXT_KEY = "accounts_mfa_setup_next"
DEFAULT_PREFIXES = ("/admin/", "/accounts/settings/")


def admin_area(view: View) -> View:
    """Mark a view as an admin area: tenant admins need MFA to open it."""
    view.entraide_admin_area = True  # type: ignore[attr-defined]
    return view


def _is_admin_path(path: str) -> bool:
    prefixes = getattr(settings, "ACCOUNTS_ADMIN_AREA_PREFIXES", DEFAULT_PREFIXES)
    return any(path.startswith(prefix) for prefix in prefixes)


def _needs_mfa(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_tenant_admin or user.is_staff)
        and not policy.user_has_mfa(user)
    )


class AdminAreaMfaMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request_is_public(request) and request.path_info == "/admin/login/":
            next_url = request.GET.get("next", "/admin/")
            if not url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                next_url = "/admin/"
            return HttpResponseRedirect(
                f"{reverse('account_login')}?{urlencode({'next': next_url})}"
            )
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request_is_public(request):
            return None
        marked = getattr(view_func, "entraide_admin_area", False) or getattr(
            getattr(view_func, "view_class", None), "entraide_admin_area", False
        )
        if not (marked or _is_admin_path(request.path_info)):
            return None
        if not _needs_mfa(getattr(request, "user", None)):
            return None
        request.session[SESSION_NEXT_KEY] = request.get_full_path()
        messages.warning(
            request,
            _(
                "Administrators protect their account with two-factor authentication. "
                "Set it up to continue."
            ),
        )
        return HttpResponseRedirect(reverse("mfa_activate_totp"))

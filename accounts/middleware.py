"""MFA for tenant admins, before any admin area.

A tenant admin (or any staff user of a tenant) without an activated second factor who asks for
an admin area is sent to set one up first. Admin areas are the path prefixes in
`ACCOUNTS_ADMIN_AREA_PREFIXES` (Django admin, the sign-in settings) and any view marked with
`accounts.middleware.admin_area`. The Django admin's own login form is replaced by allauth's on
tenant hosts, so the tenant's sign-in rules and the MFA stage apply there too.

A signed-in user who may not use the Django admin (anyone but active staff) gets the branded
403 page there at once: the admin would send them to its login page, which sends a signed-in
user back to the admin, and the browser would loop between the two until it gives up.

Runs after allauth's AccountMiddleware (it needs request.user).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
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
DJANGO_ADMIN_PREFIX = "/admin/"


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


def _refuse_signed_in_non_staff(request: HttpRequest) -> None:
    """403 for a signed-in user the Django admin would not let in (it needs active staff)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not (user.is_active and user.is_staff):
        raise PermissionDenied


class AdminAreaMfaMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request_is_public(request) and request.path_info.startswith(DJANGO_ADMIN_PREFIX):
            _refuse_signed_in_non_staff(request)
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

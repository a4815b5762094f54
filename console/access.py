"""Who reaches the console: platform staff (active staff superusers of the public schema) who
passed their second factor (a TOTP device of django-otp) in this session.

- a tenant host never routes to the console (its URLconf does not mount it) and answers 404;
- anonymous: the sign-in page (password), then the second factor;
- signed in but not staff: 403;
- staff without a confirmed device: the enrolment page, nothing else;
- staff with a device, not verified in this session: the verification page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from tenants.middleware import request_is_public
from tenants.platform_staff import confirmed_device, is_platform_staff, verified_device

View = Callable[..., HttpResponse]


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def second_factor_redirect(request: HttpRequest) -> HttpResponse:
    """Staff signed in with a password: to the enrolment or the verification page."""
    has_device = confirmed_device(request.user) is not None
    name = "console:mfa-verify" if has_device else "console:mfa-enrol"
    return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")


def console_staff_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request_is_public(request):
            raise Http404
        user = request.user
        if not user.is_authenticated:
            login = reverse("platform_admin:login")
            return redirect(f"{login}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")
        if not is_platform_staff(user):
            raise PermissionDenied
        if verified_device(request) is None:
            return second_factor_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper


def console_password_only(view: View) -> View:
    """The second-factor pages: platform staff signed in with their password."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request_is_public(request):
            raise Http404
        user = request.user
        if not user.is_authenticated:
            login = reverse("platform_admin:login")
            return redirect(f"{login}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")
        if not is_platform_staff(user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper

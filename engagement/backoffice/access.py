"""Who may open the back office: tenant admins everything, moderators the moderation part only.

Anonymous visitors are sent to sign in (and come back); anyone else signed in gets a 403 page.
A session of another tenant is nobody here (sessions live in the tenant's schema).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.permissions import Viewer, user_is_moderator, user_is_signed_in, user_is_tenant_admin


class BackofficeRole(StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"


def backoffice_role(user: Viewer) -> BackofficeRole | None:
    """The part of the back office this user may open, or None."""
    if user_is_tenant_admin(user):
        return BackofficeRole.ADMIN
    if user_is_moderator(user):
        return BackofficeRole.MODERATOR
    return None


def backoffice_page(
    *, admins_only: bool
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A back-office view: sign-in first, then the role; `admins_only` pages refuse moderators."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not user_is_signed_in(request.user):
                return redirect_to_login(request.get_full_path())
            role = backoffice_role(request.user)
            if role is None or (admins_only and role is not BackofficeRole.ADMIN):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorate

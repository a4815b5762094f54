"""Request types for views that only run for a signed-in user: `request.user` is a User.

django-stubs types `request.user` as `User | AnonymousUser`. A view behind @login_required or
LoginRequiredMixin, an admin action, or an API method behind IsAuthenticated annotates its
request with one of these instead (django-stubs' documented way), so it can hand `request.user`
to a service that takes a User. Annotations only: Django and DRF build the requests, and nothing
here checks anything; the guard does.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


class SignedInRequest(HttpRequest):
    """A page request behind @login_required or LoginRequiredMixin, or an admin action (the
    admin site serves only active staff)."""

    user: User


class SignedInApiRequest(Request):
    """An API request behind IsAuthenticated (AuthenticatedApiView, or get_permissions)."""

    user: User

"""Who may call the platform API: platform staff, with a token, on the public host only."""

from __future__ import annotations

from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from tenants.middleware import request_is_public


class IsPlatformStaff(BasePermission):
    """An active staff superuser of the public schema.

    Tokens are looked up in the schema the request runs in, so a tenant's users (and their
    tokens) never authenticate here; a tenant host does not even mount these URLs, and answers
    404 here too should one ever route to them.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not request_is_public(request):
            raise NotFound
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.is_active
            and user.is_staff
            and user.is_superuser
        )

"""The API's authentication with the tenant's API tokens (accounts.api_tokens).

`Authorization: Bearer ent_<tenant tag>_<secret>`. Refused tokens (unknown, another tenant's,
expired, revoked, or whose creator is no longer an active tenant admin) answer 401; a read-only
token on a request that writes (any method but GET, HEAD, OPTIONS) answers 403. The scope is
enforced here rather than in each view's permissions, so that no API view can forget it.

Requests carrying `Authorization: Token …` (DRF's older tokens) are left to TokenAuthentication,
which stays first in every list so that the 401 challenge API clients see does not change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from accounts.api_tokens.models import ApiToken
from accounts.api_tokens.services import api_token_authenticate
from accounts.errors import AccountsError
from accounts.errors import AccountsErrorCode as Code
from accounts.models import User
from tenants.audit.services import API_TOKEN_ATTRIBUTE

if TYPE_CHECKING:
    # For the annotation only: drf-spectacular's schema module imports DRF's views, which read
    # the authentication classes of the settings (this module) when they are defined.
    from drf_spectacular.openapi import AutoSchema

KEYWORD = b"bearer"


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: “Bearer” and one token."),
                code=Code.TOKEN_INVALID,
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                _("Invalid token."), code=Code.TOKEN_INVALID
            ) from None
        try:
            token = api_token_authenticate(raw=raw, write=request.method not in SAFE_METHODS)
        except AccountsError as error:
            if error.code == Code.TOKEN_READ_ONLY:
                raise exceptions.PermissionDenied(error.message, code=error.code) from None
            raise exceptions.AuthenticationFailed(error.message, code=error.code) from None
        # The audit trail names the token behind what this request changes.
        setattr(request._request, API_TOKEN_ATTRIBUTE, token.pk)
        return token.created_by, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How /api/schema/ describes these tokens (registered by being defined)."""

    target_class = ApiTokenAuthentication
    name = "apiTokenAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ent_<tenant tag>_<secret>",
            "description": "An API token created by a tenant admin on the back office's "
            "integrations page. It acts as that admin; a read-only token may only GET.",
        }

"""Password authentication that obeys the tenant's "SSO required" switch.

Every password check goes through here (allauth's login form, reauthentication, anything calling
`django.contrib.auth.authenticate`), so no path signs in with a password where the tenant
requires SSO — except a break-glass tenant admin with MFA, whose login then continues to the
MFA stage. It replaces both Django's ModelBackend and allauth's backend.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts import policy

logger = logging.getLogger(__name__)


class TenantAuthenticationBackend(AuthenticationBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, **credentials: Any
    ) -> Any:
        tenant = policy.current_tenant_or_none()
        if tenant is None:
            # Public schema: platform staff; allauth's tables exist only in tenant schemas.
            return ModelBackend.authenticate(
                self,
                request,
                username=credentials.get("username") or credentials.get("email"),
                password=credentials.get("password"),
            )
        user = super().authenticate(request, **credentials)
        if user is None:
            return None
        if not policy.password_login_allowed(tenant=tenant, user=user):
            logger.info("login.password_refused", extra={"reason": "sso_required"})
            return None
        return user

"""The sign-in page: the company's identity provider first.

On a tenant with SSO connections (every company programme), "Sign in with <company>" is the
main button and the password form comes second, folded (it is for people without SSO and for
break-glass admins). With `Tenant.sso_auto_redirect` and exactly one SSO connection, opening the
page sends the browser straight to the identity provider; `?password=1` shows the page instead,
so an administrator can still sign in with a password when the identity provider is down.

Sending to the identity provider on a GET is what allauth guards against by default (a page of
another site could start a sign-in): here the only identity provider reachable is the one the
tenant's admins configured, and the person still proves who they are there.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.views import LoginView as AllauthLoginView
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialApp
from django.http import HttpRequest, HttpResponse

from accounts import policy
from accounts.sso import connections
from accounts.sso.oidc import IssuerMismatch

logger = logging.getLogger(__name__)

# Shows the password form unfolded and never sends to the identity provider.
PASSWORD_PARAMETER = "password"


def sso_apps(request: HttpRequest) -> list[SocialApp]:
    """The tenant's SSO connections (SAML, OIDC) that may sign people in here."""
    apps = get_social_adapter().list_apps(request)
    return [app for app in apps if app.provider in connections.SSO_PROVIDERS]


class LoginView(AllauthLoginView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tenant = policy.current_tenant_or_none()
        if (
            tenant is not None
            and tenant.sso_auto_redirect
            and not request.GET.get(PASSWORD_PARAMETER)
            and not request.user.is_authenticated
        ):
            apps = sso_apps(request)
            if len(apps) == 1:
                try:
                    return apps[0].get_provider(request).redirect_from_request(request)
                except IssuerMismatch:
                    # A misconfigured connection: the page (and its password form) instead.
                    logger.warning("sign_in.auto_redirect_failed", extra={"provider": "oidc"})
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        apps = sso_apps(self.request)
        tenant = policy.current_tenant_or_none()
        context["sso_count"] = len(apps)
        context["company_name"] = tenant.name if tenant is not None else ""
        form = context.get("form")
        context["password_form_open"] = (
            not apps
            or bool(self.request.GET.get(PASSWORD_PARAMETER))
            or bool(form is not None and form.is_bound and form.errors)
        )
        return context


login = LoginView.as_view()

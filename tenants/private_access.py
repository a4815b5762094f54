"""Private instances (`Tenant.is_private`, the default for companies): members only.

On a private tenant every page and endpoint needs a signed-in member of this tenant (users live
in the tenant's schema, so a signed-in user here is one of its members; a session of another
tenant means nothing here). This middleware is the one place that rule is applied:

- a page asked for anonymously redirects to the sign-in page, with `next` to come back (an
  htmx request gets `HX-Redirect`, so the whole page goes there);
- the API (`/api/`, `/accounts/api/`) answers 401 in the API's error shape; a request that
  carries an API token (`Authorization: Token …` or `Bearer …`) goes on to DRF, whose
  authenticators either find a member of this tenant or answer 401 themselves
  (accounts.authentication, tenants' tokens live in the tenant's schema);
- a signed-in account that may no longer be used (deactivated) gets 403.

What stays reachable signed out is listed below, each with why. Everything else is closed,
including what a URL resolver adds later: tests/tenants/test_private_matrix.py walks the tenant
URLconf and fails on any route that answers an anonymous visitor without being listed here.

Signed links that act for a person (reminder answers, invitations to a friend's group, seat
holds, organization invitations, export downloads) are closed too: the person signs in first
(one click through the company's identity provider) and `next` brings them back to the same
link, whose token still decides what it may do. On a members-only instance a forwarded link must
not show a mission or a person to whoever holds it. The only token links left open are those a
program follows without a session (e-mail clients' one-click unsubscribe, calendar apps) or that
are public by design (certificate verification), and they show nothing of the programme.

Runs after authentication (it needs `request.user`) and before the views (process_view: the
exemptions are URL names, read from the resolved URL). Health probes and static files are
answered before routing and WhiteNoise, so never get here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tenants.routing import request_tenant

Handler = Callable[[HttpRequest], HttpResponse]

# Answered in the API's error shape ({"detail", "code", "fields"}), never redirected.
API_PATH_PREFIXES = ("/api/", "/accounts/api/")
# The schemes of the API's token authenticators: DRF decides (authenticated member, or 401).
API_TOKEN_SCHEMES = frozenset({"token", "bearer"})
# The same code DRF gives a request without credentials, so clients see one answer.
NOT_AUTHENTICATED = "not_authenticated"

# URL names reachable without signing in on a private tenant, with why.
EXEMPT_URL_NAMES: dict[str, str] = {
    # Signing in and out, and the stages of a sign-in (code by e-mail, second factor).
    "account_login": "the sign-in page itself",
    "account_logout": "signing out must always work",
    "account_confirm_login_code": "a stage of signing in",
    "mfa_authenticate": "the second-factor stage of signing in",
    "account_inactive": "shown when a deactivated account tries to sign in",
    # Sign-up: the adapters admit only SSO, invitations and allowed e-mail domains here.
    "account_signup": "sign-up (restricted by accounts.policy on private tenants)",
    "account_email_verification_sent": "shown after sign-up, before the address is confirmed",
    "account_confirm_email": "the confirmation link of a new address (its key is the proof)",
    # Password reset, which is also how an invited person chooses a password
    # (accounts.invitations).
    "account_reset_password": "asking for a password reset",
    "account_reset_password_done": "asking for a password reset",
    "account_reset_password_from_key": "the reset (and invitation) link; its key is the proof",
    "account_reset_password_from_key_done": "the end of a password reset",
    # SSO: the identity provider's round trip happens before anyone is signed in.
    "saml_login": "SSO: start of the SAML sign-in",
    "saml_acs": "SSO: the identity provider posts its SAML response here",
    "saml_finish_acs": "SSO: the end of the SAML sign-in",
    "saml_sls": "SSO: single logout from the identity provider",
    "saml_metadata": "SSO: the service provider metadata the identity provider reads",
    "openid_connect_login": "SSO: start of the OIDC sign-in",
    "openid_connect_callback": "SSO: the identity provider's OIDC callback",
    "facebook_login": "Facebook sign-in (cities only; sign-up closed on private tenants)",
    "facebook_callback": "Facebook sign-in callback",
    "facebook_login_by_token": "Facebook sign-in by token",
    "socialaccount_login_cancelled": "SSO: the sign-in was cancelled at the provider",
    "socialaccount_login_error": "SSO: the provider answered an error",
    "socialaccount_signup": "SSO: the last step of a first SSO sign-in (account creation)",
    # What the sign-in page itself shows or links to.
    "tenant-logo": "the logo on the sign-in page",
    "set_language": "the language switcher on the sign-in page",
    # Token links a program follows without a session.
    "email-unsubscribe": "one-click unsubscribe: mail clients post it without cookies",
    "saved-search-unsubscribe": "one-click unsubscribe of a saved search's alerts",
    "calendar-feed": "calendar apps have no session; the token in the address is the proof",
    "signup-handoff": "the first admin arrives from sign-up's progress page, not signed in yet: "
    "the single-use token is the proof (signup.views_tenant)",
    # Answers `Disallow: /` on a private tenant (tenants.views.robots_txt).
    "robots-txt": "crawlers read it; it tells them to stay out",
}
# Legal pages linked from the sign-in and sign-up pages: the terms and privacy policy a person
# accepts by signing up, and the notices the law wants reachable by any visitor. Not the
# acceptance page (legal:terms-accept), which is for signed-in people.
EXEMPT_NAMESPACED: dict[str, str] = {
    "legal:notice": "legal notice, reachable by any visitor",
    "legal:privacy": "the privacy policy accepted at sign-up",
    "legal:terms": "the terms of use accepted at sign-up",
    "legal:accessibility": "accessibility statement, reachable by any visitor",
    "legal:cookies": "cookie policy of the sign-in page's cookies",
}
# Paths served by other parts whose callers have no session.
EXEMPT_PATH_PREFIXES: dict[str, str] = {
    "/scim/v2/": "SCIM provisioning: the directory authenticates with its bearer token",
    "/certificats/": "public verification of a certificate (shows only what it states)",
}


def is_exempt(request: HttpRequest) -> bool:
    """Whether a request may reach its view signed out on a private tenant."""
    if request.path_info.startswith(tuple(EXEMPT_PATH_PREFIXES)):
        return True
    match = request.resolver_match
    if match is None:
        return False
    return match.url_name in EXEMPT_URL_NAMES or match.view_name in EXEMPT_NAMESPACED


def _carries_api_token(request: HttpRequest) -> bool:
    scheme = request.headers.get("Authorization", "").split(" ", 1)[0].lower()
    return scheme in API_TOKEN_SCHEMES


def _api_refusal(status: int, detail: str, code: str) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code, "fields": {}}, status=status)
    if status == 401:
        # As DRF's first authenticator (TokenAuthentication) challenges.
        response["WWW-Authenticate"] = "Token"
    return response


class PrivateInstanceMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        tenant = request_tenant(request)
        if tenant is None or not tenant.is_private:
            return None
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in and getattr(user, "is_active", False):
            return None
        if is_exempt(request):
            return None
        is_api = request.path_info.startswith(API_PATH_PREFIXES)
        if signed_in:
            if is_api:
                return _api_refusal(
                    403, _("This account can no longer be used here."), "permission_denied"
                )
            # The branded 403 page (handler403).
            raise PermissionDenied
        if is_api:
            if _carries_api_token(request):
                return None
            return _api_refusal(
                401,
                _("Sign in to use this site: it is open to its members only."),
                NOT_AUTHENTICATED,
            )
        query = urlencode({"next": request.get_full_path()})
        sign_in = f"{reverse('account_login')}?{query}"
        if request.headers.get("HX-Request"):
            # An htmx fragment (a session that expired mid-page): the whole page goes to the
            # sign-in page, rather than the sign-in page being swapped into a fragment.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = sign_in
            return response
        return HttpResponseRedirect(sign_in)

"""Strict OpenID Connect on top of allauth's provider.

- The discovery document must name exactly the issuer the tenant admin configured (OIDC
  Discovery §4.3), before anything (client secret included) is sent to its endpoints.
- An ID token is required and its signature is always checked against the provider's JWKS
  (allauth skips the check for tokens fetched over the back channel, which the spec allows).
- PKCE (S256) is always on (`connections.OIDC_ENFORCED`).
"""

from __future__ import annotations

from typing import Any

import jwt
from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp, SocialToken
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404, HttpRequest, HttpResponse

from accounts.errors import AccountsErrorCode as Code
from accounts.sso.refusal import sign_in_refused

ISSUER_MISMATCH = "issuer_mismatch"
# ID tokens must be signed with the provider's private key: no "none", no shared-secret HMAC.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)


def issuer_normalize(value: str) -> str:
    """The issuer an admin typed: without the discovery suffix or a trailing slash."""
    value = value.strip()
    suffix = "/.well-known/openid-configuration"
    if value.endswith(suffix):
        value = value[: -len(suffix)]
    return value.rstrip("/")


class IssuerMismatch(OAuth2Error):
    pass


class StrictOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    @property
    def openid_config(self) -> dict[str, Any]:
        if not hasattr(self, "_openid_config"):
            config = super().openid_config
            expected = issuer_normalize(self.get_provider().app.settings.get("server_url", ""))
            if issuer_normalize(str(config.get("issuer", ""))) != expected:
                del self._openid_config
                raise IssuerMismatch(ISSUER_MISMATCH)
        return self._openid_config

    def complete_login(
        self, request: HttpRequest, app: SocialApp, token: SocialToken, **kwargs: Any
    ) -> Any:
        if not kwargs["response"].get("id_token"):
            raise OAuth2Error("id_token missing")
        return super().complete_login(request, app, token, **kwargs)

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict[str, Any]:
        """Signature (JWKS), issuer, audience, expiry and replay (jti) of the ID token."""
        try:
            header = jwt.get_unverified_header(id_token)
            algorithm = header.get("alg", "")
            if algorithm not in ASYMMETRIC_ALGORITHMS:
                raise OAuth2Error(f"ID token algorithm {algorithm!r} refused")
            key = self._signing_key(header.get("kid"))
            data = jwt.decode(
                id_token,
                key=key,
                algorithms=[algorithm],
                issuer=self.openid_config["issuer"],
                audience=app.client_id,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise OAuth2Error("Invalid id_token") from error
        jwtkit.verify_jti(data)
        return data

    def _signing_key(self, kid: str | None) -> Any:
        """The provider's key for this token: by `kid`, or its only signing key if none given."""
        with get_adapter().get_requests_session() as session:
            response = session.get(self.openid_config["jwks_uri"])
            response.raise_for_status()
            keys = [
                key
                for key in response.json().get("keys", [])
                if key.get("use", "sig") == "sig" and (kid is None or key.get("kid") == kid)
            ]
        if len(keys) != 1:
            raise OAuth2Error("No single matching signing key in the provider's JWKS")
        return jwt.PyJWK(keys[0]).key


class StrictOpenIDConnectProvider(OpenIDConnectProvider):
    """Registered in place of allauth's (SOCIALACCOUNT_PROVIDERS["openid_connect"])."""

    oauth2_adapter_class = StrictOpenIDConnectAdapter
    # allauth builds a provider's URLs from its package: they stay allauth's (the login and
    # callback views are replaced in accounts/urls.py).
    package = "allauth.socialaccount.providers.openid_connect"


def _run(request: HttpRequest, view_class: Any, provider_id: str) -> HttpResponse:
    try:
        view = view_class.adapter_view(StrictOpenIDConnectAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
    except IssuerMismatch:
        # Raised while allauth builds its OAuth client, outside its own error handling.
        return sign_in_refused(request, code=Code.OIDC_ISSUER_MISMATCH, status=401)


@login_not_required
def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    return _run(request, OAuth2LoginView, provider_id)


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    return _run(request, OAuth2CallbackView, provider_id)

"""The tenant's identity provider connections as allauth sees them.

Stored (SocialApp rows, tenant schema):
- secrets under `settings["secret_encrypted"]` and SAML's SP private key under
  `settings["advanced"]["private_key_encrypted"]` — never in the plaintext `secret` column;
- `settings["allowed_email_domains"]`: what an SSO connection may vouch for.

Read (`app_hydrate`): a copy with the secrets decrypted and the security settings forced, so no
stored value (or admin edit) can loosen them.
"""

from __future__ import annotations

import copy
import ipaddress
import logging
import socket
from typing import Any
from urllib.parse import urlparse

import requests
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.crypto import SecretDecryptionError, is_encrypted, secret_decrypt
from accounts.policy import domains_normalize

logger = logging.getLogger(__name__)

SAML = "saml"
OIDC = "openid_connect"
FACEBOOK = "facebook"
# The OpenID Connect connection of a tenant: /accounts/oidc/sso/login/callback/.
OIDC_PROVIDER_ID = "sso"
SSO_PROVIDERS = frozenset({SAML, OIDC})

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"

# Applied to every SAML connection whatever is stored: signed responses *and* assertions,
# SHA-256, audience/recipient/destination/time checks (strict), no IdP-initiated login.
SAML_ENFORCED = {
    "strict": True,
    "want_message_signed": True,
    "want_assertion_signed": True,
    "reject_deprecated_algorithm": True,
    "reject_idp_initiated_sso": True,
    "signature_algorithm": RSA_SHA256,
    "digest_algorithm": SHA256,
    "allow_single_label_domains": False,
    "want_attribute_statement": False,
}
OIDC_ENFORCED = {
    "oauth_pkce_enabled": True,
    "fetch_userinfo": True,
}

MAX_METADATA_BYTES = 512 * 1024


def app_provider_key(app: SocialApp) -> str:
    """What SocialAccount.provider holds for accounts of this app."""
    return app.provider_id or app.provider


def app_allowed_domains(app: SocialApp) -> list[str]:
    return domains_normalize(app.settings.get("allowed_email_domains") or [])


def app_hydrate(app: SocialApp) -> SocialApp:
    """An in-memory copy of `app` that allauth can use: secrets decrypted, strict settings."""
    hydrated = copy.copy(app)
    hydrated.settings = copy.deepcopy(app.settings or {})
    hydrated_settings: dict[str, Any] = hydrated.settings
    encrypted_secret = hydrated_settings.pop("secret_encrypted", "")
    if encrypted_secret:
        hydrated.secret = _decrypt_or_blank(encrypted_secret, app=app, field="secret")
    elif app.secret:
        # A plaintext secret in the column is refused: it can only come from outside our services.
        logger.error("sso.secret.plaintext_refused", extra={"app_id": app.pk})
        hydrated.secret = ""
    domains = app_allowed_domains(app)
    if app.provider in SSO_PROVIDERS:
        # The company's identity provider is trusted for its own domains, and only for them.
        hydrated_settings["verified_email"] = domains
        hydrated_settings["email_authentication"] = bool(domains)
    else:
        hydrated_settings["verified_email"] = False
        hydrated_settings["email_authentication"] = False
    if app.provider == SAML:
        advanced = dict(hydrated_settings.get("advanced") or {})
        encrypted_key = advanced.pop("private_key_encrypted", "")
        advanced.pop("private_key", None)
        if encrypted_key:
            advanced["private_key"] = _decrypt_or_blank(encrypted_key, app=app, field="key")
        advanced.update(SAML_ENFORCED)
        advanced["authn_request_signed"] = bool(advanced.get("private_key"))
        hydrated_settings["advanced"] = advanced
        idp = dict(hydrated_settings.get("idp") or {})
        # Metadata is fetched when the admin saves (or refreshes), never during a login.
        idp.pop("metadata_url", None)
        hydrated_settings["idp"] = idp
    elif app.provider == OIDC:
        hydrated_settings.update(OIDC_ENFORCED)
    return hydrated


def _decrypt_or_blank(value: str, *, app: SocialApp, field: str) -> str:
    if not is_encrypted(value):
        logger.error("sso.secret.not_encrypted", extra={"app_id": app.pk, "field": field})
        return ""
    try:
        return secret_decrypt(value)
    except SecretDecryptionError:
        logger.error("sso.secret.undecryptable", extra={"app_id": app.pk, "field": field})
        return ""


def saml_urls(request: HttpRequest, organization_slug: str) -> dict[str, str]:
    """What the company's IT enters in its identity provider."""

    def absolute(name: str) -> str:
        return request.build_absolute_uri(
            reverse(name, kwargs={"organization_slug": organization_slug})
        )

    return {
        "entity_id": absolute("saml_metadata"),
        "metadata_url": absolute("saml_metadata"),
        "acs_url": absolute("saml_acs"),
        "login_url": absolute("saml_login"),
    }


def oidc_urls(request: HttpRequest) -> dict[str, str]:
    return {
        "callback_url": request.build_absolute_uri(
            reverse("openid_connect_callback", kwargs={"provider_id": OIDC_PROVIDER_ID})
        ),
        "login_url": request.build_absolute_uri(
            reverse("openid_connect_login", kwargs={"provider_id": OIDC_PROVIDER_ID})
        ),
    }


def facebook_urls(request: HttpRequest) -> dict[str, str]:
    return {"callback_url": request.build_absolute_uri(reverse("facebook_callback"))}


def outbound_url_check(url: str) -> str:
    """An address our server may fetch on a tenant admin's behalf (metadata, OIDC discovery).

    HTTPS only, and no private, loopback or link-local address, unless
    ACCOUNTS_SSO_ALLOW_PRIVATE_URLS (local and test settings, where the providers are loopback).
    """
    allow_private = getattr(settings, "ACCOUNTS_SSO_ALLOW_PRIVATE_URLS", False)
    parsed = urlparse(url.strip())
    if parsed.scheme not in ({"https", "http"} if allow_private else {"https"}):
        raise ValidationError(_("Use an https:// address."), code="url_scheme")
    if not parsed.hostname:
        raise ValidationError(_("Enter a complete address."), code="url_invalid")
    if not allow_private:
        try:
            infos = socket.getaddrinfo(parsed.hostname, parsed.port or 443)
        except OSError as error:
            raise ValidationError(
                _("This host name does not resolve."), code="url_unresolved"
            ) from error
        for info in infos:
            address = ipaddress.ip_address(info[4][0])
            if not address.is_global:
                raise ValidationError(
                    _("This address points to a private network."), code="url_private"
                )
    return url.strip()


def outbound_get(url: str, *, accept: str) -> requests.Response:
    """GET a checked URL with a short timeout, no redirects and a size limit."""
    url = outbound_url_check(url)
    try:
        response = requests.get(
            url,
            headers={"Accept": accept},
            timeout=getattr(settings, "ACCOUNTS_SSO_FETCH_TIMEOUT_SECONDS", 10),
            allow_redirects=False,
            stream=True,
        )
        content = response.raw.read(MAX_METADATA_BYTES + 1, decode_content=True)
    except requests.RequestException as error:
        raise ValidationError(
            _("The address could not be reached (%(error)s).")
            % {"error": error.__class__.__name__},
            code="url_unreachable",
        ) from error
    if len(content) > MAX_METADATA_BYTES:
        raise ValidationError(_("The document is too large."), code="url_too_large")
    if response.status_code != 200:
        raise ValidationError(
            _("The address answered HTTP %(status)s.") % {"status": response.status_code},
            code="url_status",
        )
    response._content = content
    return response

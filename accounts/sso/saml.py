"""Strict SAML 2.0: allauth's ACS flow plus replay refusal and clear refusal pages.

python3-saml (through allauth, with `connections.SAML_ENFORCED`) checks the signatures of the
response and of the assertion, SHA-256, audience, recipient, destination and validity window.
On top of that this module refuses:
- IdP-initiated logins (no InResponseTo), and answers to a request this browser did not make;
- a replayed assertion or response (their IDs are remembered in the tenant's cache until they
  expire).
"""

from __future__ import annotations

import binascii
import datetime as dt
import logging
import time

from allauth.account.internal.decorators import login_not_required
from allauth.core.internal import httpkit
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.internal import statekit
from allauth.socialaccount.providers.saml.utils import build_auth, get_app_or_404
from allauth.socialaccount.sessions import LoginSession
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.errors import OneLogin_Saml2_Error
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from accounts.errors import AccountsErrorCode as Code
from accounts.sso.refusal import sign_in_refused

logger = logging.getLogger(__name__)

# Kept at least this long even if the assertion claims a shorter life (clock drift allowance).
REPLAY_MIN_SECONDS = OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT * 2


def _replay_key(organization_slug: str, kind: str, identifier: str) -> str:
    return f"sso:saml:seen:{organization_slug}:{kind}:{identifier}"


def _remember_once(organization_slug: str, auth: object) -> bool:
    """True the first time this response/assertion is seen; False for a replay."""
    not_on_or_after = auth.get_last_assertion_not_on_or_after()  # type: ignore[attr-defined]
    ttl = REPLAY_MIN_SECONDS
    if not_on_or_after:
        ttl = max(ttl, int(not_on_or_after - time.time()) + REPLAY_MIN_SECONDS)
    identifiers = [
        ("assertion", auth.get_last_assertion_id()),  # type: ignore[attr-defined]
        ("response", auth.get_last_message_id()),  # type: ignore[attr-defined]
    ]
    first_time = True
    for kind, identifier in identifiers:
        if not identifier:
            continue
        if not cache.add(_replay_key(organization_slug, kind, identifier), 1, timeout=ttl):
            first_time = False
    return first_time


@method_decorator(login_not_required, name="dispatch")
class StrictFinishACSView(View):
    """Replaces allauth's `saml_finish_acs` (same URL, same name)."""

    def dispatch(self, request: HttpRequest, organization_slug: str) -> HttpResponse:
        app = get_app_or_404(request, organization_slug)
        provider = app.get_provider(request)
        acs_session = LoginSession(request, "saml_acs_session", "saml-acs-session")
        acs_request_data = acs_session.store.get("request")
        acs_request = (
            httpkit.deserialize_request(acs_request_data, HttpRequest())
            if acs_request_data
            else None
        )
        acs_session.delete()
        if acs_request is None:
            return sign_in_refused(
                request, code=Code.SAML_SESSION_MISSING, provider=provider, status=400
            )

        auth = build_auth(acs_request, provider)
        errors: list[str] = []
        reason = ""
        try:
            # InResponseTo is matched below against the state this browser stashed.
            auth.process_response(request_id=None)
        except binascii.Error:
            errors, reason = ["invalid_response"], "base64"
        except OneLogin_Saml2_Error as error:
            errors, reason = ["error"], str(error)
        if not errors:
            errors = auth.get_errors()
        if errors:
            return sign_in_refused(
                request,
                code=Code.SAML_INVALID_RESPONSE,
                provider=provider,
                status=401,
                log_extra={
                    "errors": ",".join(errors),
                    "reason": (auth.get_last_error_reason() or reason)[:300],
                },
            )
        if not auth.is_authenticated():
            return sign_in_refused(
                request, code=Code.SAML_INVALID_RESPONSE, provider=provider, status=401
            )
        if not _remember_once(organization_slug, auth):
            return sign_in_refused(request, code=Code.SAML_REPLAYED, provider=provider, status=401)
        state_id = auth.get_last_response_in_response_to()
        if not state_id:
            return sign_in_refused(
                request, code=Code.SAML_IDP_INITIATED, provider=provider, status=401
            )
        state = statekit.unstash_state(request, provider_id=provider.sub_id, state_id=state_id)
        if state is None:
            return sign_in_refused(request, code=Code.STATE_MISMATCH, provider=provider, status=401)
        login = provider.sociallogin_from_response(request, auth)
        login.state = state
        return complete_social_login(request, login)


finish_acs = StrictFinishACSView.as_view()


def idp_metadata_parse(xml: str, *, entity_id: str | None = None) -> dict[str, str]:
    """entity_id, sso_url and x509cert of the IdP described by a metadata document.

    Raises ValueError when the document is not usable (no entity, no redirect SSO endpoint, no
    signing certificate).
    """
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(xml, entity_id=entity_id or None)
    except Exception as error:  # noqa: BLE001 - lxml/defusedxml raise many types
        raise ValueError(f"unreadable metadata ({error.__class__.__name__})") from error
    idp = parsed.get("idp") or {}
    entity = idp.get("entityId")
    sso_url = (idp.get("singleSignOnService") or {}).get("url")
    certificate = idp.get("x509cert") or next(
        iter((idp.get("x509certMulti") or {}).get("signing") or []), None
    )
    if not entity:
        raise ValueError("no IdP entity")
    if not sso_url:
        raise ValueError("no HTTP-Redirect single sign-on endpoint")
    if not certificate:
        raise ValueError("no signing certificate")
    return {"entity_id": entity, "sso_url": sso_url, "x509cert": certificate}


def certificate_normalize(pem_or_base64: str) -> str:
    """The base64 body of a certificate (PEM armour and blanks removed); ValueError if invalid."""
    body = "".join(
        line.strip()
        for line in pem_or_base64.strip().splitlines()
        if line.strip() and not line.startswith("-----")
    )
    pem = "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n"
    try:
        x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeError) as error:
        raise ValueError("not an X.509 certificate") from error
    return body


def certificate_fingerprint(pem_or_base64: str) -> str:
    body = certificate_normalize(pem_or_base64)
    pem = "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n"
    certificate = x509.load_pem_x509_certificate(pem.encode("ascii"))
    digest = certificate.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[index : index + 2] for index in range(0, len(digest), 2))


def sp_keypair_generate(*, common_name: str, years: int = 10) -> tuple[str, str]:
    """A fresh RSA-2048 key and self-signed certificate for the service provider (PEM, PEM).

    Signs our AuthnRequests; the certificate is published in our SP metadata.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return key_pem, cert_pem

"""Writes on the tenant's identity provider connections (its SocialApps), by its admins.

Secrets are encrypted before they are stored (accounts.crypto); a blank secret on an update
keeps the stored one. SAML and OIDC need the "sso" entitlement; Facebook is for cities. Every
change leaves an audit event without any secret in it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts.crypto import secret_encrypt
from accounts.errors import AccountsError
from accounts.errors import AccountsErrorCode as Code
from accounts.models import User
from accounts.services import _audit, email_domains_clean
from accounts.sso import connections
from accounts.sso.oidc import issuer_normalize
from accounts.sso.profile_attributes import MAX_NAMES_PER_KEY, profile_attributes_clean
from accounts.sso.saml import certificate_normalize, idp_metadata_parse, sp_keypair_generate
from billing.entitlements import entitlement_has
from tenants.context import current_schema_name
from tenants.models import Tenant

logger = logging.getLogger(__name__)

ATTRIBUTE_KEYS = ("uid", "email", "first_name", "last_name")
MAX_ATTRIBUTE_NAMES = 5


def _require_admin(actor: User) -> None:
    if not actor.is_tenant_admin:
        raise AccountsError(_("Only tenant administrators."), code=Code.FORBIDDEN)


def _require_sso(tenant: Tenant) -> None:
    if not entitlement_has(tenant, "sso"):
        raise AccountsError(
            _("Your plan does not include single sign-on."), code=Code.SSO_NOT_ENTITLED
        )


def _lock(provider: str) -> None:
    """One writer per tenant and provider, so a connection is never created twice."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"{current_schema_name()}:socialapp:{provider}"],
        )


def _existing(provider: str) -> SocialApp | None:
    return SocialApp.objects.select_for_update().filter(provider=provider).order_by("id").first()


def _sso_domains(domains: Sequence[str]) -> list[str]:
    cleaned = email_domains_clean(domains)
    if not cleaned:
        raise AccountsError(
            _("List at least one e-mail domain this connection may admit."),
            code=Code.EMAIL_DOMAIN_NOT_ALLOWED,
            field="allowed_email_domains",
        )
    return cleaned


def _browser_url(url: str, *, field: str) -> str:
    parsed = urlparse(url.strip())
    schemes = {"https", "http"} if settings.ACCOUNTS_SSO_ALLOW_PRIVATE_URLS else {"https"}
    if parsed.scheme not in schemes or not parsed.hostname:
        raise AccountsError(
            _("Use a complete https:// address."), code=Code.METADATA_INVALID, field=field
        )
    return url.strip()


def _save(app: SocialApp) -> SocialApp:
    app.full_clean(exclude=["secret"])
    app.save()
    return app


def saml_connection_save(
    *,
    tenant: Tenant,
    actor: User,
    name: str,
    allowed_email_domains: Sequence[str],
    attribute_mapping: Mapping[str, Sequence[str]],
    metadata_url: str = "",
    metadata_xml: str = "",
    idp_entity_id: str = "",
    idp_sso_url: str = "",
    idp_certificate: str = "",
    profile_attributes: Mapping[str, Sequence[str]] | None = None,
) -> SocialApp:
    """Create or update the tenant's SAML connection.

    The IdP is described by its metadata (URL fetched now, or XML pasted) or by entity id, SSO URL
    and signing certificate. Our own SP key pair (it signs AuthnRequests) is created once.
    The metadata is fetched before the transaction opens.
    """
    _require_admin(actor)
    _require_sso(tenant)
    domains = _sso_domains(allowed_email_domains)
    mapping = _attribute_mapping_clean(attribute_mapping)
    profile_mapping = _profile_attributes_clean(profile_attributes)
    idp = _idp_resolve(
        metadata_url=metadata_url.strip(),
        metadata_xml=metadata_xml.strip(),
        entity_id=idp_entity_id.strip(),
        sso_url=idp_sso_url.strip(),
        certificate=idp_certificate.strip(),
    )
    with transaction.atomic():
        _lock(connections.SAML)
        app = _existing(connections.SAML)
        created = app is None
        kept_profile = (app.settings or {}).get("profile_attributes") if app is not None else None
        if app is None:
            key_pem, cert_pem = sp_keypair_generate(common_name=f"{tenant.slug} Entraide SP")
            app = SocialApp(provider=connections.SAML, client_id=tenant.slug)
            advanced = {"x509cert": cert_pem, "private_key_encrypted": secret_encrypt(key_pem)}
        else:
            advanced = dict((app.settings or {}).get("advanced") or {})
        app.name = (name.strip() or tenant.name)[:40]
        app.client_id = tenant.slug
        app.secret = ""
        app.settings = {
            "idp": idp,
            "metadata_url": metadata_url.strip(),
            "attribute_mapping": mapping,
            "allowed_email_domains": domains,
            "advanced": advanced,
        }
        _profile_attributes_store(app, profile_mapping, kept=kept_profile)
        _save(app)
        _audit(
            actor=actor,
            action="sso.saml.created" if created else "sso.saml.updated",
            target=app,
            data={"idp_entity_id": idp["entity_id"], "allowed_email_domains": domains},
        )
    logger.info("sso.saml.saved", extra={"app_id": app.pk, "created": created})
    return app


def _attribute_mapping_clean(mapping: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    cleaned: dict[str, list[str]] = {}
    for key in ATTRIBUTE_KEYS:
        names = [name.strip() for name in mapping.get(key, []) if name and name.strip()]
        if len(names) > MAX_ATTRIBUTE_NAMES or any(len(name) > 200 for name in names):
            raise AccountsError(
                _("Too many or too long attribute names."),
                code=Code.METADATA_INVALID,
                field=f"attribute_{key}",
            )
        if names:
            cleaned[key] = list(dict.fromkeys(names))
    if "email" not in cleaned:
        raise AccountsError(
            _("Name the attribute that carries the e-mail address."),
            code=Code.METADATA_INVALID,
            field="attribute_email",
        )
    return cleaned


def _profile_attributes_clean(
    mapping: Mapping[str, Sequence[str]] | None,
) -> dict[str, list[str]] | None:
    if mapping is None:
        return None
    try:
        return profile_attributes_clean(mapping)
    except ValueError:
        raise AccountsError(
            _("Name known profile fields, with at most %(count)d short attribute names each.")
            % {"count": MAX_NAMES_PER_KEY},
            code=Code.INVALID,
            field="profile_attributes",
        ) from None


def _profile_attributes_store(
    app: SocialApp, mapping: dict[str, list[str]] | None, *, kept: Any
) -> None:
    """The connection's profile attributes: those given, else those it had (else defaults)."""
    value = mapping if mapping is not None else kept
    if value is not None:
        app.settings["profile_attributes"] = value


def _idp_resolve(
    *, metadata_url: str, metadata_xml: str, entity_id: str, sso_url: str, certificate: str
) -> dict[str, str]:
    if metadata_url:
        try:
            response = connections.outbound_get(
                metadata_url, accept="application/samlmetadata+xml, application/xml, text/xml"
            )
        except ValidationError as error:
            raise AccountsError(
                " ".join(error.messages), code=Code.METADATA_INVALID, field="metadata_url"
            ) from None
        metadata_xml = response.content.decode("utf-8", errors="replace")
    if metadata_xml:
        try:
            return idp_metadata_parse(metadata_xml, entity_id=entity_id or None)
        except ValueError as error:
            raise AccountsError(
                _("The IdP metadata cannot be used: %(reason)s.") % {"reason": error},
                code=Code.METADATA_INVALID,
                field="metadata_url" if metadata_url else "metadata_xml",
            ) from None
    if not (entity_id and sso_url and certificate):
        raise AccountsError(
            _("Give the IdP metadata (URL or XML), or its entity ID, SSO URL and certificate."),
            code=Code.METADATA_INVALID,
            field="metadata_url",
        )
    try:
        body = certificate_normalize(certificate)
    except ValueError:
        raise AccountsError(
            _("This is not an X.509 certificate."),
            code=Code.METADATA_INVALID,
            field="idp_certificate",
        ) from None
    return {
        "entity_id": entity_id,
        "sso_url": _browser_url(sso_url, field="idp_sso_url"),
        "x509cert": body,
    }


def oidc_connection_save(
    *,
    tenant: Tenant,
    actor: User,
    name: str,
    issuer: str,
    client_id: str,
    client_secret: str | None,
    allowed_email_domains: Sequence[str],
    profile_attributes: Mapping[str, Sequence[str]] | None = None,
) -> SocialApp:
    """Create or update the tenant's OpenID Connect connection.

    The issuer's discovery document is fetched now: it must exist and name exactly that issuer.
    A blank `client_secret` on an update keeps the stored one. Discovery runs before the
    transaction opens.
    """
    _require_admin(actor)
    _require_sso(tenant)
    domains = _sso_domains(allowed_email_domains)
    profile_mapping = _profile_attributes_clean(profile_attributes)
    discovered_issuer = _discover(issuer)
    if not client_id.strip():
        raise AccountsError(_("The client ID is required."), code=Code.INVALID, field="client_id")
    with transaction.atomic():
        _lock(connections.OIDC)
        app = _existing(connections.OIDC)
        created = app is None
        previous = dict(app.settings or {}) if app is not None else {}
        if not client_secret and not previous.get("secret_encrypted"):
            raise AccountsError(
                _("The client secret is required."), code=Code.INVALID, field="client_secret"
            )
        if app is None:
            app = SocialApp(provider=connections.OIDC, provider_id=connections.OIDC_PROVIDER_ID)
        app.name = (name.strip() or tenant.name)[:40]
        app.client_id = client_id.strip()
        app.secret = ""
        app.settings = {
            "server_url": discovered_issuer,
            "secret_encrypted": secret_encrypt(client_secret)
            if client_secret
            else previous["secret_encrypted"],
            "allowed_email_domains": domains,
        }
        _profile_attributes_store(app, profile_mapping, kept=previous.get("profile_attributes"))
        _save(app)
        _audit(
            actor=actor,
            action="sso.oidc.created" if created else "sso.oidc.updated",
            target=app,
            data={
                "issuer": discovered_issuer,
                "secret_changed": bool(client_secret),
                "allowed_email_domains": domains,
            },
        )
    logger.info("sso.oidc.saved", extra={"app_id": app.pk, "created": created})
    return app


def _discover(issuer: str) -> str:
    expected = issuer_normalize(issuer)
    try:
        response = connections.outbound_get(
            expected + "/.well-known/openid-configuration", accept="application/json"
        )
        document = response.json()
    except ValidationError as error:
        raise AccountsError(
            " ".join(error.messages), code=Code.DISCOVERY_INVALID, field="issuer"
        ) from None
    except ValueError:
        raise AccountsError(
            _("The discovery document is not JSON."), code=Code.DISCOVERY_INVALID, field="issuer"
        ) from None
    if not isinstance(document, dict):
        raise AccountsError(
            _("The discovery document is not valid."), code=Code.DISCOVERY_INVALID, field="issuer"
        )
    discovered = str(document.get("issuer", ""))
    if issuer_normalize(discovered) != expected:
        raise AccountsError(
            _("The provider calls itself “%(found)s”, not “%(expected)s”.")
            % {"found": discovered[:200], "expected": expected},
            code=Code.OIDC_ISSUER_MISMATCH,
            field="issuer",
        )
    missing = [
        key
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")
        if not document.get(key)
    ]
    if missing:
        raise AccountsError(
            _("The discovery document lacks: %(keys)s.") % {"keys": ", ".join(missing)},
            code=Code.DISCOVERY_INVALID,
            field="issuer",
        )
    return issuer_normalize(discovered)


@transaction.atomic
def facebook_app_save(
    *, tenant: Tenant, actor: User, app_id: str, app_secret: str | None
) -> SocialApp:
    """Create or update the city's Facebook app (a blank secret on update keeps the stored one)."""
    _require_admin(actor)
    if tenant.kind != "city":
        raise AccountsError(
            _("Facebook sign-in is offered to city residents only."),
            code=Code.PROVIDER_NOT_ALLOWED,
        )
    app_id = app_id.strip()
    if not app_id.isdigit() or len(app_id) > 32:
        raise AccountsError(_("A Facebook app ID is a number."), code=Code.INVALID, field="app_id")
    _lock(connections.FACEBOOK)
    app = _existing(connections.FACEBOOK)
    created = app is None
    previous = dict(app.settings or {}) if app is not None else {}
    if not app_secret and not previous.get("secret_encrypted"):
        raise AccountsError(_("The app secret is required."), code=Code.INVALID, field="app_secret")
    if app is None:
        app = SocialApp(provider=connections.FACEBOOK)
    app.name = "Facebook"
    app.client_id = app_id
    app.secret = ""
    app.settings = {
        "secret_encrypted": secret_encrypt(app_secret)
        if app_secret
        else previous["secret_encrypted"]
    }
    _save(app)
    _audit(
        actor=actor,
        action="sso.facebook.created" if created else "sso.facebook.updated",
        target=app,
        data={"app_id": app_id, "secret_changed": bool(app_secret)},
    )
    return app


@transaction.atomic
def connection_delete(*, tenant: Tenant, actor: User, provider: str) -> None:
    """Remove a connection. The last SSO connection cannot go while SSO is required."""
    _require_admin(actor)
    _lock(provider)
    app = _existing(provider)
    if app is None:
        return
    if provider in connections.SSO_PROVIDERS:
        others = SocialApp.objects.filter(provider__in=connections.SSO_PROVIDERS).exclude(pk=app.pk)
        required = Tenant.objects.filter(pk=tenant.pk, sso_required=True).exists()
        if required and not others.exists():
            raise AccountsError(
                _("Turn “SSO required” off before removing the last SSO connection."),
                code=Code.SSO_CONNECTION_MISSING,
            )
    app_id = app.pk
    _audit(actor=actor, action=f"sso.{provider}.deleted", target=app, data={})
    app.delete()
    logger.info("sso.connection.deleted", extra={"app_id": app_id, "provider": provider})

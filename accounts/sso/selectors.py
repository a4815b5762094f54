"""Reads on the tenant's identity provider connections (for the settings pages)."""

from __future__ import annotations

from dataclasses import dataclass, field

from allauth.socialaccount.models import SocialApp

from accounts.crypto import SecretDecryptionError, is_encrypted, secret_decrypt, secret_mask
from accounts.sso import connections
from accounts.sso.saml import certificate_fingerprint


@dataclass(frozen=True)
class ConnectionSummary:
    """What the settings pages show of a connection: never a secret, only its mask."""

    provider: str
    app: SocialApp
    secret_masked: str = ""
    allowed_email_domains: list[str] = field(default_factory=list)
    idp_certificate_fingerprint: str = ""
    sp_certificate: str = ""


def social_app_get(*, provider: str) -> SocialApp | None:
    return SocialApp.objects.filter(provider=provider).order_by("id").first()


def sso_connection_exists() -> bool:
    return SocialApp.objects.filter(provider__in=connections.SSO_PROVIDERS).exists()


def sso_allowed_domains() -> list[str]:
    """Every domain the tenant's SSO connections vouch for."""
    domains: list[str] = []
    for app in SocialApp.objects.filter(provider__in=connections.SSO_PROVIDERS).order_by("id"):
        domains.extend(connections.app_allowed_domains(app))
    return list(dict.fromkeys(domains))


def connection_summaries() -> dict[str, ConnectionSummary]:
    """The tenant's connections keyed by provider (one query)."""
    summaries: dict[str, ConnectionSummary] = {}
    for app in SocialApp.objects.order_by("id"):
        if app.provider in summaries:
            continue
        summaries[app.provider] = connection_summary(app)
    return summaries


def connection_summary(app: SocialApp) -> ConnectionSummary:
    settings = app.settings or {}
    masked = ""
    encrypted = settings.get("secret_encrypted", "")
    if is_encrypted(encrypted):
        try:
            masked = secret_mask(secret_decrypt(encrypted))
        except SecretDecryptionError:
            masked = "⚠"
    fingerprint = ""
    certificate = (settings.get("idp") or {}).get("x509cert", "")
    if certificate:
        try:
            fingerprint = certificate_fingerprint(certificate)
        except ValueError:
            fingerprint = "⚠"
    return ConnectionSummary(
        provider=app.provider,
        app=app,
        secret_masked=masked,
        allowed_email_domains=connections.app_allowed_domains(app),
        idp_certificate_fingerprint=fingerprint,
        sp_certificate=(settings.get("advanced") or {}).get("x509cert", ""),
    )

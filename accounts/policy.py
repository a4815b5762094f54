"""The sign-in rules of a tenant, in one place (the adapters, backend and pages ask here).

- City tenants: open e-mail sign-up (verification sent, optional), Facebook when configured.
- Company tenants: only SSO users, or e-mail addresses in the tenant's allowed domains (and then
  the address must be confirmed before the account can be used).
- Private instances (`is_private`, any kind) admit people as companies do.
- "SSO required": no password login or sign-up, except a break-glass tenant admin with MFA.

Policy values live on the Tenant row (`sso_required`, `allowed_email_domains`, `kind`); the SSO
connections (SocialApps of the tenant's schema) carry their own allowed domains.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from tenants.context import current_tenant
from tenants.errors import TenantContextMissing
from tenants.models import Tenant

SSO_PROVIDERS = frozenset({"saml", "openid_connect"})


def current_tenant_or_none() -> Tenant | None:
    try:
        return current_tenant()
    except TenantContextMissing:
        return None


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def domains_normalize(domains: Iterable[str]) -> list[str]:
    """Lower-case, without '@' or surrounding blanks, unique, in the given order."""
    cleaned = [domain.strip().lower().lstrip("@") for domain in domains]
    return list(dict.fromkeys(domain for domain in cleaned if domain))


def tenant_is_company(tenant: Tenant | None) -> bool:
    return tenant is not None and tenant.kind == "company"


def tenant_admits_members_only(tenant: Tenant | None) -> bool:
    """A company, or any private instance (tenants.private_access): people join through SSO, an
    invitation or an address of the allowed domains (confirmed before use), never freely."""
    return tenant is not None and (tenant.kind == "company" or tenant.is_private)


def user_has_mfa(user: User | AnonymousUser | None) -> bool:
    """An activated second factor (TOTP or a security key); recovery codes alone do not count."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return False
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def user_is_break_glass(user: User) -> bool:
    """A tenant admin who may still sign in with a password when SSO is required."""
    return user.is_tenant_admin and user_has_mfa(user)


def password_login_allowed(*, tenant: Tenant | None, user: User) -> bool:
    if tenant is None or not tenant.sso_required:
        return True
    return user_is_break_glass(user)


def password_signup_allowed(*, tenant: Tenant | None) -> bool:
    if tenant is None:
        return False
    if tenant.sso_required:
        return False
    if tenant_admits_members_only(tenant):
        return bool(domains_normalize(tenant.allowed_email_domains or []))
    return True


def signup_email_allowed(*, tenant: Tenant | None, email: str) -> bool:
    """Whether an address may be used for a password sign-up on this tenant."""
    if not tenant_admits_members_only(tenant):
        return True
    assert tenant is not None
    return email_domain(email) in domains_normalize(tenant.allowed_email_domains or [])


def email_address_allowed(
    *, tenant: Tenant | None, email: str, sso_domains: Iterable[str] = ()
) -> bool:
    """Whether an address may be attached to an account of this tenant (sign-up or change).

    Company tenants: the tenant's allowed domains, plus the domains its SSO connections vouch for.
    """
    if not tenant_admits_members_only(tenant):
        return True
    assert tenant is not None
    allowed = domains_normalize([*(tenant.allowed_email_domains or []), *sso_domains])
    return email_domain(email) in allowed


def email_verification_required(*, tenant: Tenant | None) -> bool:
    """Company accounts are used only once their address is confirmed.

    Cities keep verification optional so that "Je participe → sign up → back on the mission"
    finishes in one go; the confirmation e-mail is still sent.
    """
    return tenant_admits_members_only(tenant)


def social_provider_allowed(*, tenant: Tenant | None, provider: str) -> bool:
    """Facebook is for residents of cities; SSO for whoever configured it."""
    if tenant is None:
        return False
    if provider == "facebook":
        return tenant.kind == "city"
    return True

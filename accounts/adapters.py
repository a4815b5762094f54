"""allauth adapters: where the tenant's sign-in rules (accounts.policy) meet allauth's flows.

- AccountAdapter: sign-up open or closed per tenant, the e-mail verification stage (mandatory
  for company tenants), confirmation keys bound to the tenant (accounts.email_confirmation),
  tenant name in e-mail subjects, new users recorded through
  accounts.services. (The e-mail domains of company tenants are checked by the sign-up and
  add-e-mail forms, accounts.forms: allauth also runs `clean_email` on addresses an identity
  provider sends, which pre_social_login judges itself.)
- SocialAccountAdapter: the tenant's SocialApps with secrets decrypted and strict settings
  (accounts.sso.connections), allowed domains of SSO connections, Facebook only in cities and
  never trusted for an e-mail address, names kept in sync from the company's identity provider,
  clear refusal pages.
- MFAAdapter: TOTP seeds encrypted at rest, tenant name as TOTP issuer, tenant admins cannot
  remove their last second factor.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jwt
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.base.constants import AuthError
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.encoding import force_str

from accounts import policy
from accounts.crypto import is_encrypted, secret_decrypt, secret_encrypt
from accounts.email_confirmation import TenantEmailConfirmationHMAC
from accounts.errors import AccountsErrorCode as Code
from accounts.services import user_signup_record, user_sync_from_identity_provider
from accounts.sign_in_limits import account_sign_in_allowed, sso_sign_in_allowed
from accounts.sso import connections
from accounts.sso.oidc import IssuerMismatch
from accounts.sso.profile_attributes import profile_attributes_deliver
from accounts.sso.refusal import sign_in_refused
from tenants.client_ip import client_ip

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return policy.password_signup_allowed(tenant=policy.current_tenant_or_none())

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=commit)
        # A social sign-up form comes through here too; SocialAccountAdapter records that one
        # (its people accept the terms on the page the terms middleware sends them to).
        if commit and getattr(form, "sociallogin", None) is None:
            user_signup_record(
                user=user,
                method="email",
                terms_accepted=bool(getattr(form, "cleaned_data", {}).get("accept_terms")),
            )
        return user

    def get_login_stages(self) -> list[str]:
        return [
            "accounts.stages.TenantEmailVerificationStage"
            if stage == "allauth.account.stages.EmailVerificationStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def send_confirmation_mail(
        self, request: HttpRequest, emailconfirmation: Any, signup: bool
    ) -> None:
        # allauth's key names no tenant: the e-mail carries the tenant-bound one instead.
        super().send_confirmation_mail(
            request, TenantEmailConfirmationHMAC(emailconfirmation.email_address), signup
        )

    def format_email_subject(self, subject: str) -> str:
        tenant = policy.current_tenant_or_none()
        prefix = f"[{tenant.name}] " if tenant is not None else "[Entraide] "
        return prefix + force_str(subject)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        tenant = policy.current_tenant_or_none()
        if tenant is not None:
            context = _on_canonical_origin(context, tenant.base_url, tenant.name)
        super().send_mail(template_prefix, email, context)

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        response = super().pre_login(request, user, **kwargs)
        if response is not None:
            return response
        # Every way in (password, SSO, Facebook, confirmation link) comes through here.
        if not account_sign_in_allowed(request, user_id=user.pk):
            logger.warning("sign_in.rate_limited", extra={"limit": "account"})
            return ratelimit.respond_429(request)
        return None

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's rate limits (login, sign-up, reset, confirmation) count per client address.
        address = client_ip(request)
        if address is None:
            raise PermissionDenied("Unable to determine client IP address")
        return address


@dataclass(frozen=True)
class _CanonicalSite:
    """What allauth's templates read as `current_site`: the tenant's own address and name."""

    domain: str
    name: str


def _on_canonical_origin(context: dict[str, Any], base_url: str, name: str) -> dict[str, Any]:
    """Every link allauth put in an e-mail's context (activate_url, password_reset_url,
    signup_url...) moved to the tenant's canonical origin.

    allauth builds them with request.build_absolute_uri(), i.e. from the Host the request came
    in on (another verified domain of the tenant, or whatever a client sent); the e-mail must
    point at the tenant's own address whatever that was.
    """
    base = urlsplit(base_url)
    moved: dict[str, Any] = {"current_site": _CanonicalSite(domain=base.netloc, name=name)}
    for key, value in context.items():
        if key.endswith("_url") and isinstance(value, str) and value:
            parts = urlsplit(value)
            value = urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))
        moved[key] = value
    return moved


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(
        self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None
    ) -> list[SocialApp]:
        tenant = policy.current_tenant_or_none()
        if tenant is None:
            return []
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        return [
            connections.app_hydrate(app)
            for app in apps
            if policy.social_provider_allowed(tenant=tenant, provider=app.provider)
            and (not tenant.sso_required or app.provider in connections.SSO_PROVIDERS)
        ]

    def is_email_verified(self, provider: Any, email: str) -> bool:
        if provider.id not in connections.SSO_PROVIDERS:
            return False
        return policy.email_domain(email) in connections.app_allowed_domains(provider.app)

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider = sociallogin.provider
        tenant = policy.current_tenant_or_none()
        if tenant is None or not policy.social_provider_allowed(
            tenant=tenant, provider=provider.id
        ):
            raise ImmediateHttpResponse(
                sign_in_refused(request, code=Code.PROVIDER_NOT_ALLOWED, provider=provider)
            )
        if tenant.sso_required and provider.id not in connections.SSO_PROVIDERS:
            raise ImmediateHttpResponse(
                sign_in_refused(request, code=Code.SSO_REQUIRED, provider=provider)
            )
        if provider.id in connections.SSO_PROVIDERS:
            if not sso_sign_in_allowed(request, connection=_connection_key(provider)):
                raise ImmediateHttpResponse(
                    sign_in_refused(request, code=Code.RATE_LIMITED, provider=provider, status=429)
                )
            self._check_sso_email(request, sociallogin)
        else:
            # Facebook (and any other social provider) never vouches for an address: it stays
            # unverified until the person confirms it, and is never used to link accounts.
            for address in sociallogin.email_addresses:
                address.verified = False
        if sociallogin.is_existing and provider.id in connections.SSO_PROVIDERS:
            # The company's directory is the source of truth for names.
            user_sync_from_identity_provider(
                user=sociallogin.user, names=getattr(sociallogin, "identity_names", {})
            )
            # And for the rest of the profile (department, site, manager…), at each sign-in.
            profile_attributes_deliver(
                user=sociallogin.user, app=provider.app, data=sociallogin.account.extra_data or {}
            )

    def _check_sso_email(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider = sociallogin.provider
        allowed = connections.app_allowed_domains(provider.app)
        addresses = [address for address in sociallogin.email_addresses if address.email]
        if not addresses:
            raise ImmediateHttpResponse(
                sign_in_refused(request, code=Code.EMAIL_MISSING, provider=provider)
            )
        for address in addresses:
            if policy.email_domain(address.email) not in allowed:
                raise ImmediateHttpResponse(
                    sign_in_refused(request, code=Code.EMAIL_DOMAIN_NOT_ALLOWED, provider=provider)
                )
            address.verified = True

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: Any) -> Any:
        user = super().populate_user(request, sociallogin, data)
        # Kept apart: for an existing account, lookup() replaces sociallogin.user.
        sociallogin.identity_names = {  # type: ignore[attr-defined]
            field: getattr(user, field)
            for field in ("first_name", "last_name")
            if getattr(user, field)
        }
        return user

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        tenant = policy.current_tenant_or_none()
        if tenant is None:
            return False
        if sociallogin.provider.id in connections.SSO_PROVIDERS:
            # Just-in-time accounts for the company's people (domain checked in pre_social_login).
            return True
        # Facebook sign-up: residents of a public city only (anyone may have a Facebook account).
        return not tenant.sso_required and tenant.kind == "city" and not tenant.is_private

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> Any:
        user = super().save_user(request, sociallogin, form=form)
        user_signup_record(user=user, method=sociallogin.provider.id)
        if sociallogin.provider.id in connections.SSO_PROVIDERS:
            profile_attributes_deliver(
                user=user, app=sociallogin.provider.app, data=sociallogin.account.extra_data or {}
            )
        return user

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        if error == AuthError.CANCELLED:
            return
        extra_context = extra_context or {}
        if isinstance(exception, IssuerMismatch) or isinstance(
            getattr(exception, "__cause__", None), jwt.InvalidIssuerError
        ):
            code = Code.OIDC_ISSUER_MISMATCH
        elif "state_id" in extra_context:
            code = Code.STATE_MISMATCH
        else:
            code = Code.PROVIDER_ERROR
        raise ImmediateHttpResponse(
            sign_in_refused(
                request,
                code=code,
                provider=provider,
                status=401,
                log_extra={
                    "error": str(error),
                    "exception": exception.__class__.__name__ if exception else "",
                },
            )
        )


def _connection_key(provider: Any) -> str:
    """One SSO connection (a SocialApp of this tenant's schema): its row, else its id."""
    app = getattr(provider, "app", None)
    return f"{provider.id}:{getattr(app, 'pk', None) or getattr(app, 'provider_id', '')}"


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return secret_encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        if not is_encrypted(encrypted_text):
            # Written before encryption was configured; readable, re-encrypted on next change.
            return encrypted_text
        return secret_decrypt(encrypted_text)

    def get_totp_issuer(self) -> str:
        tenant = policy.current_tenant_or_none()
        return tenant.name if tenant is not None else "Entraide"

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        user = authenticator.user
        if not user.is_tenant_admin:
            return True
        if authenticator.type not in {Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN}:
            return True
        # A tenant admin keeps at least one real second factor.
        remaining = (
            Authenticator.objects.filter(
                user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
            )
            .exclude(pk=authenticator.pk)
            .exists()
        )
        return remaining

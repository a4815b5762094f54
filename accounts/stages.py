"""Login stages: e-mail verification is mandatory on company tenants and for every sign-up by
form; optional when a city resident signs in."""

from __future__ import annotations

from typing import Any

from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.stages import EmailVerificationStage

from accounts import policy


class TenantEmailVerificationStage(EmailVerificationStage):
    """allauth's stage, with "optional" read as "mandatory" where the tenant requires it.

    In a company tenant, an address in an allowed domain is what admits a person: it must be
    proven before the account is usable. SSO logins arrive with a verified address and pass.
    """

    def handle(self) -> tuple[Any, bool]:
        if self.login.email_verification == EmailVerificationMethod.OPTIONAL and (
            policy.email_verification_required(tenant=policy.current_tenant_or_none())
            or _is_password_signup(self.login)
        ):
            self.login.email_verification = EmailVerificationMethod.MANDATORY
        return super().handle()


def _is_password_signup(login: Any) -> bool:
    """A sign-up by form (not through an identity provider).

    Its answer must not say whether the address already had an account (accounts.forms): a new
    account is therefore not signed in at once either; the person follows the link in the
    confirmation e-mail, which signs them in and brings them back where they were.
    """
    return bool(login.signup) and "sociallogin" not in (login.signal_kwargs or {})

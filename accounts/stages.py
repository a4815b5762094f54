"""Login stages: e-mail verification is mandatory on company tenants, optional in cities."""

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
        if (
            self.login.email_verification == EmailVerificationMethod.OPTIONAL
            and policy.email_verification_required(tenant=policy.current_tenant_or_none())
        ):
            self.login.email_verification = EmailVerificationMethod.MANDATORY
        return super().handle()

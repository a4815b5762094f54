"""One clear page for every refused sign-in through an outside provider."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.errors import AccountsErrorCode as Code
from accounts.sign_ins import user_sign_in_failure_record

logger = logging.getLogger(__name__)

MESSAGES = {
    Code.SAML_INVALID_RESPONSE: _(
        "Your organisation's identity provider sent an answer that could not be verified "
        "(unsigned, altered, expired, not meant for this site, or signed with an outdated "
        "algorithm). Nobody was signed in."
    ),
    Code.SAML_REPLAYED: _(
        "This sign-in answer was already used once. Start again from the sign-in page."
    ),
    Code.SAML_IDP_INITIATED: _(
        "Sign-ins started from the identity provider's portal are not accepted here. "
        "Start from this site's sign-in page."
    ),
    Code.SAML_SESSION_MISSING: _("The sign-in session expired. Start again from the sign-in page."),
    Code.STATE_MISMATCH: _(
        "This sign-in answer does not belong to a sign-in started in this browser, or it "
        "expired. Start again from the sign-in page."
    ),
    Code.OIDC_ISSUER_MISMATCH: _(
        "The identity provider did not identify itself as the issuer configured for this "
        "site. Nobody was signed in; your administrator should check the SSO settings."
    ),
    Code.PROVIDER_ERROR: _(
        "The sign-in provider returned an error. Nobody was signed in. Try again later."
    ),
    Code.PROVIDER_NOT_ALLOWED: _("This sign-in method is not available here."),
    Code.EMAIL_MISSING: _(
        "The identity provider did not send an e-mail address, which this site needs."
    ),
    Code.EMAIL_DOMAIN_NOT_ALLOWED: _(
        "Your e-mail address is not in a domain this sign-in method may admit here."
    ),
    Code.SSO_REQUIRED: _("This organisation signs in through its own single sign-on only."),
    Code.RATE_LIMITED: _(
        "Too many sign-ins in a short time. Nobody was signed in; try again in a few minutes."
    ),
}


def sign_in_refused(
    request: HttpRequest,
    *,
    code: Code,
    provider: Any = None,
    status: int = 403,
    log_extra: dict[str, Any] | None = None,
) -> HttpResponse:
    logger.warning(
        "sign_in.refused",
        extra={"code": str(code), "provider": getattr(provider, "id", None), **(log_extra or {})},
    )
    user_sign_in_failure_record(
        identifier="",
        reason="identity_provider",
        details={"code": str(code), "provider": str(getattr(provider, "id", "") or "")},
    )
    return render(
        request,
        "accounts/sign_in_refused.html",
        {
            "code": str(code),
            "message": MESSAGES.get(code, MESSAGES[Code.PROVIDER_ERROR]),
            "provider_name": getattr(provider, "name", ""),
        },
        status=status,
    )

"""Sign-ins on the audit trail: who signed in or failed to, when and from where.

Signals, where the rest of the code has none for its rules: sign-ins happen inside flows this
code does not own (allauth's password, SSO and Facebook flows, its second-factor stage, Django's
own login), and these signals are the one place each of them passes through:

- allauth's `user_logged_in` (sent once every stage of a sign-in, second factor included, is
  done: password, SSO, Facebook, sign-up, confirmation link): a sign-in. (Not Django's signal of
  the same name, which also fires for logins no person made, such as tests' force_login.)
- Django's `user_login_failed` (sent by authenticate() when no backend accepts the
  credentials; the password is already masked): a wrong password or an unknown address.
- allauth.mfa's `authentication_failed`: a wrong second-factor code after a right password.

Refusals by an identity provider are recorded where the refusal page is rendered
(accounts.sso.refusal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from allauth.account.internal.flows.login import record_authentication
from allauth.account.signals import user_logged_in
from allauth.mfa.signals import authentication_failed as second_factor_failed
from django.contrib.auth import login
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest

from accounts import policy
from accounts.models import User
from tenants.audit.services import audit_record

# What a failed sign-in keeps of the identifier typed (an e-mail address, at most).
SIGN_IN_IDENTIFIER_MAX_LENGTH = 254


def user_sign_in_record(*, user: User, methods: Sequence[str] = ()) -> None:
    """A person signed in to the tenant (any way: password, SSO, Facebook, after a second
    factor): an audit row with the client's address. Nothing on the platform's own host, whose
    schema keeps no audit trail."""
    if policy.current_tenant_or_none() is None:
        return
    audit_record(actor=user, action="auth.sign_in", target=user, data={"methods": list(methods)})


# The backend that signs people in to a tenant (accounts/backends.py).
TENANT_BACKEND = "accounts.backends.TenantAuthenticationBackend"


def user_sign_in_by_email_link(request: HttpRequest, *, user: User, via: str) -> None:
    """Sign in someone who has just proved they hold their e-mail address through a single-use
    link of ours (the self-serve sign-up's hand-off): recorded for allauth as a sign-in by e-mail
    code — the same proof its "code" reauthentication asks for — so the next few minutes'
    sensitive steps (setting up the second factor) do not ask a person with no password yet for
    one. Audited like any sign-in."""
    login(request, user, backend=TENANT_BACKEND)
    record_authentication(
        request, user, method="code", email=user.email, reauthenticated=True, via=via
    )
    user_sign_in_record(user=user, methods=[f"code:{via}"])


def user_sign_in_failure_record(
    *,
    identifier: str,
    reason: str,
    user: User | None = None,
    reauthentication: bool = False,
    details: Mapping[str, str] | None = None,
) -> None:
    """A sign-in was refused (wrong password, unknown address, wrong second-factor code, refused
    by an identity provider): an audit row for the tenant's admins, without an actor.

    The identifier is kept as typed (it may be a typo of someone's address: personal data, kept
    for security like the rest of the trail, AUDIT_RETENTION_DAYS). The row's target is the
    account it names when there is one, else the tenant.
    """
    tenant = policy.current_tenant_or_none()
    if tenant is None:
        return
    cleaned = "".join(c for c in str(identifier) if c.isprintable()).strip()
    cleaned = cleaned[:SIGN_IN_IDENTIFIER_MAX_LENGTH]
    if user is None and cleaned:
        user = User.objects.filter(email__iexact=cleaned).first()
    data: dict[str, Any] = {"identifier": cleaned, "reason": reason, **(details or {})}
    if reauthentication:
        data["reauthentication"] = True
    audit_record(
        actor=None,
        action="auth.sign_in_failed",
        target=user if user is not None else tenant,
        data=data,
    )


# Where allauth keeps the ways the person proved who they are during this sign-in.
_AUTHENTICATION_METHODS_SESSION_KEY = "account_authentication_methods"


def _methods(request: HttpRequest | None) -> list[str]:
    """How the person proved who they are, as allauth recorded it in the session: "password",
    "mfa", "socialaccount:saml"…"""
    session = getattr(request, "session", None)
    records = session.get(_AUTHENTICATION_METHODS_SESSION_KEY) if session is not None else None
    if not isinstance(records, list):
        return []
    methods = []
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("method"), str):
            continue
        provider = record.get("provider")
        methods.append(f"{record['method']}:{provider}" if provider else record["method"])
    return list(dict.fromkeys(methods))


def _is_signed_in(request: HttpRequest | None) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    user_sign_in_record(user=user, methods=_methods(request))


def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    identifier = next(
        (
            str(credentials[key])
            for key in ("email", "login", "username")
            if isinstance(credentials.get(key), str)
        ),
        "",
    )
    user_sign_in_failure_record(
        identifier=identifier, reason="password", reauthentication=_is_signed_in(request)
    )


def _second_factor_failed(
    sender: Any,
    request: HttpRequest | None = None,
    user: User | None = None,
    reauthentication: bool = False,
    **kwargs: Any,
) -> None:
    if user is None:
        return
    user_sign_in_failure_record(
        identifier=user.email, reason="second_factor", user=user, reauthentication=reauthentication
    )


def connect_sign_in_audit() -> None:
    """Called once from AccountsConfig.ready()."""
    user_logged_in.connect(_signed_in, dispatch_uid="accounts.sign_ins.signed_in")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="accounts.sign_ins.failed")
    second_factor_failed.connect(
        _second_factor_failed, dispatch_uid="accounts.sign_ins.second_factor_failed"
    )

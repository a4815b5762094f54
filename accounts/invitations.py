"""Inviting a person: a tenant admin creates their account with a role, and they get an e-mail
with a link to choose a password (or, where the tenant requires SSO, to sign in with it); the
invitation, or the confirmation of the address, can be sent again while it is pending.

The same rules as every role change apply (accounts/roles.py): only an active tenant admin
invites, under `tenant_admins_lock`, and an invitation as admin needs a place in the plan's
`max_tenant_admins`. Audited: `user.invited`, `user.invitation_resent`. The e-mail goes through
the outbox (the task `accounts.invitation_email_send`, accounts/tasks.py), so nothing is sent for
an invitation that rolls back.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import policy
from accounts.email_confirmation import TenantEmailConfirmationHMAC
from accounts.errors import AccountsError, AccountsErrorCode
from accounts.models import User
from accounts.roles import (
    require_admin_place,
    require_still_admin,
    require_tenant_admin,
    role_clean,
)
from accounts.services import tenant_admins_lock, user_create, user_set_password_path
from accounts.sso.selectors import sso_allowed_domains
from tenants.audit.services import audit_record
from tenants.context import current_tenant
from tenants.outbox.services import outbox_enqueue

logger = logging.getLogger(__name__)

Role = User.Role
NAME_MAX_LENGTH = 150
# Scheduled by name through the outbox (accounts/tasks.py runs it).
INVITATION_EMAIL_TASK = "accounts.invitation_email_send"


class Invitation(StrEnum):
    """What "send the invitation again" sends to a person who has not finished joining."""

    # Never signed in and no password: the invitation, with its link to choose a password.
    SET_PASSWORD = "set_password"
    # Signed in or chose a password, but the address is not confirmed: allauth's confirmation.
    CONFIRM_EMAIL = "confirm_email"


def user_pending_invitation(user: User, *, email_verified: bool) -> Invitation | None:
    """What is still pending for `user` (None once they joined and confirmed their address).

    `email_verified`: whether the user's address is confirmed (selectors annotate it)."""
    if user.last_login is None and not user.has_usable_password():
        return Invitation.SET_PASSWORD
    if not email_verified:
        return Invitation.CONFIRM_EMAIL
    return None


def _email_clean(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise AccountsError(
            _("Enter a valid e-mail address."), code=AccountsErrorCode.INVALID, field="email"
        ) from None
    tenant = current_tenant()
    sso_domains = sso_allowed_domains()
    if not policy.email_address_allowed(tenant=tenant, email=email, sso_domains=sso_domains):
        domains = policy.domains_normalize([*(tenant.allowed_email_domains or []), *sso_domains])
        raise AccountsError(
            _("Only addresses of these domains can be used here: %(domains)s.")
            % {"domains": ", ".join(domains) or "—"},
            code=AccountsErrorCode.EMAIL_DOMAIN_NOT_ALLOWED,
            field="email",
        )
    return email


def _name_clean(value: str, field: str) -> str:
    value = " ".join((value or "").split())
    if len(value) > NAME_MAX_LENGTH:
        raise AccountsError(
            _("At most %(count)s characters.") % {"count": NAME_MAX_LENGTH},
            code=AccountsErrorCode.INVALID,
            field=field,
        )
    return value


def _email_taken() -> AccountsError:
    return AccountsError(
        _("An account of this site already uses this address."),
        code=AccountsErrorCode.EMAIL_TAKEN,
        field="email",
    )


def user_invite(
    *, actor: User, email: str, role: str, first_name: str = "", last_name: str = ""
) -> User:
    """Create the account of a person with a role and e-mail them an invitation to choose a
    password (or, where the tenant requires SSO, to sign in with it).

    The address counts as confirmed: the account is only usable through the link sent to it (or
    through the company's SSO, which vouches for its domains). Refused (AccountsError, nothing
    created): an invalid address or one outside a company's domains, an address already used,
    an unknown role, the plan's limit of admins reached.
    """
    require_tenant_admin(actor)
    role = role_clean(role)
    email = _email_clean(email)
    names = {
        "first_name": _name_clean(first_name, "first_name"),
        "last_name": _name_clean(last_name, "last_name"),
    }
    tenant = current_tenant()
    with transaction.atomic():
        admins = tenant_admins_lock()
        require_still_admin(actor, admins)
        if (
            User.objects.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email).exists()
        ):
            raise _email_taken()
        if role == Role.ADMIN:
            require_admin_place(tenant, admins, field="role")
        try:
            with transaction.atomic():
                user = user_create(email=email, role=role, email_verified=True, **names)
        except IntegrityError:
            # A sign-up with the same address committed meanwhile.
            raise _email_taken() from None
        audit_record(actor=actor, action="user.invited", target=user, data={"role": role})
        outbox_enqueue(INVITATION_EMAIL_TASK, user.pk)
    logger.info("user.invited", extra={"user_id": user.pk, "role": role})
    return user


def user_invitation_resend(*, user: User, actor: User) -> Invitation:
    """Send again what `user` needs to finish joining: the invitation (no password yet, never
    signed in) or the confirmation of their address. Refused once they joined and confirmed it,
    and for a suspended account."""
    require_tenant_admin(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            raise AccountsError(
                _("This account is suspended: reactivate it first."),
                code=AccountsErrorCode.ACCOUNT_SUSPENDED,
            )
        kind = user_pending_invitation(locked, email_verified=_email_verified(locked))
        if kind is None:
            raise AccountsError(
                _("%(person)s has already joined and confirmed their address: nothing to send.")
                % {"person": locked.get_full_name()},
                code=AccountsErrorCode.INVITATION_NOT_PENDING,
            )
        audit_record(
            actor=actor, action="user.invitation_resent", target=locked, data={"kind": str(kind)}
        )
        outbox_enqueue(INVITATION_EMAIL_TASK, locked.pk)
    logger.info("user.invitation_resent", extra={"user_id": locked.pk, "kind": str(kind)})
    return kind


def _email_verified(user: User) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def user_invitation_email_send(*, user_id: int) -> str:
    """Send what is pending for the user now (the task of `user_invite` and
    `user_invitation_resend`); the kind sent, or "" when nothing is pending any more (joined,
    confirmed, suspended or deleted meanwhile).

    Run twice, it sends twice: both links work, and a second e-mail is the harmless side of an
    at-least-once outbox. The e-mail is in the person's language (else the tenant's), with links
    on the tenant's canonical origin.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return ""
    kind = user_pending_invitation(user, email_verified=_email_verified(user))
    if kind is None:
        return ""
    tenant = current_tenant()
    site = {"domain": urlsplit(tenant.base_url).netloc, "name": tenant.name}
    adapter = get_adapter()
    with translation.override(tenant.language_for(user.language)):
        if kind is Invitation.SET_PASSWORD:
            recipient = user.email
            message = adapter.render_mail(
                "account/email/invitation",
                recipient,
                {
                    "user": user,
                    "current_site": site,
                    "role_label": user.get_role_display(),
                    "sso_required": tenant.sso_required,
                    "set_password_url": f"{tenant.base_url}{user_set_password_path(user=user)}",
                    "sign_in_url": f"{tenant.base_url}{reverse('account_login')}",
                    "valid_days": max(1, int(settings.PASSWORD_RESET_TIMEOUT) // 86_400),
                },
            )
        else:
            address = (
                EmailAddress.objects.filter(user=user, verified=False)
                .order_by("-primary", "pk")
                .first()
            )
            if address is None:
                return ""
            recipient = address.email
            key = TenantEmailConfirmationHMAC(address).key
            message = adapter.render_mail(
                "account/email/email_confirmation",
                recipient,
                {
                    "user": user,
                    "email": recipient,
                    "current_site": site,
                    "key": key,
                    "activate_url": f"{tenant.base_url}"
                    f"{reverse('account_confirm_email', args=[key])}",
                },
            )
    message.send()
    logger.info("user.invitation_sent", extra={"user_id": user.pk, "kind": str(kind)})
    return str(kind)

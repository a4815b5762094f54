"""People of a tenant and their roles: appointing and removing tenant admins and moderators,
suspending and reactivating accounts, inviting a person (an account an admin creates, with a link
to choose a password) and sending that invitation again.

The rules, checked here whatever page or API calls in:
- only an active tenant admin acts (checked again once the admins are locked, so an admin
  demoted meanwhile cannot act);
- the tenant keeps at least one active admin: the last one can be neither demoted nor suspended,
  even by themself;
- active admins are bounded by the plan's `max_tenant_admins` (a promotion, an invitation as
  admin and the reactivation of an admin are refused at the limit, nothing changed);
- an admin who lowers their own rights (a lower role, a suspension) confirms it explicitly;
- `is_staff` follows the role on every change (accounts.services.is_staff_for);
- every change is audited (`user.role_changed`, `user.suspended`, `user.reactivated`,
  `user.invited`, `user.invitation_resent`).

Every change runs under `tenant_admins_lock` (accounts.services), which serializes changes of the
set of admins: two admins acting at the same time cannot both take the last place the plan allows,
nor leave the tenant without admin.

Suspension ends the person's sessions at once (`user_sessions_end`); Django then refuses the
account anyway (an inactive user is nobody to `AuthenticationMiddleware`, API tokens included),
and allauth's sign-in shows the "account suspended" page (accounts/templates/account/
account_inactive.html).
"""

from __future__ import annotations

import logging
from enum import StrEnum
from importlib import import_module
from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import policy
from accounts.email_confirmation import TenantEmailConfirmationHMAC
from accounts.errors import AccountsError, AccountsErrorCode
from accounts.models import User
from accounts.permissions import user_is_tenant_admin
from accounts.services import (
    is_staff_for,
    members_changed,
    tenant_admins_lock,
    user_create,
    user_set_password_path,
)
from accounts.sso.selectors import sso_allowed_domains
from billing.entitlements import entitlement_limit, entitlement_within_limit
from tenants.audit.services import audit_record
from tenants.context import current_tenant
from tenants.models import Tenant
from tenants.outbox.services import outbox_enqueue

logger = logging.getLogger(__name__)

Role = User.Role
# A lower rank means fewer rights: moving down is what an admin confirms for themself.
ROLE_RANK: dict[str, int] = {Role.VOLUNTEER: 0, Role.MODERATOR: 1, Role.ADMIN: 2}
ADMIN_LIMIT = "max_tenant_admins"
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


# --- Checks shared by the services ---------------------------------------------------------------


def _require_tenant_admin(actor: User) -> None:
    if not user_is_tenant_admin(actor):
        raise AccountsError(
            _("Only the administrators of this site can do this."),
            code=AccountsErrorCode.FORBIDDEN,
        )


def _require_still_admin(actor: User, admins: list[int]) -> None:
    """The actor is still an active admin now that the admins are locked."""
    if actor.pk not in admins:
        raise AccountsError(
            _("Only the administrators of this site can do this."),
            code=AccountsErrorCode.FORBIDDEN,
        )


def _role_clean(role: str) -> str:
    if role not in ROLE_RANK:
        raise AccountsError(
            _("Choose one of the roles offered."), code=AccountsErrorCode.INVALID, field="role"
        )
    return role


def _require_admin_place(tenant: Tenant, admins: list[int], *, field: str | None) -> None:
    """One more active admin fits in the plan's `max_tenant_admins`."""
    if entitlement_within_limit(tenant, ADMIN_LIMIT, current=len(admins)):
        return
    limit = entitlement_limit(tenant, ADMIN_LIMIT) or 0
    raise AccountsError(
        ngettext(
            "The plan of this site allows %(limit)s tenant administrator, and the place is "
            "taken: remove an administrator first, or change plan.",
            "The plan of this site allows %(limit)s tenant administrators, and all the places "
            "are taken: remove an administrator first, or change plan.",
            limit,
        )
        % {"limit": limit},
        code=AccountsErrorCode.TENANT_ADMIN_LIMIT_REACHED,
        field=field,
    )


def _refuse_last_admin(locked: User, admins: list[int], *, field: str | None) -> None:
    """`locked` is an active admin about to stop being one: refused if nobody else is left."""
    if locked.is_tenant_admin and not [pk for pk in admins if pk != locked.pk]:
        raise AccountsError(
            _("%(person)s is the last administrator of this site: appoint another one first.")
            % {"person": locked.get_full_name()},
            code=AccountsErrorCode.LAST_TENANT_ADMIN,
            field=field,
        )


def _require_self_confirmed(*, user: User, actor: User, confirm_self: bool, message: str) -> None:
    if user.pk == actor.pk and not confirm_self:
        raise AccountsError(
            message, code=AccountsErrorCode.SELF_CHANGE_UNCONFIRMED, field="confirm_self"
        )


def _lock(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _copy_access(user: User, locked: User) -> None:
    """The caller's object sees what was saved."""
    for field in ("role", "is_staff", "is_superuser", "is_active"):
        setattr(user, field, getattr(locked, field))


# --- Roles ---------------------------------------------------------------------------------------


def user_role_change(*, user: User, actor: User, role: str, confirm_self: bool = False) -> User:
    """Make `user` a volunteer, a moderator or a tenant admin.

    Refused (AccountsError, nothing changed): an unknown role (`role`), the plan's limit of
    admins reached (`role`), the last active admin demoted (`role`), an admin lowering their own
    role without `confirm_self` (`confirm_self`). The same role again changes nothing.
    """
    _require_tenant_admin(actor)
    role = _role_clean(role)
    tenant = current_tenant()
    with transaction.atomic():
        admins = tenant_admins_lock()
        _require_still_admin(actor, admins)
        locked = _lock(user)
        previous = locked.role
        if previous == role:
            _copy_access(user, locked)
            return locked
        if ROLE_RANK[role] < ROLE_RANK.get(previous, 0):
            _require_self_confirmed(
                user=locked,
                actor=actor,
                confirm_self=confirm_self,
                message=_("You are about to lower your own role: tick the box to confirm."),
            )
        if previous == Role.ADMIN:
            _refuse_last_admin(locked, admins, field="role")
        if role == Role.ADMIN and locked.is_active:
            _require_admin_place(tenant, admins, field="role")
        locked.role = role
        locked.is_staff = is_staff_for(role)
        if role != Role.ADMIN:
            # A tenant user made superuser by hand loses that too: the role is the whole access.
            locked.is_superuser = False
        locked.full_clean(exclude=["password"])
        locked.save(update_fields=["role", "is_staff", "is_superuser"])
        audit_record(
            actor=actor,
            action="user.role_changed",
            target=locked,
            data={"old_role": previous, "new_role": role, "by_self": locked.pk == actor.pk},
        )
    _copy_access(user, locked)
    logger.info("user.role_changed", extra={"user_id": locked.pk, "role": role})
    return locked


# --- Suspension ----------------------------------------------------------------------------------


def user_suspend(*, user: User, actor: User, confirm_self: bool = False) -> User:
    """Suspend an account: it cannot sign in, and its sessions end now.

    Refused (AccountsError, nothing changed): the last active admin, an admin suspending
    themself without `confirm_self`. Suspending a suspended account changes nothing.
    """
    _require_tenant_admin(actor)
    with transaction.atomic():
        admins = tenant_admins_lock()
        _require_still_admin(actor, admins)
        locked = _lock(user)
        if not locked.is_active:
            _copy_access(user, locked)
            return locked
        _require_self_confirmed(
            user=locked,
            actor=actor,
            confirm_self=confirm_self,
            message=_("You are about to suspend your own account: tick the box to confirm."),
        )
        _refuse_last_admin(locked, admins, field=None)
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        ended = user_sessions_end(user=locked)
        audit_record(
            actor=actor,
            action="user.suspended",
            target=locked,
            data={"sessions_ended": ended, "by_self": locked.pk == actor.pk},
        )
        members_changed(reason="suspended")
    _copy_access(user, locked)
    logger.info("user.suspended", extra={"user_id": locked.pk, "sessions_ended": ended})
    return locked


def user_reactivate(*, user: User, actor: User) -> User:
    """Let a suspended account sign in again (an admin only within the plan's limit)."""
    _require_tenant_admin(actor)
    tenant = current_tenant()
    with transaction.atomic():
        admins = tenant_admins_lock()
        _require_still_admin(actor, admins)
        locked = _lock(user)
        if locked.is_active:
            _copy_access(user, locked)
            return locked
        if locked.role == Role.ADMIN:
            _require_admin_place(tenant, admins, field=None)
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        audit_record(actor=actor, action="user.reactivated", target=locked)
        members_changed(reason="reactivated")
    _copy_access(user, locked)
    logger.info("user.reactivated", extra={"user_id": locked.pk})
    return locked


def user_sessions_end(*, user: User) -> int:
    """End every session of `user` in the tenant's session store now; how many ended.

    Sessions are rows of the tenant schema's `django_session` table whose key is random: the
    user's id is only inside the signed data. So the live sessions are read and decoded (about
    50 µs each, 0.5 s for 10,000: docs/benchmarks.md), and the user's are deleted through the
    session engine (which also drops a cached copy). Without this, a suspended person's
    sessions would only be refused while suspended, and would sign them in again on
    reactivation.
    """
    engine = import_module(settings.SESSION_ENGINE)
    store_class = engine.SessionStore
    if not hasattr(store_class, "get_model_class"):
        # Sessions outside the database (signed cookies, cache only) cannot be listed; an inactive
        # user is refused on every request anyway.
        logger.warning("user.sessions_not_listable", extra={"engine": settings.SESSION_ENGINE})
        return 0
    decoder = store_class()
    user_id = str(user.pk)
    keys = [
        key
        for key, data in store_class.get_model_class()
        .objects.filter(expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
        .iterator(chunk_size=2000)
        if str(decoder.decode(data).get(SESSION_KEY, "")) == user_id
    ]
    for key in keys:
        store_class(session_key=key).delete()
    return len(keys)


# --- Invitations ---------------------------------------------------------------------------------


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
    _require_tenant_admin(actor)
    role = _role_clean(role)
    email = _email_clean(email)
    names = {
        "first_name": _name_clean(first_name, "first_name"),
        "last_name": _name_clean(last_name, "last_name"),
    }
    tenant = current_tenant()
    with transaction.atomic():
        admins = tenant_admins_lock()
        _require_still_admin(actor, admins)
        if (
            User.objects.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email).exists()
        ):
            raise _email_taken()
        if role == Role.ADMIN:
            _require_admin_place(tenant, admins, field="role")
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
    _require_tenant_admin(actor)
    with transaction.atomic():
        locked = _lock(user)
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

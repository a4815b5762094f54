"""Tenant roles of a tenant's people: appointing and removing tenant admins and moderators,
suspending and reactivating accounts. (Inviting a person: accounts/invitations.py.)

The rules, checked here whatever page or API calls in:
- only an active tenant admin acts (checked again once the admins are locked, so an admin
  demoted meanwhile cannot act);
- the tenant keeps at least one active admin: the last one can be neither demoted nor suspended,
  even by themself;
- active admins are bounded by the plan's `max_tenant_admins` (a promotion, an invitation as
  admin and the reactivation of an admin are refused at the limit, nothing changed);
- an admin who lowers their own rights (a lower role, a suspension) confirms it explicitly;
- `is_staff` follows the role on every change (accounts.services.is_staff_for);
- every change is audited (`user.role_changed`, `user.suspended`, `user.reactivated`).

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
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.errors import AccountsError, AccountsErrorCode
from accounts.models import User
from accounts.permissions import user_is_tenant_admin
from accounts.services import is_staff_for, members_changed, tenant_admins_lock
from billing.entitlements import entitlement_limit, entitlement_within_limit
from tenants.audit.services import audit_record
from tenants.context import current_tenant
from tenants.models import Tenant

logger = logging.getLogger(__name__)

Role = User.Role
# A lower rank means fewer rights: moving down is what an admin confirms for themself.
ROLE_RANK: dict[str, int] = {Role.VOLUNTEER: 0, Role.MODERATOR: 1, Role.ADMIN: 2}
ADMIN_LIMIT = "max_tenant_admins"


# --- Checks shared by the services ---------------------------------------------------------------


def require_tenant_admin(actor: User) -> None:
    if not user_is_tenant_admin(actor):
        raise AccountsError(
            _("Only the administrators of this site can do this."),
            code=AccountsErrorCode.FORBIDDEN,
        )


def require_still_admin(actor: User, admins: list[int]) -> None:
    """The actor is still an active admin now that the admins are locked."""
    if actor.pk not in admins:
        raise AccountsError(
            _("Only the administrators of this site can do this."),
            code=AccountsErrorCode.FORBIDDEN,
        )


def role_clean(role: str) -> str:
    if role not in ROLE_RANK:
        raise AccountsError(
            _("Choose one of the roles offered."), code=AccountsErrorCode.INVALID, field="role"
        )
    return role


def require_admin_place(tenant: Tenant, admins: list[int], *, field: str | None) -> None:
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
    require_tenant_admin(actor)
    role = role_clean(role)
    tenant = current_tenant()
    with transaction.atomic():
        admins = tenant_admins_lock()
        require_still_admin(actor, admins)
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
            require_admin_place(tenant, admins, field="role")
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
    require_tenant_admin(actor)
    with transaction.atomic():
        admins = tenant_admins_lock()
        require_still_admin(actor, admins)
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
    require_tenant_admin(actor)
    tenant = current_tenant()
    with transaction.atomic():
        admins = tenant_admins_lock()
        require_still_admin(actor, admins)
        locked = _lock(user)
        if locked.is_active:
            _copy_access(user, locked)
            return locked
        if locked.role == Role.ADMIN:
            require_admin_place(tenant, admins, field=None)
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

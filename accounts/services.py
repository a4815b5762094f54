"""Writes on accounts: users and admins, sign-up records, one-time set-password links, the
tenant's sign-in policy, and the account's half of the GDPR export and deletion.

Identity provider configuration (SAML, OIDC, Facebook) lives in accounts/sso/services.py; roles and
suspension by tenant admins in accounts/roles.py, invitations in accounts/invitations.py.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.errors import AccountsError, AccountsErrorCode
from accounts.models import User
from accounts.sso.selectors import sso_connection_exists
from billing.entitlements import entitlement_has, seats_are_billed
from tenants.audit.services import audit_record
from tenants.context import current_schema_name
from tenants.legal.models import TermsAcceptance
from tenants.legal.selectors import terms_acceptances_of
from tenants.legal.services import terms_accept_current
from tenants.models import Tenant
from tenants.outbox.services import outbox_enqueue
from tenants.provisioning_steps import ADMIN_SET_PASSWORD_PATH, ProvisioningInput
from tenants.signing import password_reset_token_generator

logger = logging.getLogger(__name__)

DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_ALLOWED_DOMAINS = 50
# Scheduled by name through the outbox: accounts never imports billing's services or tasks.
SEATS_SYNC_TASK = "billing.tasks.seats_sync"


def members_changed(*, reason: str) -> None:
    """Every change of who counts as a member of the tenant goes through here (billing seats).

    On a per-seat plan, schedules with the surrounding transaction (through the outbox) one seat
    sync for the tenant a little later (BILLING_SEAT_SYNC_DELAY_SECONDS): while that sync has not
    started, further changes join it, so a batch of changes costs one Stripe call; a change
    committed once it runs schedules the next. Nothing for flat-priced plans.
    """
    tenant = policy.current_tenant_or_none()
    if tenant is None:
        return
    if seats_are_billed(tenant):
        outbox_enqueue(
            SEATS_SYNC_TASK,
            int(tenant.pk),
            countdown=int(settings.BILLING_SEAT_SYNC_DELAY_SECONDS),
            coalesce=True,
        )
    logger.info("members.changed", extra={"reason": reason})


def is_staff_for(role: str) -> bool:
    """Whether a user with this tenant role reaches the Django admin of the tenant: tenant admins
    only. Every write of `role` keeps `is_staff` in step through here."""
    return role == User.Role.ADMIN


def tenant_admins_lock() -> list[int]:
    """Lock the tenant's active admins (call inside a transaction); their ids, in order.

    A transaction-scoped advisory lock on the schema first serializes every change of who is an
    active admin: a promotion makes a row match that a concurrent `SELECT … FOR UPDATE` would not
    see, so row locks alone could let two promotions pass the plan's limit, or two demotions leave
    no admin. The admin rows are then locked in id order, so that writers that lock them without
    the advisory lock wait too.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"tenant_admins:{current_schema_name()}"]
        )
    return list(
        User.objects.select_for_update()
        .filter(role=User.Role.ADMIN, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _audit(
    *, actor: User | None, action: str, target: models.Model, data: Mapping[str, Any] | None = None
) -> None:
    audit_record(actor=actor, action=action, target=target, data=data)


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    role: str = User.Role.VOLUNTEER,
    email_verified: bool = False,
) -> User:
    """A user of the current tenant, with its allauth e-mail address record."""
    user = User.objects.create_user(
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        role=role,
        is_staff=is_staff_for(role),
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    logger.info("user.created", extra={"user_id": user.pk, "role": role})
    members_changed(reason="created")
    return user


def user_create_tenant_admin(*, email: str) -> User:
    """The tenant's first admin: no password until they follow their set-password link."""
    return user_create(email=email, role=User.Role.ADMIN, email_verified=True)


def tenant_admin_provision(
    *, tenant: Tenant, provisioning_input: ProvisioningInput
) -> dict[str, str]:
    """Provisioning step (registered in accounts/apps.py, run in the new tenant's schema): its
    first admin, and the one-time path where they choose a password."""
    admin = user_create_tenant_admin(email=provisioning_input.admin_email)
    return {ADMIN_SET_PASSWORD_PATH: user_set_password_path(user=admin)}


def user_set_password_path(*, user: User) -> str:
    """A one-time path to choose a password (it stops working once a password is set).

    Resolved against the tenant URLconf: provisioning also runs from the public host.
    """
    return reverse(
        "account_reset_password_from_key",
        urlconf=settings.ROOT_URLCONF,
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": password_reset_token_generator.make_token(user),
        },
    )


def user_signup_record(*, user: User, method: str, terms_accepted: bool = False) -> None:
    """A person signed up by themselves (e-mail form, Facebook, or just-in-time through SSO).

    allauth saved the user inside its own flow; this records what every new member entails,
    and the version of the terms of use they accepted on the sign-up form (accounts made
    without the form are asked on their first page, tenants/legal/middleware.py).
    """
    logger.info("user.signed_up", extra={"user_id": user.pk, "method": method})
    if terms_accepted:
        terms_accept_current(user=user, source=TermsAcceptance.Source.SIGNUP)
    members_changed(reason=f"signup:{method}")


def user_sync_from_identity_provider(*, user: User, names: Mapping[str, str]) -> User:
    """Keep the names the company's identity provider sends (it is the source of truth)."""
    changed = [
        field
        for field in ("first_name", "last_name")
        if names.get(field) and getattr(user, field) != names[field][:150]
    ]
    if changed:
        for field in changed:
            setattr(user, field, names[field][:150])
        user.save(update_fields=changed)
        logger.info("user.synced_from_idp", extra={"user_id": user.pk, "fields": changed})
    return user


def email_domains_clean(domains: Sequence[str]) -> list[str]:
    """Normalised domains; AccountsError naming the first invalid one."""
    cleaned = policy.domains_normalize(domains)
    if len(cleaned) > MAX_ALLOWED_DOMAINS:
        raise AccountsError(
            _("At most %(count)s domains.") % {"count": MAX_ALLOWED_DOMAINS},
            code=AccountsErrorCode.EMAIL_DOMAIN_NOT_ALLOWED,
            field="allowed_email_domains",
        )
    for domain in cleaned:
        if not DOMAIN_PATTERN.match(domain):
            raise AccountsError(
                _("“%(domain)s” is not a domain name.") % {"domain": domain},
                code=AccountsErrorCode.EMAIL_DOMAIN_NOT_ALLOWED,
                field="allowed_email_domains",
            )
    return cleaned


def sign_in_policy_update(
    *, tenant: Tenant, actor: User, sso_required: bool, allowed_email_domains: Sequence[str]
) -> Tenant:
    """Change the tenant's sign-in policy (a Tenant row, public schema).

    Turning "SSO required" on needs the SSO entitlement, a configured SSO connection (or nobody
    could sign in) and an actor who is a break-glass admin (tenant admin with MFA).
    """
    if not actor.is_tenant_admin:
        raise AccountsError(_("Only tenant administrators."), code=AccountsErrorCode.FORBIDDEN)
    domains = email_domains_clean(allowed_email_domains)
    if sso_required and not tenant.sso_required:
        if not entitlement_has(tenant, "sso"):
            raise AccountsError(
                _("Your plan does not include single sign-on."),
                code=AccountsErrorCode.SSO_NOT_ENTITLED,
                field="sso_required",
            )
        if not sso_connection_exists():
            raise AccountsError(
                _("Configure a SAML or OpenID Connect connection first."),
                code=AccountsErrorCode.SSO_CONNECTION_MISSING,
                field="sso_required",
            )
        if not policy.user_has_mfa(actor):
            raise AccountsError(
                _("Activate two-factor authentication first: you are the way back in."),
                code=AccountsErrorCode.MFA_REQUIRED,
                field="sso_required",
            )
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        before = {
            "sso_required": locked.sso_required,
            "allowed_email_domains": list(locked.allowed_email_domains or []),
        }
        locked.sso_required = sso_required
        locked.allowed_email_domains = domains
        locked.full_clean()
        # Saving the row also drops the host-routing cache entries of the tenant.
        locked.save(update_fields=["sso_required", "allowed_email_domains", "updated_at"])
        after = {"sso_required": sso_required, "allowed_email_domains": domains}
        if before != after:
            _audit(
                actor=actor,
                action="sign_in_policy.updated",
                target=locked,
                data={"tenant": locked.slug, "before": before, "after": after},
            )
    tenant.sso_required = locked.sso_required
    tenant.allowed_email_domains = locked.allowed_email_domains
    logger.info("sign_in_policy.updated", extra={"sso_required": sso_required})
    return locked


# --- GDPR (the account's half; engagement/volunteers/privacy.py adds the volunteer's) ----------

EXPORT_FORMAT_VERSION = 1
# Keys of provider data that could carry credentials; never exported.
_SECRET_KEY_FRAGMENTS = ("token", "secret", "password", "code")


def _without_secrets(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            key: _without_secrets(item)
            for key, item in value.items()
            if not any(fragment in str(key).lower() for fragment in _SECRET_KEY_FRAGMENTS)
        }
    if isinstance(value, list | tuple):
        return [_without_secrets(item) for item in value]
    return value


def isoformat_or_none(value: datetime | None) -> str | None:
    """A date and time as ISO 8601 text for an export, or None."""
    return value.isoformat() if value is not None else None


def user_export_account_data(*, user: User) -> dict[str, Any]:
    """What the account holds about the user, as JSON-ready data: the account, its e-mail
    addresses, connected accounts (without any token) and two-factor methods (without secrets)."""
    tenant = policy.current_tenant_or_none()
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": isoformat_or_none(timezone.now()),
        "tenant": {"name": tenant.name, "slug": tenant.slug} if tenant is not None else None,
        "account": {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": user.role,
            "language": user.language,
            "is_active": user.is_active,
            "date_joined": isoformat_or_none(user.date_joined),
            "last_login": isoformat_or_none(user.last_login),
            "has_password": user.has_usable_password(),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ],
        "social_accounts": [
            {
                "provider": account.provider,
                "uid": account.uid,
                "date_joined": isoformat_or_none(account.date_joined),
                "last_login": isoformat_or_none(account.last_login),
                "data": _without_secrets(account.extra_data),
            }
            for account in SocialAccount.objects.filter(user=user).order_by("id")
        ],
        "two_factor": [
            {
                "type": authenticator.type,
                "created_at": isoformat_or_none(authenticator.created_at),
                "last_used_at": isoformat_or_none(authenticator.last_used_at),
            }
            for authenticator in Authenticator.objects.filter(user=user).order_by("id")
        ],
        "terms_acceptances": [
            {
                "version": acceptance.version.number,
                "accepted_at": isoformat_or_none(acceptance.accepted_at),
                "source": acceptance.source,
            }
            for acceptance in terms_acceptances_of(user_id=user.pk)
        ],
    }


def user_lock_for_deletion(*, user: User, actor: User) -> User:
    """The user's row, locked, once it may be deleted by `actor` (call inside a transaction).

    Only the user themself or a tenant admin may delete an account, and the last active tenant
    admin cannot leave the tenant without admin (every admin row is locked, so two admins cannot
    both leave at the same time).
    """
    if actor.pk != user.pk and not actor.is_tenant_admin:
        raise AccountsError(
            _("You can only delete your own account."), code=AccountsErrorCode.FORBIDDEN
        )
    # The admins first, in the same order as every role change (accounts.roles): no deadlock.
    admins = tenant_admins_lock()
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_tenant_admin:
        if admins == [locked.pk]:
            raise AccountsError(
                _("You are the last administrator: name another one before leaving."),
                code=AccountsErrorCode.LAST_TENANT_ADMIN,
            )
    return locked


def user_delete(*, user: User, actor: User, data: Mapping[str, Any]) -> None:
    """Delete a user locked by `user_lock_for_deletion`, with its addresses, connected accounts,
    second factors and tokens (and, by cascade, what other apps hold about it); audited."""
    _audit(
        actor=None,
        action="account.deleted",
        target=user,
        data={"by_self": actor.pk == user.pk, **data},
    )
    user.delete()
    members_changed(reason="deleted")

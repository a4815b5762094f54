"""Writes on accounts: users and admins, sign-up records, one-time set-password links, the
tenant's sign-in policy, and the GDPR export and deletion.

Identity provider configuration (SAML, OIDC, Facebook) lives in accounts/sso/services.py.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import policy
from accounts.errors import AccountsError, AccountsErrorCode
from accounts.models import User
from tenants.signing import password_reset_token_generator

logger = logging.getLogger(__name__)

DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_ALLOWED_DOMAINS = 50


def _members_changed(*, reason: str) -> None:
    """Every change of who counts as a member of the tenant goes through here (billing seats)."""
    tenant = policy.current_tenant_or_none()
    if tenant is None:
        return
    from billing.services import seats_changed

    seats_changed(tenant=tenant)
    logger.info("members.changed", extra={"reason": reason})


def _audit(*, actor: Any, action: str, target: Any, data: Mapping[str, Any] | None = None) -> None:
    from engagement.services.common import audit_record

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
        is_staff=role == User.Role.ADMIN,
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    logger.info("user.created", extra={"user_id": user.pk, "role": role})
    _members_changed(reason="created")
    return user


def user_create_tenant_admin(*, email: str) -> User:
    """The tenant's first admin: no password until they follow their set-password link."""
    return user_create(email=email, role=User.Role.ADMIN, email_verified=True)


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


def user_signup_record(*, user: User, method: str) -> None:
    """A person signed up by themselves (e-mail form, Facebook, or just-in-time through SSO).

    allauth saved the user inside its own flow; this records what every new member entails.
    """
    logger.info("user.signed_up", extra={"user_id": user.pk, "method": method})
    _members_changed(reason=f"signup:{method}")


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
    *, tenant: Any, actor: User, sso_required: bool, allowed_email_domains: Sequence[str]
) -> Any:
    """Change the tenant's sign-in policy (a Tenant row, public schema).

    Turning "SSO required" on needs the SSO entitlement, a configured SSO connection (or nobody
    could sign in) and an actor who is a break-glass admin (tenant admin with MFA).
    """
    from accounts.sso.selectors import sso_connection_exists
    from billing.entitlements import entitlement_has
    from tenants.models import Tenant

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


# --- GDPR ---------------------------------------------------------------------------------------

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


def user_export_data(*, user: User) -> dict[str, Any]:
    """Everything this tenant holds about the user, as JSON-ready data (GDPR art. 15 and 20).

    Account, e-mail addresses, connected accounts (without any token), two-factor methods (without
    their secrets), volunteer profile, organization memberships and participations.
    """
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    from engagement import selectors as engagement_selectors

    tenant = policy.current_tenant_or_none()
    profile = engagement_selectors.profile_for_user(user=user)
    participations = engagement_selectors.participation_list_for_volunteer(user=user, scope="all")
    memberships = engagement_selectors.organization_list_for_user(user=user)
    data: dict[str, Any] = {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": _iso(_now()),
        "tenant": {"name": tenant.name, "slug": tenant.slug} if tenant is not None else None,
        "account": {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": user.role,
            "language": user.language,
            "is_active": user.is_active,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
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
                "date_joined": _iso(account.date_joined),
                "last_login": _iso(account.last_login),
                "data": _without_secrets(account.extra_data),
            }
            for account in SocialAccount.objects.filter(user=user).order_by("id")
        ],
        "two_factor": [
            {
                "type": authenticator.type,
                "created_at": _iso(authenticator.created_at),
                "last_used_at": _iso(authenticator.last_used_at),
            }
            for authenticator in Authenticator.objects.filter(user=user).order_by("id")
        ],
        "volunteer_profile": _profile_export(profile),
        "organization_memberships": [
            {"organization": organization.name, "role": organization.member_role}
            for organization in memberships
        ],
        "participations": [_participation_export(item) for item in participations],
    }
    logger.info("user.data_exported", extra={"user_id": user.pk})
    return data


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _profile_export(profile: Any) -> dict[str, Any] | None:
    if profile is None:
        return None
    home = profile.home_point
    return {
        "causes": [cause.slug for cause in profile.causes.all()],
        "skills": [skill.slug for skill in profile.skills.all()],
        "availability_mask": profile.availability_mask,
        "home": {"lat": home.y, "lng": home.x} if home is not None else None,
        "home_label": profile.home_label,
        "radius_km": profile.radius_km,
        "updated_at": _iso(profile.updated_at),
    }


def _participation_export(participation: Any) -> dict[str, Any]:
    slot = participation.slot
    mission = slot.mission
    return {
        "id": participation.pk,
        "mission": mission.title,
        "organization": mission.organization.name,
        "slot_starts_at": _iso(slot.starts_at),
        "slot_ends_at": _iso(slot.ends_at),
        "status": participation.status,
        "message": participation.message,
        "hours": str(participation.hours) if participation.hours is not None else None,
        "decision_note": participation.decision_note,
        "created_at": _iso(participation.created_at),
        "cancelled_at": _iso(participation.cancelled_at),
    }


def user_delete_account(*, user: User, actor: User) -> None:
    """Delete the user (GDPR art. 17), keeping the organizations' counts and hours right.

    Upcoming participations are cancelled first (seats go to the waiting list, organizers are
    told); then every participation is anonymised: no volunteer, no message, status and hours kept.
    The account, its addresses, connected accounts, second factors, tokens, profile and
    memberships go with it. The last active tenant admin cannot leave the tenant without admin.
    """
    from engagement.errors import EngagementError
    from engagement.models import Participation
    from engagement.services.participations import participation_cancel

    if actor.pk != user.pk and not actor.is_tenant_admin:
        raise AccountsError(
            _("You can only delete your own account."), code=AccountsErrorCode.FORBIDDEN
        )
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_tenant_admin:
            # Lock every admin row so two admins cannot both leave at the same time.
            admins = list(
                User.objects.select_for_update()
                .filter(role=User.Role.ADMIN, is_active=True)
                .values_list("pk", flat=True)
            )
            if admins == [locked.pk]:
                raise AccountsError(
                    _("You are the last administrator: name another one before leaving."),
                    code=AccountsErrorCode.LAST_TENANT_ADMIN,
                )
        upcoming = Participation.objects.filter(
            volunteer=locked, status__in=Participation.ACTIVE_STATUSES
        ).select_related("slot")
        cancelled = 0
        for participation in upcoming:
            try:
                participation_cancel(participation=participation, actor=locked)
                cancelled += 1
            except EngagementError:
                # Already started: the organization still records attendance, anonymously.
                continue
        anonymised = Participation.objects.filter(volunteer=locked).update(
            volunteer=None, is_anonymised=True, message=""
        )
        user_id = locked.pk
        _audit(
            actor=None,
            action="account.deleted",
            target=locked,
            data={
                "by_self": actor.pk == user.pk,
                "participations_anonymised": anonymised,
                "participations_cancelled": cancelled,
            },
        )
        locked.delete()
        _members_changed(reason="deleted")
    logger.info(
        "user.deleted",
        extra={"user_id": user_id, "anonymised": anonymised, "cancelled": cancelled},
    )

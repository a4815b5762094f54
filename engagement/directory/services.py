"""Writes of the directory: its token (create = rotate, revoke, check), the people and the teams
it provisions through SCIM, and the profile the identity provider's attributes fill at sign-in.

The rules, whatever calls in:
- the company vouches for its people: an account it creates has a verified e-mail, no usable
  password (they sign in through the company's identity provider) and the volunteer role; an
  account of the same e-mail that already exists here (signed up earlier) is linked, not doubled;
- deactivating (active=false) ends the person's sessions in this tenant, revokes their API tokens
  and calendar feeds, and sets `is_active` False, which hides them everywhere; their team
  memberships are kept (the directory removes them from its groups itself when it means to), so
  reactivation restores everything but the sessions;
- DELETE deactivates the same way and forgets the directory's link (the SCIM resource is gone)
  and the directory's team memberships; the account and its history stay, inactive, for the
  company's reports: erasing a person is the GDPR module's (engagement/volunteers/privacy.py),
  on the person's or an admin's request;
- the tenant is never left without an active admin;
- a group is a team of source "directory"; deleting the group deletes the team.

Every change runs in a transaction and raises DirectoryError with nothing written when refused.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.api_tokens.models import ApiToken
from accounts.models import User
from accounts.roles import user_sessions_end
from accounts.services import members_changed, user_create
from engagement.calendars.models import CalendarFeed
from engagement.directory.errors import DirectoryError
from engagement.directory.errors import DirectoryErrorCode as Code
from engagement.directory.models import TOKEN_PREFIX, DirectoryIdentity, DirectoryToken
from engagement.programmes.models import EmployeeProfile, Site, Team, TeamMembership
from tenants.audit.services import audit_record
from tenants.context import current_tenant
from tenants.signing import tenant_tag

logger = logging.getLogger(__name__)

# `last_used_at` is written at most this often (not on every request of a sync).
LAST_USED_PRECISION = timedelta(minutes=1)
# Longer than any token we mint (5 + 8 + 1 + 43 characters): refused before hashing.
MAX_TOKEN_LENGTH = 100
HINT_LENGTH = 4
# Bounds of what the directory may send (the fields' lengths).
NAME_MAX_LENGTH = 150
USER_NAME_MAX_LENGTH = 254
EXTERNAL_ID_MAX_LENGTH = 200
PROFILE_FIELD_MAX_LENGTHS = {"employee_number": 64, "department": 120, "job_title": 120}


# --- Token ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatedDirectoryToken:
    token: DirectoryToken
    # The whole token, to show once; it is stored nowhere.
    secret: str


def token_hash(raw: str) -> str:
    """What is stored of a token: its SHA-256 (hex) — the secret is 256 random bits."""
    return hashlib.sha256(raw.encode()).hexdigest()


def _require_admin(actor: User) -> None:
    if not actor.is_tenant_admin:
        raise DirectoryError(_("Only tenant administrators."), code=Code.FORBIDDEN)
    if current_tenant().kind != "company":
        raise DirectoryError(
            _("Only a company's site is provisioned from a directory."), code=Code.FORBIDDEN
        )


def _working_token_lock() -> DirectoryToken | None:
    return DirectoryToken.objects.select_for_update().filter(revoked_at__isnull=True).first()


def _revoke(token: DirectoryToken, *, actor: User, now: datetime, reason: str) -> None:
    token.revoked_at = now
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        actor=actor, action="directory_token.revoked", target=token, data={"reason": reason}
    )


def directory_token_create(*, actor: User, now: datetime | None = None) -> CreatedDirectoryToken:
    """A new token for the directory (a tenant admin only); the working one, if any, stops
    working at once (rotation). Both audited."""
    _require_admin(actor)
    now = now or timezone.now()
    secret = f"{TOKEN_PREFIX}{tenant_tag()}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        previous = _working_token_lock()
        if previous is not None:
            _revoke(previous, actor=actor, now=now, reason="rotated")
        token = DirectoryToken.objects.create(
            secret_hash=token_hash(secret),
            hint=secret[-HINT_LENGTH:],
            created_by=actor,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="directory_token.created",
            target=token,
            data={"replaces": previous.pk if previous is not None else None},
        )
    logger.info("directory_token.created", extra={"token_id": token.pk})
    return CreatedDirectoryToken(token=token, secret=secret)


def directory_token_revoke(*, actor: User, now: datetime | None = None) -> DirectoryToken | None:
    """Revoke the working token (the directory's requests get 401 from now on); audited. Without
    a working token, nothing changes."""
    _require_admin(actor)
    with transaction.atomic():
        token = _working_token_lock()
        if token is not None:
            _revoke(token, actor=actor, now=now or timezone.now(), reason="revoked")
    return token


def directory_token_authenticate(*, raw: str, now: datetime | None = None) -> DirectoryToken | None:
    """The working token of the current tenant that `raw` is, or None (unknown, revoked, or
    minted by another tenant: its tag is checked before any lookup)."""
    if (
        not raw
        or len(raw) > MAX_TOKEN_LENGTH
        or not raw.startswith(f"{TOKEN_PREFIX}{tenant_tag()}_")
    ):
        return None
    token = DirectoryToken.objects.filter(
        secret_hash=token_hash(raw), revoked_at__isnull=True
    ).first()
    if token is None:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        DirectoryToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- People --------------------------------------------------------------------------------------


@dataclass
class DirectoryUserData:
    """What the directory says of a person (a SCIM User, already read)."""

    user_name: str
    email: str = ""
    external_id: str = ""
    given_name: str = ""
    family_name: str = ""
    active: bool = True
    job_title: str = ""
    employee_number: str = ""
    department: str = ""
    manager_value: str = ""
    site_value: str = ""


def _text(value: Any, *, name: str, max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DirectoryError(
            _("“%(name)s” must be a string.") % {"name": name}, code=Code.INVALID_VALUE
        )
    cleaned = value.strip()
    if len(cleaned) > max_length:
        raise DirectoryError(
            _("“%(name)s” has at most %(count)d characters.") % {"name": name, "count": max_length},
            code=Code.INVALID_VALUE,
        )
    if cleaned and not cleaned.isprintable():
        raise DirectoryError(
            _("“%(name)s” has characters that cannot be shown.") % {"name": name},
            code=Code.INVALID_VALUE,
        )
    return cleaned


def _user_data_clean(data: DirectoryUserData) -> DirectoryUserData:
    user_name = _text(data.user_name, name="userName", max_length=USER_NAME_MAX_LENGTH)
    if not user_name:
        raise DirectoryError(_("“userName” is required."), code=Code.INVALID_VALUE)
    email = _text(data.email, name="emails", max_length=254) or user_name
    try:
        EmailValidator()(email)
    except ValidationError:
        raise DirectoryError(
            _("“%(value)s” is not an e-mail address.") % {"value": email}, code=Code.INVALID_VALUE
        ) from None
    if not isinstance(data.active, bool):
        raise DirectoryError(_("“active” must be true or false."), code=Code.INVALID_VALUE)
    return DirectoryUserData(
        user_name=user_name,
        email=User.objects.normalize_email(email).lower(),
        external_id=_text(data.external_id, name="externalId", max_length=EXTERNAL_ID_MAX_LENGTH),
        given_name=_text(data.given_name, name="name.givenName", max_length=NAME_MAX_LENGTH),
        family_name=_text(data.family_name, name="name.familyName", max_length=NAME_MAX_LENGTH),
        active=data.active,
        job_title=_text(data.job_title, name="title", max_length=120),
        employee_number=_text(data.employee_number, name="employeeNumber", max_length=64),
        department=_text(data.department, name="department", max_length=120),
        manager_value=_text(data.manager_value, name="manager.value", max_length=200),
        site_value=_text(data.site_value, name="site", max_length=120),
    )


def _require_unique_identity(data: DirectoryUserData, *, identity_pk: int | None) -> None:
    others = DirectoryIdentity.objects.all()
    if identity_pk is not None:
        others = others.exclude(pk=identity_pk)
    if others.filter(user_name__iexact=data.user_name).exists():
        raise DirectoryError(
            _("The userName “%(value)s” is already taken.") % {"value": data.user_name},
            code=Code.UNIQUENESS,
        )
    if data.external_id and others.filter(external_id=data.external_id).exists():
        raise DirectoryError(
            _("The externalId “%(value)s” is already taken.") % {"value": data.external_id},
            code=Code.UNIQUENESS,
        )


def _require_email_free(email: str, *, user: User | None) -> None:
    taken = User.objects.filter(email__iexact=email)
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        raise DirectoryError(
            _("The e-mail address “%(value)s” is already taken.") % {"value": email},
            code=Code.UNIQUENESS,
        )


def _require_other_active_admin(user: User) -> None:
    if user.role != User.Role.ADMIN or not user.is_active:
        return
    others = User.objects.filter(role=User.Role.ADMIN, is_active=True).exclude(pk=user.pk)
    if not others.exists():
        raise DirectoryError(
            _("This person is the site's last active administrator: appoint another first."),
            code=Code.LAST_ADMIN,
        )


def _credentials_end(user: User, *, now: datetime) -> dict[str, int]:
    """End what lets the person in: sessions of this tenant, API tokens, calendar feeds."""
    return {
        "sessions": user_sessions_end(user=user),
        "api_tokens": ApiToken.objects.filter(created_by=user, revoked_at__isnull=True).update(
            revoked_at=now
        ),
        "legacy_api_tokens": Token.objects.filter(user=user).delete()[0],
        "calendar_feeds": CalendarFeed.objects.filter(owner=user, revoked_at__isnull=True).update(
            revoked_at=now
        ),
    }


def _set_active(user: User, active: bool, *, now: datetime) -> None:
    if user.is_active == active:
        return
    if not active:
        _require_other_active_admin(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    if active:
        audit_record(actor=None, action="directory.user_reactivated", target=user)
        members_changed(reason="directory:reactivated")
    else:
        ended = _credentials_end(user, now=now)
        audit_record(actor=None, action="directory.user_deactivated", target=user, data=ended)
        members_changed(reason="directory:deactivated")
        logger.info("directory.user_deactivated", extra={"user_id": user.pk, **ended})


def _site_for(value: str) -> Site | None:
    if not value:
        return None
    return (
        Site.objects.filter(Q(external_id=value) | Q(name__iexact=value))
        .order_by("-external_id")
        .first()
    )


def _manager_for(value: str, *, user: User) -> User | None:
    try:
        scim_id = UUID(value)
    except ValueError:
        return None
    identity = DirectoryIdentity.objects.select_related("user").filter(scim_id=scim_id).first()
    if identity is None or identity.user_id == user.pk:
        return None
    return identity.user


def _profile_apply(identity: DirectoryIdentity, data: DirectoryUserData) -> None:
    user = identity.user
    profile, _created = EmployeeProfile.objects.get_or_create(user=user)
    profile.employee_number = data.employee_number
    profile.department = data.department
    profile.job_title = data.job_title
    profile.site = _site_for(data.site_value)
    profile.manager = _manager_for(data.manager_value, user=user)
    profile.save()
    # People whose manager the directory named before this person arrived.
    waiting = EmployeeProfile.objects.filter(
        user__directory_identity__manager_value=str(identity.scim_id), manager__isnull=True
    ).exclude(user=user)
    waiting.update(manager=user)


def _identity_write(identity: DirectoryIdentity, data: DirectoryUserData) -> None:
    identity.user_name = data.user_name
    identity.external_id = data.external_id
    identity.manager_value = data.manager_value
    identity.site_value = data.site_value
    identity.save()


def _user_write(user: User, data: DirectoryUserData) -> None:
    changed = []
    for name, value in (
        ("email", data.email),
        ("first_name", data.given_name),
        ("last_name", data.family_name),
    ):
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        user.save(update_fields=changed)
    if "email" in changed:
        EmailAddress.objects.filter(user=user).delete()
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)


def directory_user_create(
    *, data: DirectoryUserData, now: datetime | None = None
) -> DirectoryIdentity:
    """Provision a person. A person already here with that e-mail (and not yet linked to the
    directory) is linked; otherwise a new account. DirectoryError when the userName, externalId
    or e-mail is taken."""
    now = now or timezone.now()
    cleaned = _user_data_clean(data)
    with transaction.atomic():
        _require_unique_identity(cleaned, identity_pk=None)
        user = User.objects.select_for_update().filter(email__iexact=cleaned.email).first()
        if user is not None and DirectoryIdentity.objects.filter(user=user).exists():
            raise DirectoryError(
                _("The e-mail address “%(value)s” is already taken.") % {"value": cleaned.email},
                code=Code.UNIQUENESS,
            )
        try:
            with transaction.atomic():
                if user is None:
                    user = user_create(
                        email=cleaned.email,
                        first_name=cleaned.given_name,
                        last_name=cleaned.family_name,
                        role=User.Role.VOLUNTEER,
                        email_verified=True,
                    )
                    action = "directory.user_created"
                else:
                    _user_write(user, cleaned)
                    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(
                        verified=True
                    )
                    action = "directory.user_linked"
                identity = DirectoryIdentity(user=user)
                _identity_write(identity, cleaned)
        except IntegrityError:
            # Another request took the same userName, externalId or e-mail meanwhile.
            raise DirectoryError(
                _("The userName, externalId or e-mail address is already taken."),
                code=Code.UNIQUENESS,
            ) from None
        _set_active(user, cleaned.active, now=now)
        _profile_apply(identity, cleaned)
        audit_record(
            actor=None, action=action, target=user, data={"scim_id": str(identity.scim_id)}
        )
    logger.info("directory.user_provisioned", extra={"user_id": user.pk, "action": action})
    return identity


def directory_user_replace(
    *, identity: DirectoryIdentity, data: DirectoryUserData, now: datetime | None = None
) -> DirectoryIdentity:
    """Apply what the directory now says of a person (all of it: SCIM PUT, or PATCH once its
    operations are applied to the current state)."""
    now = now or timezone.now()
    cleaned = _user_data_clean(data)
    with transaction.atomic():
        locked = (
            DirectoryIdentity.objects.select_for_update().select_related("user").get(pk=identity.pk)
        )
        _require_unique_identity(cleaned, identity_pk=locked.pk)
        _require_email_free(cleaned.email, user=locked.user)
        try:
            with transaction.atomic():
                _user_write(locked.user, cleaned)
                _identity_write(locked, cleaned)
        except IntegrityError:
            raise DirectoryError(
                _("The userName, externalId or e-mail address is already taken."),
                code=Code.UNIQUENESS,
            ) from None
        _set_active(locked.user, cleaned.active, now=now)
        _profile_apply(locked, cleaned)
    return locked


def directory_user_delete(*, identity: DirectoryIdentity, now: datetime | None = None) -> None:
    """The directory removed the person: deactivated (sessions and credentials ended), out of
    the directory's teams, and no longer a SCIM resource. The account stays, inactive."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            DirectoryIdentity.objects.select_for_update().select_related("user").get(pk=identity.pk)
        )
        user = locked.user
        _set_active(user, False, now=now)
        TeamMembership.objects.filter(user=user, team__source=Team.Source.DIRECTORY).delete()
        EmployeeProfile.objects.filter(manager=user).update(manager=None)
        locked.delete()
        audit_record(actor=None, action="directory.user_removed", target=user)
    logger.info("directory.user_removed", extra={"user_id": user.pk})


# --- Teams ---------------------------------------------------------------------------------------


@dataclass
class DirectoryGroupData:
    """What the directory says of a group (a SCIM Group, already read)."""

    display_name: str
    external_id: str = ""
    # The SCIM ids of the members (people the directory provisioned).
    member_ids: list[str] = field(default_factory=list)


def _members_resolve(member_ids: Iterable[str]) -> list[User]:
    scim_ids: set[UUID] = set()
    for value in member_ids:
        try:
            scim_ids.add(UUID(str(value)))
        except ValueError:
            raise DirectoryError(
                _("No person has the id “%(value)s”.") % {"value": value}, code=Code.INVALID_VALUE
            ) from None
    identities = list(DirectoryIdentity.objects.filter(scim_id__in=scim_ids).select_related("user"))
    if len(identities) != len(scim_ids):
        missing = sorted(str(i) for i in scim_ids - {identity.scim_id for identity in identities})
        raise DirectoryError(
            _("No person has the id “%(value)s”.") % {"value": missing[0]}, code=Code.INVALID_VALUE
        )
    return [identity.user for identity in identities]


def _group_data_clean(data: DirectoryGroupData) -> DirectoryGroupData:
    name = _text(data.display_name, name="displayName", max_length=120)
    if not name:
        raise DirectoryError(_("“displayName” is required."), code=Code.INVALID_VALUE)
    return DirectoryGroupData(
        display_name=name,
        external_id=_text(data.external_id, name="externalId", max_length=EXTERNAL_ID_MAX_LENGTH),
        member_ids=list(data.member_ids),
    )


def _require_unique_team(data: DirectoryGroupData, *, team_pk: int | None) -> None:
    others = Team.objects.all()
    if team_pk is not None:
        others = others.exclude(pk=team_pk)
    if others.filter(name__iexact=data.display_name).exists():
        raise DirectoryError(
            _("A team is already called “%(value)s”.") % {"value": data.display_name},
            code=Code.UNIQUENESS,
        )
    if data.external_id and others.filter(external_id=data.external_id).exists():
        raise DirectoryError(
            _("The externalId “%(value)s” is already taken.") % {"value": data.external_id},
            code=Code.UNIQUENESS,
        )


def _team_write(team: Team, data: DirectoryGroupData) -> None:
    team.name = data.display_name
    team.external_id = data.external_id
    team.source = Team.Source.DIRECTORY
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError:
        raise DirectoryError(
            _("A team already has this name or externalId."), code=Code.UNIQUENESS
        ) from None
    members = _members_resolve(data.member_ids)
    wanted = {user.pk for user in members}
    TeamMembership.objects.filter(team=team).exclude(user_id__in=wanted).delete()
    present = set(TeamMembership.objects.filter(team=team).values_list("user_id", flat=True))
    TeamMembership.objects.bulk_create(
        [TeamMembership(team=team, user_id=pk) for pk in sorted(wanted - present)]
    )


def directory_team_create(*, data: DirectoryGroupData) -> Team:
    cleaned = _group_data_clean(data)
    with transaction.atomic():
        _require_unique_team(cleaned, team_pk=None)
        team = Team()
        _team_write(team, cleaned)
        audit_record(actor=None, action="directory.team_created", target=team)
    return team


def directory_team_replace(*, team: Team, data: DirectoryGroupData) -> Team:
    cleaned = _group_data_clean(data)
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        _require_unique_team(cleaned, team_pk=locked.pk)
        _team_write(locked, cleaned)
    return locked


def directory_team_delete(*, team: Team) -> None:
    """The directory removed the group: the team goes with its memberships."""
    with transaction.atomic():
        audit_record(
            actor=None, action="directory.team_deleted", target=team, data={"name": team.name}
        )
        Team.objects.filter(pk=team.pk, source=Team.Source.DIRECTORY).delete()


# --- Sign-in attributes --------------------------------------------------------------------------


def employee_profile_sync_from_sign_in(
    *, user: User, attributes: Mapping[str, str | list[str]]
) -> None:
    """Fill the person's employee profile from what the company's identity provider sent at
    sign-in (already mapped to our names: department, site, manager, job_title,
    employee_number, teams). What it did not send is left as it is; an unknown manager or site
    leaves the field empty; the groups it sends become the person's teams of source SSO."""
    known = {key: value for key, value in attributes.items() if isinstance(value, str)}
    groups = attributes.get("teams")
    if (not known and groups is None) or current_tenant().kind != "company":
        return
    with transaction.atomic():
        if isinstance(groups, list):
            _sso_teams_sync(user=user, names=groups)
        if not known:
            return
        profile, _created = EmployeeProfile.objects.select_for_update().get_or_create(user=user)
        for name, max_length in PROFILE_FIELD_MAX_LENGTHS.items():
            if name in known:
                setattr(profile, name, known[name].strip()[:max_length])
        if "site" in known:
            profile.site = _site_for(known["site"].strip()[:120])
        if "manager" in known:
            email = known["manager"].strip().lower()
            manager = (
                User.objects.filter(email__iexact=email, is_active=True).exclude(pk=user.pk).first()
                if email
                else None
            )
            profile.manager = manager
        profile.save()


def _sso_teams_sync(*, user: User, names: Sequence[str]) -> None:
    """The person belongs to exactly the SSO teams named by their groups: a missing one is
    created (source SSO), memberships of SSO teams they left are removed. A team of the same name
    managed here or by the directory is left alone: SSO never changes those."""
    wanted = list(dict.fromkeys(name.strip()[:120] for name in names if name.strip()))
    existing = {team.name: team for team in Team.objects.filter(name__in=wanted)}
    keep: list[int] = []
    for name in wanted:
        team = existing.get(name)
        if team is None:
            team, _created = Team.objects.get_or_create(
                name=name, defaults={"source": Team.Source.SSO}
            )
        if team.source != Team.Source.SSO:
            continue
        keep.append(team.pk)
        TeamMembership.objects.get_or_create(team=team, user=user)
    TeamMembership.objects.filter(user=user, team__source=Team.Source.SSO).exclude(
        team_id__in=keep
    ).delete()

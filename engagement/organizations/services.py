"""Organizations, their members and invitations, and their verification by moderators.

An organization is created pending (its creator becomes its admin) and publishes missions only
once a moderator or tenant admin verified it. Rejecting a verified organization closes its
published missions. Admins manage the organization and its members; editors manage missions and
participants. Members join by an e-mailed, single-use invitation; the last admin never leaves,
unless a tenant admin removes them and confirms it. Tenant admins also appoint an organization's
admins directly, from existing accounts of the tenant (the back office's organization page).
"""

from __future__ import annotations

import logging
import secrets
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.permissions import user_is_tenant_admin
from billing.entitlements import entitlement_within_limit
from engagement.access import require_authenticated, require_moderator
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.missions.models import Mission
from engagement.notifications import notify_invitation, notify_organization_verification
from engagement.organizations.access import require_organization_role
from engagement.organizations.images import ImageRejected, logo_png
from engagement.organizations.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
)
from engagement.validation import clean_texts, copy_fields, validated
from tenants.audit.services import audit_record
from tenants.context import current_schema_name, current_tenant
from tenants.storage import STORAGE_UNAVAILABLE_MESSAGE, StorageUnavailable

logger = logging.getLogger("engagement.services")

ORGANIZATION_HTML_FIELDS = {"description": 5_000}
ORGANIZATION_TEXT_FIELDS = {"name": 160, "address": 255}


class OrganizationChanges(TypedDict, total=False):
    """What organization_update may change; a field left out stays as it is."""

    name: str
    kind: str
    description: str
    address: str
    website: str
    contact_email: str
    # The uploaded file's bytes, or None to remove the logo.
    logo: bytes | None


ORGANIZATION_FIELDS = OrganizationChanges.__optional_keys__
NOTE_MAX_LENGTH = 500
Role = OrganizationMembership.Role


def _unique_slug(name: str) -> str:
    base = (slugify(name) or "organisation")[:70].strip("-") or "organisation"
    taken = set(Organization.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def organization_create(
    *,
    creator: User,
    name: str,
    kind: str,
    description: str = "",
    address: str = "",
    website: str = "",
    contact_email: str = "",
) -> Organization:
    """A new organization whose creator is its first admin (within the plan's limit): pending
    until a moderator verifies it, or verified at once when the tenant does not moderate
    organizations (`Tenant.organization_moderation_enabled` off)."""
    require_authenticated(creator)
    texts = clean_texts(
        {"name": name, "description": description, "address": address},
        html_fields=ORGANIZATION_HTML_FIELDS,
        text_fields=ORGANIZATION_TEXT_FIELDS,
    )
    tenant = current_tenant()
    with transaction.atomic():
        # Serializes creations in this tenant so two requests cannot both take the last
        # organization the plan allows (the count below then sees every committed row).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"organization_create:{current_schema_name()}"],
            )
        count = Organization.objects.exclude(
            verification_status=Organization.Verification.REJECTED
        ).count()
        if not entitlement_within_limit(tenant, "max_organizations", current=count):
            raise EngagementError(
                _("This site has reached the number of organizations its plan allows."),
                code=EngagementErrorCode.ORGANIZATION_LIMIT_REACHED,
            )
        organization = Organization(
            slug=_unique_slug(texts["name"]),
            kind=kind,
            verification_status=(
                Organization.Verification.PENDING
                if tenant.organization_moderation_enabled
                else Organization.Verification.VERIFIED
            ),
            website=(website or "").strip(),
            contact_email=(contact_email or "").strip().lower(),
            created_by=creator,
            **texts,
        )
        validated(organization)
        organization.save()
        OrganizationMembership.objects.create(
            organization=organization, user=creator, role=Role.ADMIN
        )
        audit_record(
            actor=creator,
            action="organization.created",
            target=organization,
            data={"verification_status": organization.verification_status},
        )
    logger.info("organization.created", extra={"organization_id": organization.pk})
    return organization


def organization_update(
    *, organization: Organization, actor: User, **fields: Unpack[OrganizationChanges]
) -> Organization:
    """Change an organization's details: its admins, or a tenant admin.

    `logo` is the uploaded file's bytes (checked and re-encoded as a PNG by engagement.images;
    a file that is not a picture is a 400 on `logo`) or None to remove it; the replaced file is
    deleted once the change is committed.
    """
    unknown = set(fields) - ORGANIZATION_FIELDS
    if unknown:
        raise TypeError(f"organization_update() got unexpected fields: {sorted(unknown)}")
    if not user_is_tenant_admin(actor):
        require_organization_role(actor, organization, roles=(Role.ADMIN,))
    logo_given = "logo" in fields
    logo_png_bytes = _logo(fields.pop("logo")) if logo_given else None
    values = clean_texts(
        fields, html_fields=ORGANIZATION_HTML_FIELDS, text_fields=ORGANIZATION_TEXT_FIELDS
    )
    for key in ("website", "contact_email"):
        if key in values:
            values[key] = (values[key] or "").strip()
    if "contact_email" in values:
        values["contact_email"] = values["contact_email"].lower()
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        changed = sorted(name for name, value in values.items() if getattr(locked, name) != value)
        for name, value in values.items():
            setattr(locked, name, value)
        validated(locked, exclude=["logo"])
        if logo_given:
            _replace_logo(locked, logo_png_bytes)
            changed = sorted({*changed, "logo"})
        locked.save()
        audit_record(
            actor=actor, action="organization.updated", target=locked, data={"fields": changed}
        )
    copy_fields(organization, locked)
    logger.info("organization.updated", extra={"organization_id": locked.pk})
    return locked


def _logo(upload: bytes | None) -> bytes | None:
    if upload is None:
        return None
    try:
        return logo_png(upload)
    except ImageRejected as error:
        raise EngagementError(
            str(error), code=EngagementErrorCode.INVALID, fields={"logo": [str(error)]}
        ) from None


def _replace_logo(organization: Organization, png: bytes | None) -> None:
    """Point the (locked) organization at a new PNG, or at none; the old file goes once the
    transaction commits (a rollback keeps it, and the new file is then an orphan)."""
    previous = organization.logo.name if organization.logo else ""
    if png is None:
        organization.logo = ""
    else:
        name = f"{organization.slug}-{secrets.token_hex(6)}.png"
        try:
            organization.logo.save(name, ContentFile(png), save=False)
        except StorageUnavailable:
            message = str(STORAGE_UNAVAILABLE_MESSAGE)
            raise EngagementError(
                message, code=EngagementErrorCode.INVALID, fields={"logo": [message]}
            ) from None
    if previous:
        storage = organization.logo.storage
        schema = current_schema_name()

        def delete_previous() -> None:
            with schema_context(schema):
                storage.delete(previous)

        transaction.on_commit(delete_previous)


def organization_verify(
    *, organization: Organization, actor: User, approve: bool, note: str = ""
) -> Organization:
    """A moderator verifies (approve=True) or rejects an organization, with an optional note."""
    require_moderator(actor)
    note = clean_texts({"note": note}, html_fields={}, text_fields={"note": NOTE_MAX_LENGTH})[
        "note"
    ]
    target = Organization.Verification.VERIFIED if approve else Organization.Verification.REJECTED
    now = timezone.now()
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if locked.verification_status == target:
            raise EngagementError(
                _("The organization is already “%(status)s”.")
                % {"status": locked.get_verification_status_display()},
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        previous = locked.verification_status
        locked.verification_status = target
        locked.verification_note = note
        locked.verified_at = now
        locked.verified_by = actor
        locked.save()
        closed: list[int] = []
        if not approve:
            # Missions of an organization that is not verified are not shown to the public.
            closed = list(
                Mission.objects.filter(
                    organization_id=locked.pk, status=Mission.Status.PUBLISHED
                ).values_list("pk", flat=True)
            )
            Mission.objects.filter(pk__in=closed).update(
                status=Mission.Status.CLOSED, updated_at=now
            )
        audit_record(
            actor=actor,
            action="organization.verified" if approve else "organization.rejected",
            target=locked,
            data={"previous_status": previous, "note": note, "missions_closed": closed},
        )
        notify_organization_verification(locked)
    copy_fields(organization, locked)
    logger.info(
        "organization.verification",
        extra={"organization_id": locked.pk, "status": locked.verification_status},
    )
    return locked


def organization_invite(
    *, organization: Organization, actor: User, email: str, role: str = Role.ADMIN
) -> OrganizationInvitation:
    """E-mail a single-use invitation; a newer invitation replaces a pending one."""
    require_organization_role(actor, organization, roles=(Role.ADMIN,))
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        message = _("Enter a valid e-mail address.")
        raise EngagementError(
            message, code=EngagementErrorCode.INVALID, fields={"email": [message]}
        ) from None
    if role not in Role.values:
        message = _("Unknown role.")
        raise EngagementError(message, code=EngagementErrorCode.INVALID, fields={"role": [message]})
    now = timezone.now()
    with transaction.atomic():
        if OrganizationMembership.objects.filter(
            organization_id=organization.pk, user__email__iexact=email
        ).exists():
            raise EngagementError(
                _("This person is already a member."), code=EngagementErrorCode.ALREADY_MEMBER
            )
        OrganizationInvitation.objects.filter(
            organization_id=organization.pk,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=now)
        invitation = OrganizationInvitation.objects.create(
            organization=organization, email=email, role=role, invited_by=actor
        )
        audit_record(
            actor=actor,
            action="organization.invited",
            target=organization,
            data={"invitation_id": invitation.pk, "role": role},
        )
        notify_invitation(invitation)
    logger.info("organization.invited", extra={"organization_id": organization.pk})
    return invitation


def invitation_accept(*, token: str, user: User) -> OrganizationMembership:
    """Join the organization with the invitation sent to this user's e-mail address."""
    require_authenticated(user)
    with transaction.atomic():
        invitation = (
            OrganizationInvitation.objects.select_for_update()
            .filter(token=str(token or "")[:64])
            .first()
        )
        if invitation is None:
            raise EngagementError(
                _("This invitation does not exist."),
                code=EngagementErrorCode.INVITATION_NOT_FOUND,
            )
        if not invitation.is_usable:
            raise EngagementError(
                _("This invitation was already used, replaced or has expired."),
                code=EngagementErrorCode.INVITATION_USED,
            )
        if invitation.email.lower() != (user.email or "").lower():
            raise EngagementError(
                _("This invitation was sent to another e-mail address."),
                code=EngagementErrorCode.INVITATION_EMAIL_MISMATCH,
            )
        membership, created = OrganizationMembership.objects.get_or_create(
            organization_id=invitation.organization_id,
            user=user,
            defaults={"role": invitation.role},
        )
        if not created and invitation.role == Role.ADMIN and membership.role != Role.ADMIN:
            membership.role = Role.ADMIN
            membership.save(update_fields=["role"])
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(
            actor=user,
            action="organization.member_joined",
            target=membership,
            data={"organization_id": invitation.organization_id, "role": membership.role},
        )
    logger.info("organization.member_joined", extra={"organization_id": membership.organization_id})
    return membership


def membership_remove(
    *, membership: OrganizationMembership, actor: User, confirm_last_admin: bool = False
) -> None:
    """An admin of the organization or a tenant admin removes a member, or a member leaves.

    The last admin cannot go, except when a tenant admin removes them with `confirm_last_admin`
    (the organization is then run by the tenant's admins until they add one).
    """
    require_authenticated(actor)
    by_tenant_admin = user_is_tenant_admin(actor)
    if membership.user_id != actor.pk and not by_tenant_admin:
        require_organization_role(actor, membership.organization, roles=(Role.ADMIN,))
    with transaction.atomic():
        # Lock the organization so two admins cannot remove each other at the same time.
        Organization.objects.select_for_update().get(pk=membership.organization_id)
        locked = OrganizationMembership.objects.select_for_update().filter(pk=membership.pk).first()
        if locked is None:
            return
        last_admin = locked.role == Role.ADMIN and not (
            OrganizationMembership.objects.filter(
                organization_id=locked.organization_id, role=Role.ADMIN
            )
            .exclude(pk=locked.pk)
            .exists()
        )
        if last_admin and not (by_tenant_admin and confirm_last_admin):
            if by_tenant_admin:
                message = _(
                    "This is the organization's last administrator: tick the box to confirm. "
                    "The organization then has no administrator until you add one."
                )
                raise EngagementError(
                    message,
                    code=EngagementErrorCode.LAST_ADMIN,
                    fields={"confirm_last_admin": [message]},
                )
            raise EngagementError(
                _("An organization keeps at least one administrator."),
                code=EngagementErrorCode.LAST_ADMIN,
            )
        audit_record(
            actor=actor,
            action="organization.member_removed",
            target=locked,
            data={
                "organization_id": locked.organization_id,
                "user_id": locked.user_id,
                "role": locked.role,
                "last_admin": last_admin,
            },
        )
        locked.delete()
    logger.info(
        "organization.member_removed", extra={"organization_id": membership.organization_id}
    )


def organization_admin_add(
    *, organization: Organization, actor: User, email: str
) -> OrganizationMembership:
    """A tenant admin makes an existing account of the tenant an admin of the organization (an
    editor of it is promoted). Refused: an address no active account uses (`email`), someone
    already admin of it."""
    if not user_is_tenant_admin(actor):
        raise EngagementError(
            _("Only the administrators of this site can do this."),
            code=EngagementErrorCode.NOT_ALLOWED,
        )
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        message = _("Enter a valid e-mail address.")
        raise EngagementError(
            message, code=EngagementErrorCode.INVALID, fields={"email": [message]}
        ) from None
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        user = User.objects.filter(email__iexact=email).first()
        if user is None or not user.is_active:
            message = (
                _("No account of this site uses this address: invite the person first.")
                if user is None
                else _("This account is suspended.")
            )
            raise EngagementError(
                message, code=EngagementErrorCode.INVALID, fields={"email": [message]}
            )
        membership = (
            OrganizationMembership.objects.select_for_update()
            .filter(organization_id=organization.pk, user=user)
            .first()
        )
        previous = membership.role if membership is not None else None
        if membership is None:
            membership = OrganizationMembership.objects.create(
                organization=organization, user=user, role=Role.ADMIN
            )
        elif previous == Role.ADMIN:
            message = _("%(person)s is already an administrator of this organization.") % {
                "person": user.get_full_name()
            }
            raise EngagementError(
                message, code=EngagementErrorCode.ALREADY_MEMBER, fields={"email": [message]}
            )
        else:
            membership.role = Role.ADMIN
            membership.save(update_fields=["role"])
        audit_record(
            actor=actor,
            action="organization.member_added",
            target=membership,
            data={
                "organization_id": organization.pk,
                "user_id": user.pk,
                "role": Role.ADMIN.value,
                "previous_role": previous,
            },
        )
    logger.info("organization.member_added", extra={"organization_id": organization.pk})
    return membership

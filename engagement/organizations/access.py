"""Who may see and act on an organization: members' roles, and `<thing>_get_for_<actor>`
helpers that answer the same 404 for "missing" and "not yours"."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import (
    Viewer,
    get_or_404,
    id_or_404,
    user_is_moderator,
    user_is_signed_in,
)
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.organizations.models import Organization, OrganizationMembership

logger = logging.getLogger("engagement.services")

# Members who run an organization's missions.
ORGANIZER_ROLES: tuple[str, ...] = (
    OrganizationMembership.Role.ADMIN,
    OrganizationMembership.Role.EDITOR,
)


def require_organization_role(
    actor: Viewer, organization: Organization, roles: Iterable[str] = ORGANIZER_ROLES
) -> str:
    role = user_organization_role(actor, organization)
    if role is None or role not in tuple(roles):
        raise EngagementError(
            _("Only the organization's administrators and editors can do this.")
            if tuple(roles) == ORGANIZER_ROLES
            else _("Only the organization's administrators can do this."),
            code=EngagementErrorCode.NOT_ORGANIZATION_MEMBER,
        )
    return role


def user_organization_role(user: Viewer, organization: Organization | int) -> str | None:
    """The user's role ("admin" or "editor") in the organization, or None."""
    if not user_is_signed_in(user):
        return None
    organization_id = organization if isinstance(organization, int) else organization.pk
    return (
        OrganizationMembership.objects.filter(organization_id=organization_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )


def user_membership(user: Viewer, organization: Organization) -> OrganizationMembership | None:
    """The user's membership of the organization (its role and id), or None."""
    if not user_is_signed_in(user):
        return None
    return OrganizationMembership.objects.filter(
        organization_id=organization.pk, user_id=user.pk
    ).first()


def user_has_organization_role(
    user: Viewer,
    organization: Organization | int,
    roles: Iterable[str] = ORGANIZER_ROLES,
) -> bool:
    role = user_organization_role(user, organization)
    return role is not None and role in tuple(roles)


def member_of(user: User, roles: Iterable[str], path: str) -> Exists:
    """EXISTS(membership of `user` with one of `roles` in the organization at `path`)."""
    return Exists(
        OrganizationMembership.objects.filter(
            organization_id=OuterRef(path), user_id=user.pk, role__in=tuple(roles)
        )
    )


# --- Organizations ------------------------------------------------------------------------------


def organization_get_for_member(
    *,
    organization_id: int | str,
    user: Viewer,
    roles: Iterable[str] = ORGANIZER_ROLES,
) -> Organization:
    """An organization where the user holds one of `roles`."""
    pk = id_or_404(organization_id)
    if not user_is_signed_in(user):
        raise Http404
    queryset = Organization.objects.filter(member_of(user, roles, "pk"))
    return get_or_404(queryset, pk)


def membership_get_for_member(
    *, organization_id: int | str, membership_id: int | str, user: Viewer
) -> OrganizationMembership:
    """A membership of an organization the user belongs to (any role): what a member may see.
    Removing someone else is for the organization's admins (engagement.organizations.services)."""
    organization_pk, pk = id_or_404(organization_id), id_or_404(membership_id)
    if not user_is_signed_in(user):
        raise Http404
    queryset = OrganizationMembership.objects.select_related("organization", "user").filter(
        member_of(user, ORGANIZER_ROLES, "organization_id"), organization_id=organization_pk
    )
    return get_or_404(queryset, pk)


def membership_get_for_tenant_admin(
    *, organization: Organization, membership_id: int | str
) -> OrganizationMembership:
    """A membership of `organization` (already fetched for a tenant admin or moderator): the
    back office's people pages remove members of any organization of the tenant."""
    queryset = OrganizationMembership.objects.select_related("user", "organization").filter(
        organization=organization
    )
    return get_or_404(queryset, id_or_404(membership_id))


def organization_get_for_viewer(*, organization_id: int | str, user: Viewer) -> Organization:
    """An organization anyone may see (its name and logo): a verified one, which publishes
    missions; any other only for its members and the moderators."""
    pk = id_or_404(organization_id)
    queryset = Organization.objects.all()
    if user_is_moderator(user):
        return get_or_404(queryset, pk)
    visible = Q(verification_status=Organization.Verification.VERIFIED)
    if user_is_signed_in(user):
        queryset = queryset.annotate(viewer_is_member=member_of(user, ORGANIZER_ROLES, "pk"))
        visible |= Q(viewer_is_member=True)
    return get_or_404(queryset.filter(visible), pk)


def organization_get_for_moderator(*, organization_id: int | str, user: Viewer) -> Organization:
    """Any organization of the tenant, for a moderator or tenant admin."""
    pk = id_or_404(organization_id)
    if not user_is_moderator(user):
        raise Http404
    return get_or_404(Organization.objects.all(), pk)


# The reverse name of Mission.organization and the published status, spelled out here because
# access rules of organizations do not import missions (missions depend on organizations).
_PUBLISHED_MISSION = Q(missions__status="published")


def organization_get_for_public_page(
    *, user: Viewer, slug: str | None = None, organization_id: int | str | None = None
) -> Organization:
    """An organization, by slug or id, whose public page anyone may see: a verified one, and one
    that has a published mission (its missions already show its name and description; a pending
    or rejected organization with nothing published stays out of sight). Its members and the
    moderators see it whatever its state. It carries `viewer_may_see_logo` (the logo's own rule,
    organization_get_for_viewer: verified, or the viewer is a member or a moderator)."""
    if slug is not None:
        queryset = Organization.objects.filter(slug=slug)
    else:
        queryset = Organization.objects.filter(pk=id_or_404(organization_id or 0))
    moderator = user_is_moderator(user)
    if not moderator:
        visible = Q(verification_status=Organization.Verification.VERIFIED) | Q(
            Exists(Organization.objects.filter(_PUBLISHED_MISSION, pk=OuterRef("pk")))
        )
        if user_is_signed_in(user):
            queryset = queryset.annotate(viewer_is_member=member_of(user, ORGANIZER_ROLES, "pk"))
            visible |= Q(viewer_is_member=True)
        queryset = queryset.filter(visible)
    found = queryset.first()
    if found is None:
        raise Http404
    found.viewer_may_see_logo = (  # type: ignore[attr-defined]
        moderator or found.is_verified or bool(getattr(found, "viewer_is_member", False))
    )
    return found

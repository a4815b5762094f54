"""Roles and object access, in one place.

Role helpers answer "what may this user do here?"; the `<thing>_get_for_<actor>` helpers fetch an
object for an actor and raise the same `Http404` for "missing" and "not yours", so an id never
reveals whether something exists in another organization (other tenants' objects live in other
schemas and are never reachable at all). Services check roles again: these helpers decide what a
caller may *see*, the services what it may *do*.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from engagement.models import (
    Mission,
    Organization,
    OrganizationMembership,
    Participation,
    Slot,
)

ORGANIZER_ROLES: tuple[str, ...] = (
    OrganizationMembership.Role.ADMIN,
    OrganizationMembership.Role.EDITOR,
)


def _is_authenticated(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def user_is_tenant_admin(user: Any) -> bool:
    """A tenant admin: configures the tenant, verifies organizations, moderates missions."""
    return _is_authenticated(user) and bool(user.is_tenant_admin)


def user_is_moderator(user: Any) -> bool:
    """A moderator or a tenant admin: verifies organizations and moderates missions."""
    return _is_authenticated(user) and bool(user.is_moderator)


def user_organization_role(user: Any, organization: Organization | int) -> str | None:
    """The user's role ("admin" or "editor") in the organization, or None."""
    if not _is_authenticated(user):
        return None
    organization_id = organization if isinstance(organization, int) else organization.pk
    return (
        OrganizationMembership.objects.filter(organization_id=organization_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )


def user_membership(user: Any, organization: Organization) -> OrganizationMembership | None:
    """The user's membership of the organization (its role and id), or None."""
    if not _is_authenticated(user):
        return None
    return OrganizationMembership.objects.filter(
        organization_id=organization.pk, user_id=user.pk
    ).first()


def user_has_organization_role(
    user: Any, organization: Organization | int, roles: Iterable[str] = ORGANIZER_ROLES
) -> bool:
    role = user_organization_role(user, organization)
    return role is not None and role in tuple(roles)


def _member_of(user: Any, roles: Iterable[str], path: str) -> Exists:
    """EXISTS(membership of `user` with one of `roles` in the organization at `path`)."""
    return Exists(
        OrganizationMembership.objects.filter(
            organization_id=OuterRef(path), user_id=user.pk, role__in=tuple(roles)
        )
    )


def _as_id(value: Any) -> int:
    """An id from a URL or a payload; anything that is not a positive integer is a 404."""
    if isinstance(value, bool):
        raise Http404
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if number <= 0 or number > 2**63 - 1:
        raise Http404
    return number


def _get_or_404(queryset: QuerySet[Any], pk: int) -> Any:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# --- Missions -----------------------------------------------------------------------------------


def mission_get_for_viewer(*, mission_id: Any, user: Any) -> Mission:
    """A mission anyone may read: published ones; any status for its organization's members and
    for moderators; and one a volunteer has a participation in (closed or cancelled since)."""
    pk = _as_id(mission_id)
    queryset = Mission.objects.select_related("organization")
    if user_is_moderator(user):
        return _get_or_404(queryset, pk)
    visible = Q(status=Mission.Status.PUBLISHED)
    if _is_authenticated(user):
        queryset = queryset.annotate(
            viewer_is_member=_member_of(user, ORGANIZER_ROLES, "organization_id"),
            viewer_participated=Exists(
                Participation.objects.filter(slot__mission_id=OuterRef("pk"), volunteer_id=user.pk)
            ),
        )
        visible |= Q(viewer_is_member=True) | Q(
            viewer_participated=True,
            status__in=[Mission.Status.CLOSED, Mission.Status.CANCELLED],
        )
    return _get_or_404(queryset.filter(visible), pk)


def mission_get_for_editor(*, mission_id: Any, user: Any) -> Mission:
    """A mission the user may edit: they are an admin or editor of its organization."""
    pk = _as_id(mission_id)
    if not _is_authenticated(user):
        raise Http404
    queryset = Mission.objects.select_related("organization").filter(
        _member_of(user, ORGANIZER_ROLES, "organization_id")
    )
    return _get_or_404(queryset, pk)


# --- Organizations ------------------------------------------------------------------------------


def organization_get_for_member(
    *, organization_id: Any, user: Any, roles: Iterable[str] = ORGANIZER_ROLES
) -> Organization:
    """An organization where the user holds one of `roles`."""
    pk = _as_id(organization_id)
    if not _is_authenticated(user):
        raise Http404
    queryset = Organization.objects.filter(_member_of(user, roles, "pk"))
    return _get_or_404(queryset, pk)


def membership_get_for_member(
    *, organization_id: Any, membership_id: Any, user: Any
) -> OrganizationMembership:
    """A membership of an organization the user belongs to (any role): what a member may see.
    Removing someone else is for the organization's admins (engagement.services)."""
    organization_pk, pk = _as_id(organization_id), _as_id(membership_id)
    if not _is_authenticated(user):
        raise Http404
    queryset = OrganizationMembership.objects.select_related("organization", "user").filter(
        _member_of(user, ORGANIZER_ROLES, "organization_id"), organization_id=organization_pk
    )
    return _get_or_404(queryset, pk)


def organization_get_for_viewer(*, organization_id: Any, user: Any) -> Organization:
    """An organization anyone may see (its name and logo): a verified one, which publishes
    missions; any other only for its members and the moderators."""
    pk = _as_id(organization_id)
    queryset = Organization.objects.all()
    if user_is_moderator(user):
        return _get_or_404(queryset, pk)
    visible = Q(verification_status=Organization.Verification.VERIFIED)
    if _is_authenticated(user):
        queryset = queryset.annotate(viewer_is_member=_member_of(user, ORGANIZER_ROLES, "pk"))
        visible |= Q(viewer_is_member=True)
    return _get_or_404(queryset.filter(visible), pk)


def organization_get_for_moderator(*, organization_id: Any, user: Any) -> Organization:
    """Any organization of the tenant, for a moderator or tenant admin."""
    pk = _as_id(organization_id)
    if not user_is_moderator(user):
        raise Http404
    return _get_or_404(Organization.objects.all(), pk)


# --- Slots and participations -------------------------------------------------------------------


def slot_get_for_editor(*, slot_id: Any, user: Any) -> Slot:
    """A slot of a mission the user may edit."""
    pk = _as_id(slot_id)
    if not _is_authenticated(user):
        raise Http404
    queryset = Slot.objects.select_related("mission__organization").filter(
        _member_of(user, ORGANIZER_ROLES, "mission__organization_id")
    )
    return _get_or_404(queryset, pk)


def participation_get_for_volunteer(*, participation_id: Any, user: Any) -> Participation:
    """The user's own participation."""
    pk = _as_id(participation_id)
    if not _is_authenticated(user):
        raise Http404
    queryset = Participation.objects.select_related("slot__mission__organization").filter(
        volunteer_id=user.pk
    )
    return _get_or_404(queryset, pk)


def participation_get_for_organizer(*, participation_id: Any, user: Any) -> Participation:
    """A participation on a mission of an organization the user administers or edits for."""
    pk = _as_id(participation_id)
    if not _is_authenticated(user):
        raise Http404
    queryset = Participation.objects.select_related(
        "slot__mission__organization", "volunteer"
    ).filter(_member_of(user, ORGANIZER_ROLES, "slot__mission__organization_id"))
    return _get_or_404(queryset, pk)


__all__ = [
    "ORGANIZER_ROLES",
    "mission_get_for_editor",
    "mission_get_for_viewer",
    "organization_get_for_member",
    "organization_get_for_moderator",
    "participation_get_for_organizer",
    "participation_get_for_volunteer",
    "slot_get_for_editor",
    "user_has_organization_role",
    "user_is_moderator",
    "user_is_tenant_admin",
    "user_organization_role",
]

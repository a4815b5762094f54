"""Organizations: a member's list, the moderators' queue, members and invitations."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.db.models import F, QuerySet

from accounts.models import User
from engagement.organizations.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
)

if TYPE_CHECKING:
    # django-stubs-ext is a development dependency (types only).
    from django_stubs_ext import WithAnnotations


class MemberRole(TypedDict):
    member_role: str


def organization_list_for_user(
    *, user: User
) -> QuerySet[WithAnnotations[Organization, MemberRole]]:
    """Organizations the user belongs to, each with `member_role` (admin or editor)."""
    # A user has at most one membership per organization, so the join never repeats a row.
    return (
        Organization.objects.filter(memberships__user=user)
        .annotate(member_role=F("memberships__role"))
        .order_by("name", "id")
    )


def organization_list_for_moderation() -> QuerySet[Organization]:
    """Organizations waiting for verification, oldest first."""
    return Organization.objects.filter(
        verification_status=Organization.Verification.PENDING
    ).order_by("created_at", "id")


def membership_list_for_organization(
    *, organization: Organization
) -> QuerySet[OrganizationMembership]:
    """The organization's members with their users, admins first, then by name."""
    return organization.memberships.select_related("user__volunteer_profile").order_by(
        "role", "user__last_name", "user__first_name", "user__email"
    )


def invitation_list_for_organization(
    *, organization: Organization
) -> QuerySet[OrganizationInvitation]:
    """Invitations neither accepted nor revoked (expired ones included), newest first."""
    return organization.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True
    ).order_by("-created_at", "-id")

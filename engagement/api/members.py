"""Organization members and invitations: who belongs, who is invited, joining and leaving."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import membership_get_for_member
from engagement.api.base import (
    PAGE_PARAMETERS,
    AuthenticatedApiView,
    error_responses,
    paginated,
    paginated_serializer,
    validated_data,
)
from engagement.api.missions import ORGANIZER_TAG
from engagement.api.organizations import organization_for_member_or_moderator
from engagement.api.serializers import InvitationSerializer, MembershipSerializer
from engagement.models import OrganizationMembership
from engagement.selectors import invitation_list_for_organization, membership_list_for_organization
from engagement.services import invitation_accept, membership_remove, organization_invite
from engagement.services.common import require_organization_role

Role = OrganizationMembership.Role


class OrganizationMembersApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_members_list",
        summary="The organization's members, admins first (its members, moderators)",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(MembershipSerializer, "PaginatedMembershipList"),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request: Request, organization_id: int) -> Response:
        organization = organization_for_member_or_moderator(request, organization_id)
        memberships = membership_list_for_organization(organization=organization).select_related(
            "organization"
        )
        return paginated(self, memberships, MembershipSerializer)


class OrganizationMemberApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_members_destroy",
        summary="Remove a member (the organization's admins), or leave (oneself)",
        description="An organization keeps at least one administrator: removing the last one "
        "is a 409 `last_admin`.",
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    def delete(self, request: Request, organization_id: int, membership_id: int) -> Response:
        membership = membership_get_for_member(
            organization_id=organization_id, membership_id=membership_id, user=request.user
        )
        membership_remove(membership=membership, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.EDITOR)

    class Meta:
        ref_name = "InvitationInput"


class OrganizationInvitationsApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_invitations_list",
        summary="Invitations not accepted yet, newest first (the organization's admins)",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(InvitationSerializer, "PaginatedInvitationList"),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request: Request, organization_id: int) -> Response:
        organization = organization_for_member_or_moderator(request, organization_id)
        require_organization_role(request.user, organization, roles=(Role.ADMIN,))
        invitations = invitation_list_for_organization(organization=organization)
        return paginated(self, invitations, InvitationSerializer)

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_invitations_create",
        summary="Invite someone by e-mail (the organization's admins)",
        description="Sends a single-use link valid 14 days, for that address only; a newer "
        "invitation to the same address replaces a pending one. The token is never returned.",
        request=InvitationInput,
        responses={201: InvitationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, organization_id: int) -> Response:
        organization = organization_for_member_or_moderator(request, organization_id)
        data = validated_data(InvitationInput, request.data)
        invitation = organization_invite(
            organization=organization, actor=request.user, email=data["email"], role=data["role"]
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationAcceptApi(AuthenticatedApiView):
    class AcceptInput(serializers.Serializer):
        token = serializers.CharField(max_length=64)

        class Meta:
            ref_name = "InvitationAcceptInput"

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="invitations_accept",
        summary="Join an organization with the token of an invitation sent to my address",
        request=AcceptInput,
        responses={201: MembershipSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request) -> Response:
        data = validated_data(self.AcceptInput, request.data)
        membership = invitation_accept(token=data["token"], user=request.user)
        membership = membership_get_for_member(
            organization_id=membership.organization_id,
            membership_id=membership.pk,
            user=request.user,
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

"""Organizations: a member's list, creation, details and edits; verification by moderators."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import user_is_moderator
from accounts.requests import SignedInApiRequest
from engagement.api.base import (
    MODERATION_TAG,
    ORGANIZER_TAG,
    PAGE_PARAMETERS,
    AuthenticatedApiView,
    error_responses,
    paginated,
    paginated_serializer,
    require_moderator,
    validated_data,
)
from engagement.organizations.access import (
    membership_get_for_member,
    organization_get_for_member,
    organization_get_for_moderator,
    require_organization_role,
    user_organization_role,
)
from engagement.organizations.images import LOGO_MAX_BYTES
from engagement.organizations.models import Organization, OrganizationMembership
from engagement.organizations.selectors import (
    invitation_list_for_organization,
    membership_list_for_organization,
    organization_list_for_moderation,
    organization_list_for_user,
)
from engagement.organizations.serializers import (
    InvitationSerializer,
    MembershipSerializer,
    OrganizationSerializer,
)
from engagement.organizations.services import (
    invitation_accept,
    membership_remove,
    organization_create,
    organization_invite,
    organization_update,
    organization_verify,
)


class OrganizationInput(serializers.Serializer):
    name = serializers.CharField(max_length=160)
    kind = serializers.ChoiceField(choices=Organization.Kind.choices)
    description = serializers.CharField(
        max_length=15_000, required=False, allow_blank=True, trim_whitespace=False
    )
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    website = serializers.URLField(max_length=200, required=False, allow_blank=True)
    contact_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)

    class Meta:
        ref_name = "OrganizationInput"


def _organization_response(
    request: Request, organization: Organization, *, code: int = status.HTTP_200_OK
) -> Response:
    organization.member_role = user_organization_role(request.user, organization)  # type: ignore[attr-defined]
    return Response(OrganizationSerializer(organization).data, status=code)


def organization_for_member_or_moderator(request: Request, organization_id: int) -> Organization:
    """Moderators and tenant admins reach every organization; others only their own."""
    if user_is_moderator(request.user):
        return organization_get_for_moderator(organization_id=organization_id, user=request.user)
    return organization_get_for_member(organization_id=organization_id, user=request.user)


class OrganizationListApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_list",
        summary="Organizations I belong to, with my role",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(OrganizationSerializer, "PaginatedOrganizationList"),
            **error_responses(400, 401),
        },
    )
    def get(self, request: SignedInApiRequest) -> Response:
        return paginated(
            self, organization_list_for_user(user=request.user), OrganizationSerializer
        )

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_create",
        summary="Create an organization (pending verification; I become its admin)",
        request=OrganizationInput,
        responses={201: OrganizationSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = validated_data(OrganizationInput, request.data)
        organization = organization_create(creator=request.user, **data)
        return _organization_response(request, organization, code=status.HTTP_201_CREATED)


class OrganizationDetailApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_retrieve",
        summary="An organization (its members, moderators)",
        responses={200: OrganizationSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, organization_id: int) -> Response:
        return _organization_response(
            request, organization_for_member_or_moderator(request, organization_id)
        )

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_update",
        summary="Edit an organization (its admins, tenant admins)",
        request=OrganizationInput(partial=True),
        responses={200: OrganizationSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request: SignedInApiRequest, organization_id: int) -> Response:
        organization = organization_for_member_or_moderator(request, organization_id)
        data: dict[str, Any] = validated_data(OrganizationInput, request.data, partial=True)
        if not data:
            raise exceptions.ValidationError({"non_field_errors": [_("Nothing to change.")]})
        organization = organization_update(organization=organization, actor=request.user, **data)
        return _organization_response(request, organization)


class OrganizationLogoApi(AuthenticatedApiView):
    """The logo is sent as a file (multipart/form-data, field `logo`): PNG, JPEG, WebP or GIF
    up to 2 MB, stored re-encoded as a PNG of at most 512 px (engagement.images)."""

    parser_classes = [MultiPartParser]
    max_body_bytes = LOGO_MAX_BYTES + 64 * 1024  # the file and the multipart envelope

    class LogoInput(serializers.Serializer):
        logo = serializers.FileField(allow_empty_file=False)

        class Meta:
            ref_name = "OrganizationLogoInput"

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_logo_update",
        summary="Upload or replace the logo (its admins, tenant admins)",
        request={"multipart/form-data": LogoInput},
        responses={200: OrganizationSerializer, **error_responses(400, 401, 403, 404, 413)},
    )
    def put(self, request: SignedInApiRequest, organization_id: int) -> Response:
        organization = organization_for_member_or_moderator(request, organization_id)
        data = validated_data(self.LogoInput, request.data)
        organization = organization_update(
            organization=organization, actor=request.user, logo=data["logo"].read()
        )
        return _organization_response(request, organization)

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_logo_destroy",
        summary="Remove the logo (its admins, tenant admins)",
        request=None,
        responses={200: OrganizationSerializer, **error_responses(401, 403, 404)},
    )
    def delete(self, request: SignedInApiRequest, organization_id: int) -> Response:
        organization = organization_for_member_or_moderator(request, organization_id)
        organization = organization_update(organization=organization, actor=request.user, logo=None)
        return _organization_response(request, organization)


class OrganizationVerifyApi(AuthenticatedApiView):
    class VerifyInput(serializers.Serializer):
        approve = serializers.BooleanField()
        note = serializers.CharField(max_length=500, required=False, allow_blank=True)

        class Meta:
            ref_name = "OrganizationVerifyInput"

    @extend_schema(
        tags=[MODERATION_TAG],
        operation_id="organizations_verify",
        summary="Verify (approve) or reject an organization (moderators)",
        description="Rejecting a verified organization closes its published missions.",
        request=VerifyInput,
        responses={200: OrganizationSerializer, **error_responses(400, 401, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, organization_id: int) -> Response:
        organization = organization_get_for_moderator(
            organization_id=organization_id, user=request.user
        )
        data = validated_data(self.VerifyInput, request.data)
        organization = organization_verify(
            organization=organization,
            actor=request.user,
            approve=data["approve"],
            note=data.get("note", ""),
        )
        return _organization_response(request, organization)


class ModerationOrganizationListApi(AuthenticatedApiView):
    @extend_schema(
        tags=[MODERATION_TAG],
        operation_id="moderation_organizations_list",
        summary="Organizations waiting for verification, oldest first (moderators)",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(OrganizationSerializer, "PaginatedOrganizationList"),
            **error_responses(400, 401, 403),
        },
    )
    def get(self, request: Request) -> Response:
        require_moderator(request)
        return paginated(self, organization_list_for_moderation(), OrganizationSerializer)


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
    def delete(
        self, request: SignedInApiRequest, organization_id: int, membership_id: int
    ) -> Response:
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
    def post(self, request: SignedInApiRequest, organization_id: int) -> Response:
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
    def post(self, request: SignedInApiRequest) -> Response:
        data = validated_data(self.AcceptInput, request.data)
        membership = invitation_accept(token=data["token"], user=request.user)
        membership = membership_get_for_member(
            organization_id=membership.organization_id,
            membership_id=membership.pk,
            user=request.user,
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

"""API representations of organizations, their members and invitations."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagement.api.fields import OptionalEmailField, OptionalURLField
from engagement.organizations.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
)


def _logo_url_field() -> serializers.CharField:
    return serializers.CharField(
        read_only=True, help_text="The logo (PNG, at most 512 px), or an empty string."
    )


class OrganizationSummarySerializer(serializers.ModelSerializer):
    is_verified = serializers.BooleanField(read_only=True)
    logo_url = _logo_url_field()

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "kind", "is_verified", "logo_url"]
        ref_name = "OrganizationSummary"


class MemberUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()

    class Meta:
        ref_name = "MemberUser"


class MembershipSerializer(serializers.ModelSerializer):
    """A member of an organization, as its fellow members see them."""

    user = MemberUserSerializer(read_only=True)
    organization = OrganizationSummarySerializer(read_only=True)
    joined_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = OrganizationMembership
        fields = ["id", "organization", "user", "role", "joined_at"]
        ref_name = "Membership"


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation waiting to be accepted. Its token only travels in the e-mail."""

    is_expired = serializers.SerializerMethodField()

    class Meta:
        model = OrganizationInvitation
        fields = ["id", "email", "role", "created_at", "expires_at", "is_expired"]
        ref_name = "Invitation"

    def get_is_expired(self, invitation: OrganizationInvitation) -> bool:
        return invitation.expires_at <= timezone.now()


class OrganizationSerializer(serializers.ModelSerializer):
    is_verified = serializers.BooleanField(read_only=True)
    website = OptionalURLField()
    contact_email = OptionalEmailField()
    logo_url = _logo_url_field()
    member_role = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "description",
            "address",
            "website",
            "contact_email",
            "verification_status",
            "verification_note",
            "verified_at",
            "is_verified",
            "logo_url",
            "member_role",
            "created_at",
        ]
        ref_name = "Organization"

    @extend_schema_field({"type": "string", "enum": ["admin", "editor"], "nullable": True})
    def get_member_role(self, organization: Organization) -> str | None:
        return getattr(organization, "member_role", None)

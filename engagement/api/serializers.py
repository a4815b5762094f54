"""Output serializers shared by several endpoints (Input serializers live next to their view).

They only present: every relation they read is already joined or prefetched by the selector
that produced the objects, so a list costs a fixed number of queries.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagement.api.filters import availability_tokens
from engagement.models import (
    Cause,
    Mission,
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
    Participation,
    Skill,
    Slot,
    VolunteerProfile,
    organization_logo_url,
    translated_label,
)
from engagement.selectors import SearchResult


class LatLngSerializer(serializers.Serializer):
    """A point as {"lat", "lng"} in degrees (WGS 84)."""

    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)

    class Meta:
        ref_name = "LatLng"


def _datetime(value: datetime | None, zone: tzinfo | None = None) -> str | None:
    """A datetime as DRF's DateTimeField presents it (ISO 8601 in the current time zone, the
    tenant's, "Z" for UTC), without its per-value settings lookups: the map presents hundreds."""
    if value is None:
        return None
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def point_as_lat_lng(point: Any) -> dict[str, float] | None:
    if point is None:
        return None
    return {"lat": point.y, "lng": point.x}


class CauseSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Cause
        fields = ["id", "slug", "label", "name_fr", "name_en", "icon"]
        ref_name = "Cause"


class SkillSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Skill
        fields = ["id", "slug", "label", "name_fr", "name_en"]
        ref_name = "Skill"


class TaxonomyItemSerializer(serializers.Serializer):
    """A cause or skill inside another object: slug and label in the request's language."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    label = serializers.CharField()

    class Meta:
        ref_name = "TaxonomyItem"


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


class _BlankAsNull:
    """An optional URL or e-mail: absent is null, not "" (which is no valid URI or address)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)  # type: ignore[call-arg]

    def to_representation(self, value: Any) -> Any:
        return value or None


class OptionalURLField(_BlankAsNull, serializers.URLField):
    pass


class OptionalEmailField(_BlankAsNull, serializers.EmailField):
    pass


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


class NextSlotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    seats_left = serializers.IntegerField()

    class Meta:
        ref_name = "NextSlot"


class SlotSerializer(serializers.ModelSerializer):
    seats_left = serializers.IntegerField(read_only=True)
    is_ongoing = serializers.BooleanField(read_only=True)

    class Meta:
        model = Slot
        fields = [
            "id",
            "starts_at",
            "ends_at",
            "is_ongoing",
            "capacity",
            "confirmed_count",
            "seats_left",
            "status",
        ]
        ref_name = "Slot"


class MissionListItemSerializer(serializers.ModelSerializer):
    """A search result: what a list item and its map pin need."""

    organization = OrganizationSummarySerializer(read_only=True)
    causes = TaxonomyItemSerializer(many=True, read_only=True)
    location = LatLngSerializer(read_only=True, allow_null=True)
    distance_km = serializers.FloatField(read_only=True, allow_null=True, help_text="Kilometres.")
    next_slot = NextSlotSerializer(read_only=True, allow_null=True)
    seats_left = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Mission
        fields = [
            "id",
            "title",
            "summary",
            "organization",
            "causes",
            "city",
            "postcode",
            "location",
            "is_remote",
            "is_step_free",
            "is_open_to_minors",
            "is_beginner_friendly",
            "requires_approval",
            "published_at",
            "distance_km",
            "next_slot",
            "seats_left",
        ]
        ref_name = "MissionListItem"

    def to_representation(self, result: SearchResult) -> dict[str, Any]:
        """The same fields as declared (they drive the schema), built directly from the
        selector's SearchResult: a page of 20 through DRF's generic field machinery cost several
        times the SQL (bench/search.py)."""
        organization = result.organization
        next_slot = None
        if result.next_slot_id is not None:
            next_slot = {
                "id": result.next_slot_id,
                "starts_at": _datetime(result.next_slot_starts_at),
                "ends_at": _datetime(result.next_slot_ends_at),
                "seats_left": result.seats_left,
            }
        distance = result.distance_km
        return {
            "id": result.id,
            "title": result.title,
            "summary": result.summary,
            "organization": {
                "id": organization["id"],
                "name": organization["name"],
                "slug": organization["slug"],
                "kind": organization["kind"],
                "is_verified": organization["verification_status"]
                == Organization.Verification.VERIFIED,
                "logo_url": organization_logo_url(organization["id"], organization["logo"]),
            },
            "causes": [
                {
                    "id": cause["id"],
                    "slug": cause["slug"],
                    "label": translated_label(cause["name_fr"], cause["name_en"]),
                }
                for cause in result.causes
            ],
            "city": result.city,
            "postcode": result.postcode,
            "location": None if result.lat is None else {"lat": result.lat, "lng": result.lng},
            "is_remote": result.is_remote,
            "is_step_free": result.is_step_free,
            "is_open_to_minors": result.is_open_to_minors,
            "is_beginner_friendly": result.is_beginner_friendly,
            "requires_approval": result.requires_approval,
            "published_at": _datetime(result.published_at),
            "distance_km": None if distance is None else round(distance, 3),
            "next_slot": next_slot,
            "seats_left": result.seats_left,
        }


class MissionDetailSerializer(serializers.ModelSerializer):
    """A mission page: texts (description is sanitized HTML), place, options and next dates."""

    organization = OrganizationSummarySerializer(read_only=True)
    causes = TaxonomyItemSerializer(many=True, read_only=True)
    skills = TaxonomyItemSerializer(many=True, read_only=True)
    location = serializers.SerializerMethodField()
    moderation_note = serializers.SerializerMethodField()
    upcoming_slots = SlotSerializer(many=True, read_only=True)

    class Meta:
        model = Mission
        fields = [
            "id",
            "title",
            "summary",
            "description",
            "organization",
            "causes",
            "skills",
            "location",
            "address",
            "postcode",
            "city",
            "is_remote",
            "is_step_free",
            "is_open_to_minors",
            "is_beginner_friendly",
            "requires_approval",
            "status",
            "moderation_note",
            "published_at",
            "created_at",
            "updated_at",
            "upcoming_slots",
        ]
        ref_name = "MissionDetail"

    @extend_schema_field(LatLngSerializer(allow_null=True))
    def get_location(self, mission: Mission) -> dict[str, float] | None:
        return point_as_lat_lng(mission.location)

    def get_moderation_note(self, mission: Mission) -> str:
        """The moderator's note is for the organization and moderators only."""
        return mission.moderation_note if self.context.get("can_manage") else ""


class MissionManagedItemSerializer(serializers.ModelSerializer):
    """A mission in an organizer's or a moderator's list (any status)."""

    organization = OrganizationSummarySerializer(read_only=True)
    causes = TaxonomyItemSerializer(many=True, read_only=True)

    class Meta:
        model = Mission
        fields = [
            "id",
            "title",
            "summary",
            "organization",
            "causes",
            "city",
            "is_remote",
            "status",
            "moderation_note",
            "published_at",
            "created_at",
            "updated_at",
        ]
        ref_name = "MissionManagedItem"


class ParticipationSlotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Slot
        fields = ["id", "starts_at", "ends_at", "status"]
        ref_name = "ParticipationSlot"


class ParticipationMissionSerializer(serializers.ModelSerializer):
    organization = OrganizationSummarySerializer(read_only=True)

    class Meta:
        model = Mission
        fields = ["id", "title", "city", "is_remote", "status", "organization"]
        ref_name = "ParticipationMission"


class ParticipationSerializer(serializers.ModelSerializer):
    """A volunteer's own participation."""

    slot = ParticipationSlotSerializer(read_only=True)
    mission = ParticipationMissionSerializer(source="slot.mission", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Participation
        fields = [
            "id",
            "status",
            "status_label",
            "message",
            "hours",
            "slot",
            "mission",
            "created_at",
            "updated_at",
        ]
        ref_name = "Participation"


class VolunteerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField()

    class Meta:
        ref_name = "Volunteer"


class OrganizerParticipationSerializer(serializers.ModelSerializer):
    """A participation seen by the mission's organization (volunteer null once anonymised)."""

    volunteer = VolunteerSerializer(read_only=True, allow_null=True)
    slot = ParticipationSlotSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Participation
        fields = [
            "id",
            "status",
            "status_label",
            "message",
            "hours",
            "volunteer",
            "slot",
            "waitlisted_at",
            "decided_at",
            "created_at",
        ]
        ref_name = "OrganizerParticipation"


class ProfileSerializer(serializers.ModelSerializer):
    causes = TaxonomyItemSerializer(many=True, read_only=True)
    skills = TaxonomyItemSerializer(many=True, read_only=True)
    availability = serializers.SerializerMethodField()
    home = serializers.SerializerMethodField()
    # None until the profile is first saved (defaults are shown then).
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = VolunteerProfile
        fields = ["causes", "skills", "availability", "availability_mask", "home", "home_label"]
        fields += ["radius_km", "updated_at"]
        ref_name = "VolunteerProfile"

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_availability(self, profile: VolunteerProfile) -> list[str]:
        return availability_tokens(profile.availability_mask)

    @extend_schema_field(LatLngSerializer(allow_null=True))
    def get_home(self, profile: VolunteerProfile) -> dict[str, float] | None:
        return point_as_lat_lng(profile.home_point)


class MapFeaturePropertiesSerializer(serializers.Serializer):
    title = serializers.CharField()
    next_slot_starts_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "MissionMapProperties"


class MapGeometrySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Point"])
    coordinates = serializers.ListField(child=serializers.FloatField(), min_length=2)

    class Meta:
        ref_name = "MissionMapGeometry"


class MapFeatureSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = MapGeometrySerializer()
    properties = MapFeaturePropertiesSerializer()

    class Meta:
        ref_name = "MissionMapFeature"


class MapFeatureCollectionSerializer(serializers.Serializer):
    """GeoJSON (RFC 7946) with two foreign members: the cap and whether it was reached."""

    type = serializers.ChoiceField(choices=["FeatureCollection"])
    features = MapFeatureSerializer(many=True)
    limit = serializers.IntegerField()
    truncated = serializers.BooleanField()

    class Meta:
        ref_name = "MissionMapFeatureCollection"


def map_feature_collection(points: list[dict[str, Any]], *, limit: int) -> dict[str, Any]:
    """GeoJSON from mission_map_points rows (one more than `limit` means it was cut)."""
    truncated = len(points) > limit
    zone = timezone.get_current_timezone()
    features = [
        {
            "type": "Feature",
            "id": point["id"],
            "geometry": {
                "type": "Point",
                "coordinates": [round(point["lng"], 6), round(point["lat"], 6)],
            },
            "properties": {
                "title": point["title"],
                "next_slot_starts_at": _datetime(point["next_slot_starts_at"], zone),
            },
        }
        for point in points[:limit]
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "limit": limit,
        "truncated": truncated,
    }

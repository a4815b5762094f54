"""API representations of missions, their slots and the map."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagement.api.fields import LatLngSerializer, _datetime, point_as_lat_lng
from engagement.friends.serializers import FriendsGoingSerializer
from engagement.missions.models import Mission, Slot
from engagement.missions.result_json import ResultJsonFormat
from engagement.missions.search import SearchResult
from engagement.organizations.models import (
    Organization,
    organization_logo_url,
)
from engagement.organizations.serializers import OrganizationSummarySerializer
from engagement.taxonomy.models import labels_in_english, translated_label
from engagement.taxonomy.serializers import TaxonomyItemSerializer


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
            "held_count",
            "seats_left",
            "status",
        ]
        ref_name = "Slot"


class MissionListItemSerializer(serializers.ModelSerializer):
    """A search result: what a list item and its map pin need. The search API sends each result
    as JSON text written by PostgreSQL (engagement.missions.result_json, search_result_format);
    this serializer declares the shape (the schema) and to_representation is the reference
    those texts are tested against."""

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
    friends_going = serializers.SerializerMethodField()

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
            "friends_going",
        ]
        ref_name = "MissionDetail"

    @extend_schema_field(FriendsGoingSerializer(allow_null=True))
    def get_friends_going(self, mission: Mission) -> dict[str, Any] | None:
        """The signed-in caller's friends going (engagement.friends); null for anonymous."""
        return self.context.get("friends_going")

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


def map_feature_collection_json(features: list[str], *, limit: int) -> str:
    """The map's GeoJSON FeatureCollection (MapFeatureCollectionSerializer's shape) as JSON
    text, from mission_map_features' Features (one more than `limit` means it was cut)."""
    truncated = "true" if len(features) > limit else "false"
    return (
        '{"type":"FeatureCollection","features":['
        + ",".join(features[:limit])
        + f'],"limit":{limit},"truncated":{truncated}}}'
    )


# An id no organization has, and a logo file name, to find where each sits in a logo's URL.
_LOGO_URL_ID = 987_654_321
_LOGO_URL_STEM = "stem"


def search_result_format() -> ResultJsonFormat:
    """How the current request presents a search result as JSON text: the tenant's time zone,
    the causes' labels in the active language, the logo's URL as organization_logo_url makes
    it (around the organization's id and the file's stem)."""
    url = organization_logo_url(_LOGO_URL_ID, f"organizations/{_LOGO_URL_STEM}.png")
    before, _id, after = url.partition(str(_LOGO_URL_ID))
    return ResultJsonFormat(
        zone=str(timezone.get_current_timezone()),
        english=labels_in_english(),
        logo_path=(before, after.removesuffix(_LOGO_URL_STEM)),
    )

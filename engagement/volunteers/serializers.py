"""API representation of a volunteer profile."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagement.api.fields import LatLngSerializer, point_as_lat_lng
from engagement.missions.filters import availability_tokens
from engagement.taxonomy.serializers import TaxonomyItemSerializer
from engagement.volunteers.models import VolunteerProfile


class ProfileSerializer(serializers.ModelSerializer):
    causes = TaxonomyItemSerializer(many=True, read_only=True)
    skills = TaxonomyItemSerializer(many=True, read_only=True)
    availability = serializers.SerializerMethodField()
    home = serializers.SerializerMethodField()
    # E.164 ("+33612345678") or "": the person's own profile, never a public answer.
    phone = serializers.SerializerMethodField()
    # None until the profile is first saved (defaults are shown then).
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = VolunteerProfile
        fields = ["causes", "skills", "availability", "availability_mask", "home", "home_label"]
        fields += ["radius_km", "display_name", "phone", "updated_at"]
        ref_name = "VolunteerProfile"

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_availability(self, profile: VolunteerProfile) -> list[str]:
        return availability_tokens(profile.availability_mask)

    @extend_schema_field(LatLngSerializer(allow_null=True))
    def get_home(self, profile: VolunteerProfile) -> dict[str, float] | None:
        return point_as_lat_lng(profile.home_point)

    def get_phone(self, profile: VolunteerProfile) -> str:
        return profile.phone.as_e164 if profile.phone else ""

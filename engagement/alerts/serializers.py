"""What the API shows of a saved search."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from engagement.alerts.models import SavedSearch
from engagement.missions.filters import availability_tokens


class PlaceSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    label = serializers.CharField()

    class Meta:
        ref_name = "SavedSearchPlace"


class SavedSearchSerializer(serializers.ModelSerializer):
    place = serializers.SerializerMethodField()
    cause = serializers.ListField(source="causes", child=serializers.CharField())
    skill = serializers.ListField(source="skills", child=serializers.CharField())
    availability = serializers.SerializerMethodField(
        help_text="Weekday/period tokens (mon-morning … sun-evening); null means any time."
    )
    q = serializers.CharField(source="query")

    class Meta:
        model = SavedSearch
        ref_name = "SavedSearch"
        fields = [
            "id",
            "name",
            "frequency",
            "is_active",
            "place",
            "radius_km",
            "cause",
            "skill",
            "availability",
            "q",
            "remote",
            "step_free",
            "open_to_minors",
            "beginner_friendly",
            "last_checked_at",
            "last_sent_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_place(self, saved_search: SavedSearch) -> dict[str, Any] | None:
        location = saved_search.location
        if location is None:
            return None
        return {"lat": location.y, "lng": location.x, "label": saved_search.place_label}

    def get_availability(self, saved_search: SavedSearch) -> list[str] | None:
        mask = saved_search.availability_mask
        return None if mask is None else availability_tokens(mask)

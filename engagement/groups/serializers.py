"""API representations of held seats."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagement.groups.models import SeatHold
from engagement.groups.selectors import person_name
from engagement.participations.serializers import (
    ParticipationMissionSerializer,
    ParticipationSerializer,
    ParticipationSlotSerializer,
)


class SeatHoldSerializer(serializers.ModelSerializer):
    """A seat held by a volunteer for a friend; people are named, never by e-mail address."""

    slot = ParticipationSlotSerializer(read_only=True)
    mission = ParticipationMissionSerializer(source="slot.mission", read_only=True)
    held_by_name = serializers.SerializerMethodField()
    for_user_name = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = SeatHold
        fields = [
            "id",
            "status",
            "status_label",
            "slot",
            "mission",
            "held_by_name",
            "for_user_name",
            "expires_at",
            "created_at",
            "ended_at",
        ]
        ref_name = "SeatHold"

    @extend_schema_field(serializers.CharField())
    def get_held_by_name(self, hold: SeatHold) -> str:
        return person_name(hold.held_by) if hold.held_by else ""

    @extend_schema_field(serializers.CharField())
    def get_for_user_name(self, hold: SeatHold) -> str:
        return person_name(hold.for_user) if hold.for_user else ""


class GroupSignupSerializer(serializers.Serializer):
    participation = ParticipationSerializer(read_only=True)
    holds = SeatHoldSerializer(many=True, read_only=True)

    class Meta:
        ref_name = "GroupSignup"

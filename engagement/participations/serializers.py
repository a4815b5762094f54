"""API representations of participations, for the volunteer and for the organizers."""

from __future__ import annotations

from rest_framework import serializers

from engagement.missions.models import Mission, Slot
from engagement.organizations.serializers import OrganizationSummarySerializer
from engagement.participations.models import Participation


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
            "cancel_reason",
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
            "cancel_reason",
            "hours",
            "volunteer",
            "slot",
            "waitlisted_at",
            "decided_at",
            "created_at",
        ]
        ref_name = "OrganizerParticipation"

"""API representations of participations, for the volunteer and for the organizers."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagement.missions.models import Mission, Slot
from engagement.organizations.serializers import OrganizationSummarySerializer
from engagement.participations.models import Participation
from engagement.participations.selectors import participant_phone
from engagement.volunteers.selectors import volunteer_display_name


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
    """A participant as the organization sees them: a name, never an e-mail address; the phone
    only while they are in the mission (participant_phone)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField(help_text="International format, or empty.")

    class Meta:
        ref_name = "Volunteer"


class OrganizerParticipationSerializer(serializers.ModelSerializer):
    """A participation seen by the mission's organization (volunteer null once anonymised)."""

    volunteer = serializers.SerializerMethodField()
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

    @extend_schema_field(VolunteerSerializer(allow_null=True))
    def get_volunteer(self, participation: Participation) -> dict[str, object] | None:
        if participation.volunteer is None:
            return None
        return {
            "id": participation.volunteer_id,
            "name": volunteer_display_name(participation.volunteer),
            "phone": participant_phone(participation),
        }

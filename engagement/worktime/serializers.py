"""API representations of volunteering time: a balance, a work-time request, a declaration."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagement.participations.serializers import (
    ParticipationMissionSerializer,
    ParticipationSlotSerializer,
)
from engagement.worktime.models import HoursDeclaration, WorkTimeRequest
from engagement.worktime.selectors import effective_status


class BalanceSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="The allowance year, by the calendar year it starts.")
    year_label = serializers.CharField()
    allowance = serializers.DecimalField(max_digits=7, decimal_places=2)
    approved = serializers.DecimalField(max_digits=7, decimal_places=2)
    pending = serializers.DecimalField(max_digits=7, decimal_places=2)
    used = serializers.DecimalField(max_digits=7, decimal_places=2)
    left = serializers.DecimalField(max_digits=7, decimal_places=2)

    class Meta:
        ref_name = "WorkTimeBalance"


class WorkTimeRequestSerializer(serializers.ModelSerializer):
    """A request; `status` is as people see it (cancelled once the participation is)."""

    status = serializers.SerializerMethodField()
    slot = ParticipationSlotSerializer(source="participation.slot", read_only=True)
    mission = ParticipationMissionSerializer(source="participation.slot.mission", read_only=True)
    employee_name = serializers.SerializerMethodField()

    class Meta:
        model = WorkTimeRequest
        fields = [
            "id",
            "participation",
            "employee_name",
            "hours",
            "year",
            "status",
            "reason",
            "decided_at",
            "created_at",
            "slot",
            "mission",
        ]
        read_only_fields = fields
        ref_name = "WorkTimeRequest"

    @extend_schema_field(
        serializers.ChoiceField(choices=WorkTimeRequest.Status.choices)  # type: ignore[arg-type]
    )
    def get_status(self, work_time_request: WorkTimeRequest) -> str:
        return effective_status(work_time_request)

    @extend_schema_field(serializers.CharField())
    def get_employee_name(self, work_time_request: WorkTimeRequest) -> str:
        employee = work_time_request.employee
        if employee is None:
            return ""
        return employee.get_full_name() or employee.get_short_name()


class HoursDeclarationSerializer(serializers.ModelSerializer):
    organization_name = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = HoursDeclaration
        fields = [
            "id",
            "organization",
            "organization_name",
            "cause",
            "description",
            "date",
            "hours",
            "status",
            "status_label",
            "refusal_reason",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields
        ref_name = "HoursDeclaration"

    @extend_schema_field(serializers.CharField())
    def get_organization_name(self, declaration: HoursDeclaration) -> str:
        if declaration.organization is not None:
            return declaration.organization.name
        return declaration.organization_name

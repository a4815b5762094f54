"""Volunteering time in the API: my balance, my work-time requests (list, ask), a manager's
decision (approve, refuse), my declared hours (list, declare)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from accounts.requests import SignedInApiRequest
from engagement.api.base import (
    PAGE_PARAMETERS,
    AuthenticatedApiView,
    IdField,
    error_responses,
    paginated,
    paginated_serializer,
    validated_data,
)
from engagement.taxonomy.selectors import cause_list
from engagement.worktime import services
from engagement.worktime.access import (
    participation_get_for_work_time,
    work_time_request_get_for_approver,
)
from engagement.worktime.selectors import (
    declarable_organizations,
    hours_declarations_of,
    work_time_balance,
    work_time_requests_of,
)
from engagement.worktime.serializers import (
    BalanceSerializer,
    HoursDeclarationSerializer,
    WorkTimeRequestSerializer,
)

TAG = "work time"


class MyWorkTimeApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_work_time_balance",
        summary="My work-time balance",
        description="The allowance, approved, pending, used and left hours of an allowance year "
        "(the current one by default).",
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.QUERY)],
        responses={200: BalanceSerializer, **error_responses(400, 401)},
    )
    def get(self, request: SignedInApiRequest) -> Response:
        raw = request.query_params.get("year")
        year = None
        if raw is not None:
            if not (raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100):
                raise exceptions.ValidationError({"year": [_("A year from 2000 to 2100.")]})
            year = int(raw)
        balance = work_time_balance(employee=request.user, year=year)
        return Response(
            BalanceSerializer(
                {
                    "year": balance.year,
                    "year_label": balance.year_label,
                    "allowance": balance.allowance,
                    "approved": balance.approved,
                    "pending": balance.pending,
                    "used": balance.used,
                    "left": balance.left,
                }
            ).data
        )


class MyWorkTimeRequestsApi(AuthenticatedApiView):
    class RequestInput(serializers.Serializer):
        participation = IdField()
        hours = serializers.DecimalField(
            max_digits=5, decimal_places=2, required=False, allow_null=True
        )

        class Meta:
            ref_name = "WorkTimeRequestInput"

    @extend_schema(
        tags=[TAG],
        operation_id="me_work_time_requests_list",
        summary="My work-time requests",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(WorkTimeRequestSerializer, "PaginatedWorkTimeRequestList"),
            **error_responses(400, 401),
        },
    )
    def get(self, request: SignedInApiRequest) -> Response:
        return paginated(
            self, work_time_requests_of(employee=request.user), WorkTimeRequestSerializer
        )

    @extend_schema(
        tags=[TAG],
        operation_id="me_work_time_requests_create",
        summary="Ask for work time for one of my participations",
        description="Confirmed or attended, on a dated slot, not asked yet. `hours` defaults to "
        "the slot's length (at most that, in quarters of an hour). More than the hours left in "
        "the allowance year is a 400 (work_time_balance_exceeded) saying how many are left; "
        "nothing is written. Approved at once when the company needs no manager approval, else "
        "the manager is e-mailed.",
        request=RequestInput,
        responses={201: WorkTimeRequestSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = validated_data(self.RequestInput, request.data)
        participation = participation_get_for_work_time(
            participation_id=data["participation"], user=request.user
        )
        created = services.work_time_request_create(
            employee=request.user, participation=participation, hours=data.get("hours")
        )
        return Response(WorkTimeRequestSerializer(created).data, status=status.HTTP_201_CREATED)


class DecisionInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    class Meta:
        ref_name = "WorkTimeDecisionInput"


class WorkTimeRequestApproveApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="work_time_requests_approve",
        summary="Approve a request of one of my direct reports",
        description="Only the employee's manager (for an employee without one: a tenant admin). "
        "The employee gets a 403; anyone else a 404.",
        request=DecisionInput,
        responses={200: WorkTimeRequestSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, work_time_request_id: int) -> Response:
        return _decide(request, work_time_request_id, approve=True)


class WorkTimeRequestRefuseApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="work_time_requests_refuse",
        summary="Refuse a request of one of my direct reports (with an optional reason)",
        request=DecisionInput,
        responses={200: WorkTimeRequestSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, work_time_request_id: int) -> Response:
        return _decide(request, work_time_request_id, approve=False)


def _decide(request: SignedInApiRequest, work_time_request_id: int, *, approve: bool) -> Response:
    found = work_time_request_get_for_approver(request_id=work_time_request_id, user=request.user)
    data = validated_data(DecisionInput, request.data or {})
    decided = services.work_time_request_decide(
        work_time_request=found, actor=request.user, approve=approve, reason=data.get("reason", "")
    )
    return Response(WorkTimeRequestSerializer(decided).data)


class MyHoursDeclarationsApi(AuthenticatedApiView):
    class DeclarationInput(serializers.Serializer):
        organization = IdField(required=False, allow_null=True)
        organization_name = serializers.CharField(max_length=160, required=False, allow_blank=True)
        cause = IdField(required=False, allow_null=True)
        description = serializers.CharField(max_length=500)
        date = serializers.DateField()
        hours = serializers.DecimalField(max_digits=5, decimal_places=2)

        class Meta:
            ref_name = "HoursDeclarationInput"

    @extend_schema(
        tags=[TAG],
        operation_id="me_hours_declarations_list",
        summary="My declared hours (volunteered outside the platform)",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(HoursDeclarationSerializer, "PaginatedHoursDeclarationList"),
            **error_responses(400, 401),
        },
    )
    def get(self, request: SignedInApiRequest) -> Response:
        return paginated(
            self, hours_declarations_of(volunteer=request.user), HoursDeclarationSerializer
        )

    @extend_schema(
        tags=[TAG],
        operation_id="me_hours_declarations_create",
        summary="Declare hours volunteered outside the platform",
        description="For a verified organization of this site (its admins confirm) or a named "
        "one (the tenant admins confirm); 0.25 to 24 hours in quarters, a date not in the "
        "future. They count as confirmed hours once confirmed.",
        request=DeclarationInput,
        responses={201: HoursDeclarationSerializer, **error_responses(400, 401)},
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = validated_data(self.DeclarationInput, request.data)
        organization = None
        if data.get("organization"):
            organization = declarable_organizations().filter(pk=data["organization"]).first()
            if organization is None:
                raise exceptions.ValidationError(
                    {"organization": [_("Choose a verified organization of this site.")]}
                )
        cause = None
        if data.get("cause"):
            cause = cause_list().filter(pk=data["cause"]).first()
            if cause is None:
                raise exceptions.ValidationError({"cause": [_("No such cause.")]})
        declaration = services.hours_declaration_create(
            volunteer=request.user,
            organization=organization,
            organization_name=data.get("organization_name", ""),
            cause=cause,
            description=data["description"],
            day=data["date"],
            hours=data["hours"],
        )
        return Response(
            HoursDeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED
        )

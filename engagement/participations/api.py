"""Participations: a volunteer's own list and cancellation; the organization's decisions
(confirm, decline) and attendance (attended with hours, no-show)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from accounts.requests import SignedInApiRequest
from engagement.api.base import (
    ORGANIZER_TAG,
    PAGE_PARAMETERS,
    AuthenticatedApiView,
    error_responses,
    paginated,
    paginated_serializer,
    validated_data,
)
from engagement.participations.access import (
    participation_get_for_organizer,
    participation_get_for_volunteer,
)
from engagement.participations.selectors import participation_list_for_volunteer
from engagement.participations.serializers import (
    OrganizerParticipationSerializer,
    ParticipationSerializer,
)
from engagement.participations.services import (
    participation_cancel,
    participation_confirm,
    participation_decline,
    participation_mark_attended,
    participation_mark_no_show,
)

TAG = "me"
SCOPES = ("upcoming", "past", "all")


class MyParticipationListApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_participations_list",
        summary="My participations",
        description="upcoming (default): still active on a date that is not over, soonest "
        "first; past: everything else, latest first; all.",
        parameters=[
            OpenApiParameter("scope", str, OpenApiParameter.QUERY, enum=list(SCOPES)),
            *PAGE_PARAMETERS,
        ],
        responses={
            200: paginated_serializer(ParticipationSerializer, "PaginatedParticipationList"),
            **error_responses(400, 401),
        },
    )
    def get(self, request: SignedInApiRequest) -> Response:
        scope = request.query_params.get("scope", "upcoming")
        if scope not in SCOPES:
            raise exceptions.ValidationError(
                {"scope": [_("One of: %(scopes)s.") % {"scopes": ", ".join(SCOPES)}]}
            )
        participations = participation_list_for_volunteer(user=request.user, scope=scope)
        return paginated(self, participations, ParticipationSerializer)


class MyParticipationCancelApi(AuthenticatedApiView):
    class CancelInput(serializers.Serializer):
        reason = serializers.CharField(
            max_length=500,
            required=False,
            allow_blank=True,
            trim_whitespace=True,
            help_text="Optional, plain text: shown to the organization.",
        )

        class Meta:
            ref_name = "MyParticipationCancelInput"

    @extend_schema(
        tags=[TAG],
        operation_id="me_participations_cancel",
        summary="Cancel my participation (frees the seat for the waiting list), with an "
        "optional reason the organization sees",
        request=CancelInput,
        responses={200: ParticipationSerializer, **error_responses(400, 401, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, participation_id: int) -> Response:
        participation = participation_get_for_volunteer(
            participation_id=participation_id, user=request.user
        )
        data = validated_data(self.CancelInput, request.data)
        participation = participation_cancel(
            participation=participation, actor=request.user, reason=data.get("reason", "")
        )
        return Response(ParticipationSerializer(participation).data)


class ParticipationConfirmApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="participations_confirm",
        summary="Confirm a requested participation (organization admins and editors)",
        request=None,
        responses={200: OrganizerParticipationSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, participation_id: int) -> Response:
        participation = participation_get_for_organizer(
            participation_id=participation_id, user=request.user
        )
        participation = participation_confirm(participation=participation, actor=request.user)
        return Response(OrganizerParticipationSerializer(participation).data)


class ParticipationDeclineApi(AuthenticatedApiView):
    class DeclineInput(serializers.Serializer):
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True)

        class Meta:
            ref_name = "ParticipationDeclineInput"

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="participations_decline",
        summary="Decline a participation, with an optional reason sent to the volunteer",
        request=DeclineInput,
        responses={
            200: OrganizerParticipationSerializer,
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def post(self, request: SignedInApiRequest, participation_id: int) -> Response:
        participation = participation_get_for_organizer(
            participation_id=participation_id, user=request.user
        )
        data = validated_data(self.DeclineInput, request.data)
        participation = participation_decline(
            participation=participation, actor=request.user, reason=data.get("reason", "")
        )
        return Response(OrganizerParticipationSerializer(participation).data)


class ParticipationAttendedApi(AuthenticatedApiView):
    class AttendedInput(serializers.Serializer):
        hours = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=999)

        class Meta:
            ref_name = "ParticipationAttendedInput"

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="participations_attended",
        summary="Mark a volunteer as attended, with the hours given",
        request=AttendedInput,
        responses={
            200: OrganizerParticipationSerializer,
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def post(self, request: SignedInApiRequest, participation_id: int) -> Response:
        participation = participation_get_for_organizer(
            participation_id=participation_id, user=request.user
        )
        data = validated_data(self.AttendedInput, request.data)
        participation = participation_mark_attended(
            participation=participation, actor=request.user, hours=data["hours"]
        )
        return Response(OrganizerParticipationSerializer(participation).data)


class ParticipationNoShowApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="participations_no_show",
        summary="Mark a confirmed volunteer as absent",
        request=None,
        responses={200: OrganizerParticipationSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, participation_id: int) -> Response:
        participation = participation_get_for_organizer(
            participation_id=participation_id, user=request.user
        )
        participation = participation_mark_no_show(participation=participation, actor=request.user)
        return Response(OrganizerParticipationSerializer(participation).data)

"""The organization's messages to the participants of a mission: the log, and writing one."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from accounts.requests import SignedInApiRequest
from engagement.api.base import (
    ORGANIZER_TAG,
    PAGE_PARAMETERS,
    AuthenticatedApiView,
    IdField,
    error_responses,
    paginated,
    paginated_serializer,
    validated_data,
)
from engagement.missions.access import mission_get_for_editor
from engagement.missions.selectors import mission_slot_get
from engagement.organization_messages.models import OrganizationMessage
from engagement.organization_messages.selectors import organization_message_list_for_mission
from engagement.organization_messages.services import (
    BODY_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    organization_message_send,
)
from engagement.volunteers.selectors import volunteer_display_name

TAG = ORGANIZER_TAG


class OrganizationMessageSerializer(serializers.ModelSerializer):
    sender = serializers.SerializerMethodField()
    slot_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = OrganizationMessage
        fields = [
            "id",
            "slot_id",
            "audience",
            "subject",
            "body",
            "recipient_count",
            "sender",
            "created_at",
        ]
        ref_name = "OrganizationMessage"

    @extend_schema_field(serializers.CharField(help_text="The sender's display name."))
    def get_sender(self, message: OrganizationMessage) -> str:
        return volunteer_display_name(message.sender) if message.sender_id else ""


class OrganizationMessageInput(serializers.Serializer):
    slot_id = IdField(
        required=False, allow_null=True, help_text="One date of the mission; none: all of them."
    )
    audience = serializers.ChoiceField(
        choices=OrganizationMessage.Audience.choices,
        help_text="confirmed, waitlisted, or active (confirmed, waiting list and requests).",
    )
    subject = serializers.CharField(max_length=SUBJECT_MAX_LENGTH)
    body = serializers.CharField(
        max_length=BODY_MAX_LENGTH, help_text="Plain text; markup is removed, links stay as text."
    )

    class Meta:
        ref_name = "OrganizationMessageInput"


class MissionMessagesApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="missions_messages_list",
        summary="Messages the organization sent to the mission's participants, newest first",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(
                OrganizationMessageSerializer, "PaginatedOrganizationMessageList"
            ),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request: SignedInApiRequest, mission_id: int) -> Response:
        mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
        return paginated(
            self,
            organization_message_list_for_mission(mission=mission),
            OrganizationMessageSerializer,
        )

    @extend_schema(
        tags=[TAG],
        operation_id="missions_messages_create",
        summary="Write to the mission's participants (one e-mail each; organization admins and "
        "editors; rate-limited per organization)",
        request=OrganizationMessageInput,
        responses={
            201: OrganizationMessageSerializer,
            **error_responses(400, 401, 403, 404, 409, 429),
        },
    )
    def post(self, request: SignedInApiRequest, mission_id: int) -> Response:
        mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
        data = validated_data(OrganizationMessageInput, request.data)
        slot = None
        if data.get("slot_id") is not None:
            slot = mission_slot_get(mission=mission, slot_id=data["slot_id"])
            if slot is None:
                raise exceptions.ValidationError(
                    {"slot_id": [_("This date is not one of the mission's.")]}
                )
        message = organization_message_send(
            mission=mission,
            actor=request.user,
            slot=slot,
            audience=data["audience"],
            subject=data["subject"],
            body=data["body"],
        )
        return Response(OrganizationMessageSerializer(message).data, status=status.HTTP_201_CREATED)

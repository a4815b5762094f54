"""The signed-in person's e-mail preferences: which optional e-mails, and how often."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from accounts.requests import SignedInApiRequest
from engagement.api.base import AuthenticatedApiView, error_responses, validated_data
from engagement.emails.delivery import email_preferences
from engagement.emails.models import EmailPreferences
from engagement.emails.services_preferences import email_preferences_update

TAG = "me"


class EmailPreferencesSerializer(serializers.ModelSerializer):
    # None until the person first saves (the defaults are shown then).
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = EmailPreferences
        fields = [
            "reminders",
            "alerts",
            "friends",
            "organization_messages",
            "campaigns",
            "updated_at",
        ]
        ref_name = "EmailPreferences"


class EmailPreferencesInput(serializers.Serializer):
    reminders = serializers.BooleanField(required=False)
    alerts = serializers.BooleanField(required=False)
    friends = serializers.ChoiceField(
        choices=EmailPreferences.Frequency.choices,
        required=False,
        help_text="immediately, daily or weekly (a digest), never.",
    )
    organization_messages = serializers.BooleanField(required=False)
    campaigns = serializers.BooleanField(required=False)

    class Meta:
        ref_name = "EmailPreferencesInput"


class MyEmailPreferencesApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_email_preferences_retrieve",
        summary="Which optional e-mails I receive, and how often",
        responses={200: EmailPreferencesSerializer, **error_responses(401)},
    )
    def get(self, request: SignedInApiRequest) -> Response:
        return Response(EmailPreferencesSerializer(email_preferences(request.user)).data)

    @extend_schema(
        tags=[TAG],
        operation_id="me_email_preferences_update",
        summary="Change my e-mail preferences (only the fields given)",
        request=EmailPreferencesInput,
        responses={200: EmailPreferencesSerializer, **error_responses(400, 401)},
    )
    def patch(self, request: SignedInApiRequest) -> Response:
        data = validated_data(EmailPreferencesInput, request.data)
        if not data:
            raise exceptions.ValidationError({"non_field_errors": [_("Nothing to change.")]})
        preferences = email_preferences_update(user=request.user, actor=request.user, changes=data)
        return Response(EmailPreferencesSerializer(preferences).data)

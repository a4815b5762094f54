"""The signed-in volunteer's API: their profile (interests, skills, weekly availability, home and
radius) and the export of their data."""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from accounts.api import AccountApiView
from accounts.requests import SignedInApiRequest
from engagement.api.base import AuthenticatedApiView, IdField, error_responses, validated_data
from engagement.api.fields import LatLngSerializer
from engagement.missions.filters import FULL_MASK, availability_mask
from engagement.volunteers.models import VolunteerProfile
from engagement.volunteers.privacy import user_export_data
from engagement.volunteers.selectors import profile_for_user
from engagement.volunteers.serializers import ProfileSerializer
from engagement.volunteers.services import profile_update

TAG = "me"


class ProfileInput(serializers.Serializer):
    cause_ids = serializers.ListField(child=IdField(), required=False, max_length=50)
    skill_ids = serializers.ListField(child=IdField(), required=False, max_length=50)
    availability = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        max_length=21,
        help_text="Weekday/period tokens: mon-morning … sun-evening, or a whole day (sat).",
    )
    availability_mask = serializers.IntegerField(
        required=False, min_value=0, max_value=FULL_MASK, help_text="The same grid as 21 bits."
    )
    home = LatLngSerializer(required=False, allow_null=True)
    home_label = serializers.CharField(max_length=160, required=False, allow_blank=True)
    radius_km = serializers.IntegerField(required=False, min_value=1, max_value=200)
    display_name = serializers.CharField(
        max_length=80,
        required=False,
        allow_blank=True,
        help_text="How organizations and friends see me (empty: my full name).",
    )
    phone = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="Optional; a national number of the tenant's country, or +<country code>…; "
        "only the organizations of the missions I join see it.",
    )

    class Meta:
        ref_name = "ProfileInput"

    def validate_availability(self, tokens: list[str]) -> int:
        try:
            return availability_mask(tokens)
        except ValueError as error:
            raise serializers.ValidationError(
                _("Unknown availability %(token)s: use e.g. sat-morning.")
                % {"token": str(error)[:20]}
            ) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "availability" in attrs and "availability_mask" in attrs:
            raise serializers.ValidationError(
                {"availability_mask": [_("Give availability or availability_mask, not both.")]}
            )
        return attrs


def _empty_profile() -> dict[str, Any]:
    defaults = VolunteerProfile()
    return {
        "causes": [],
        "skills": [],
        "availability": [],
        "availability_mask": 0,
        "home": None,
        "home_label": "",
        "radius_km": defaults.radius_km,
        "display_name": "",
        "phone": "",
        "updated_at": None,
    }


class MyProfileApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_profile_retrieve",
        summary="My volunteer profile (defaults until I save one)",
        responses={200: ProfileSerializer, **error_responses(401)},
    )
    def get(self, request: SignedInApiRequest) -> Response:
        profile = profile_for_user(user=request.user)
        if profile is None:
            return Response(_empty_profile())
        return Response(ProfileSerializer(profile).data)

    @extend_schema(
        tags=[TAG],
        operation_id="me_profile_update",
        summary="Change my volunteer profile (only the fields given)",
        request=ProfileInput,
        responses={200: ProfileSerializer, **error_responses(400, 401)},
    )
    def patch(self, request: SignedInApiRequest) -> Response:
        data = validated_data(ProfileInput, request.data)
        if not data:
            raise exceptions.ValidationError({"non_field_errors": [_("Nothing to change.")]})
        changes: dict[str, Any] = {
            key: data[key]
            for key in (
                "cause_ids",
                "skill_ids",
                "home_label",
                "radius_km",
                "display_name",
                "phone",
            )
            if key in data
        }
        if "availability" in data:
            changes["availability_mask"] = data["availability"]
        elif "availability_mask" in data:
            changes["availability_mask"] = data["availability_mask"]
        if "home" in data:
            home = data["home"]
            if home is None:
                changes["clear_home"] = True
            else:
                changes["home_point"] = Point(home["lng"], home["lat"], srid=4326)
        profile_update(user=request.user, phone_region=request.tenant.country, **changes)
        return Response(ProfileSerializer(profile_for_user(user=request.user)).data)


class MeExportApi(AccountApiView):
    """GDPR: everything Entraide holds about the caller in this tenant, as JSON."""

    @extend_schema(responses={200: dict, **error_responses(401)}, operation_id="accounts_me_export")
    def get(self, request: SignedInApiRequest) -> Response:
        response = Response(user_export_data(user=request.user))
        response["Cache-Control"] = "no-store"
        return response

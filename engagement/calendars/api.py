"""Calendar feed addresses in the API: see, make (the address is in this answer only) and stop
the caller's feed of their participations, or of an organization they run."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.requests import SignedInApiRequest
from engagement.api.base import ORGANIZER_TAG, AuthenticatedApiView, error_responses
from engagement.calendars.feeds import feed_addresses
from engagement.calendars.models import CalendarFeed
from engagement.calendars.selectors import calendar_feed_active
from engagement.calendars.services import calendar_feed_create, calendar_feed_revoke
from engagement.organizations.access import organization_get_for_member
from engagement.organizations.models import Organization

TAG = "me"


class CalendarFeedSerializer(serializers.Serializer):
    """Whether an address works; never the address itself (only its hash is kept)."""

    active = serializers.BooleanField()
    created_at = serializers.DateTimeField(allow_null=True)
    hint = serializers.CharField(allow_blank=True, help_text="The address's last characters.")

    class Meta:
        ref_name = "CalendarFeed"


class CreatedCalendarFeedSerializer(CalendarFeedSerializer):
    url = serializers.URLField(help_text="The feed (text/calendar). Shown once: keep it.")
    webcal_url = serializers.CharField(help_text="The same address for calendar apps (webcal://).")

    class Meta:
        ref_name = "CreatedCalendarFeed"


def _state(feed: CalendarFeed | None) -> dict[str, object]:
    return {
        "active": feed is not None,
        "created_at": feed.created_at if feed is not None else None,
        "hint": feed.hint if feed is not None else "",
    }


class _CalendarFeedApi(AuthenticatedApiView):
    def _organization(self, request: SignedInApiRequest, **kwargs: int) -> Organization | None:
        return None

    def _get(self, request: SignedInApiRequest, **kwargs: int) -> Response:
        organization = self._organization(request, **kwargs)
        feed = calendar_feed_active(owner=request.user, organization=organization)
        return Response(CalendarFeedSerializer(_state(feed)).data)

    def _post(self, request: SignedInApiRequest, **kwargs: int) -> Response:
        organization = self._organization(request, **kwargs)
        created = calendar_feed_create(owner=request.user, organization=organization)
        addresses = feed_addresses(tenant=request.tenant, token=created.token)
        data = {**_state(created.feed), "url": addresses.https, "webcal_url": addresses.webcal}
        response = Response(
            CreatedCalendarFeedSerializer(data).data, status=status.HTTP_201_CREATED
        )
        response["Cache-Control"] = "no-store"
        return response

    def _delete(self, request: SignedInApiRequest, **kwargs: int) -> Response:
        organization = self._organization(request, **kwargs)
        calendar_feed_revoke(owner=request.user, organization=organization)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyCalendarFeedApi(_CalendarFeedApi):
    @extend_schema(
        tags=[TAG],
        operation_id="me_calendar_feed_retrieve",
        summary="Whether my calendar feed (my participations) has a working address",
        responses={200: CalendarFeedSerializer, **error_responses(401)},
    )
    def get(self, request: SignedInApiRequest) -> Response:
        return self._get(request)

    @extend_schema(
        tags=[TAG],
        operation_id="me_calendar_feed_create",
        summary="Make a new address for my calendar feed (the previous one stops working)",
        description="The address is in this answer only: only its hash is kept.",
        request=None,
        responses={201: CreatedCalendarFeedSerializer, **error_responses(401)},
    )
    def post(self, request: SignedInApiRequest) -> Response:
        return self._post(request)

    @extend_schema(
        tags=[TAG],
        operation_id="me_calendar_feed_destroy",
        summary="Stop my calendar feed's address (nothing to do if none works)",
        responses={204: None, **error_responses(401)},
    )
    def delete(self, request: SignedInApiRequest) -> Response:
        return self._delete(request)


class OrganizationCalendarFeedApi(_CalendarFeedApi):
    def _organization(self, request: SignedInApiRequest, **kwargs: int) -> Organization | None:
        return organization_get_for_member(
            organization_id=kwargs["organization_id"], user=request.user
        )

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_calendar_feed_retrieve",
        summary="Whether my feed of the organization's dates has a working address "
        "(its admins and editors)",
        responses={200: CalendarFeedSerializer, **error_responses(401, 404)},
    )
    def get(self, request: SignedInApiRequest, organization_id: int) -> Response:
        return self._get(request, organization_id=organization_id)

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_calendar_feed_create",
        summary="Make a new address for my feed of the organization's dates (counts, no names)",
        description="The address is in this answer only: only its hash is kept.",
        request=None,
        responses={201: CreatedCalendarFeedSerializer, **error_responses(401, 404)},
    )
    def post(self, request: SignedInApiRequest, organization_id: int) -> Response:
        return self._post(request, organization_id=organization_id)

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_calendar_feed_destroy",
        summary="Stop my feed of the organization's dates",
        responses={204: None, **error_responses(401, 404)},
    )
    def delete(self, request: SignedInApiRequest, organization_id: int) -> Response:
        return self._delete(request, organization_id=organization_id)

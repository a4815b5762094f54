"""Group sign-up in the API: join a slot holding seats for friends; the seats held for or by me;
claim or decline a seat held for me."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
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
from engagement.groups import services
from engagement.groups.access import seat_hold_get_for_friend, slot_get_for_group_signup
from engagement.groups.selectors import seat_holds_of_user
from engagement.groups.serializers import GroupSignupSerializer, SeatHoldSerializer
from engagement.participations.serializers import ParticipationSerializer

TAG = "me"


class SlotGroupSignupApi(AuthenticatedApiView):
    class GroupSignupInput(serializers.Serializer):
        friend_ids = serializers.ListField(
            child=IdField(), allow_empty=False, max_length=services.GROUP_MAX_FRIENDS
        )

        class Meta:
            ref_name = "GroupSignupInput"

    @extend_schema(
        tags=[TAG],
        operation_id="slots_group_signup",
        summary="Join a date and hold a seat for each named friend",
        description=(
            "The caller is confirmed (or keeps their confirmed participation) and one seat is held "
            "for each accepted friend for 24 hours (at most until the date starts); friends are "
            "told by e-mail. Refused with nothing written when a name is not an accepted friend, "
            "is given twice, is already signed up, or when the group is bigger than the seats "
            "left; not available on missions that require approval."
        ),
        request=GroupSignupInput,
        responses={201: GroupSignupSerializer, **error_responses(400, 401, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, slot_id: int) -> Response:
        slot = slot_get_for_group_signup(slot_id=slot_id, user=request.user)
        data = validated_data(self.GroupSignupInput, request.data)
        result = services.group_signup(
            volunteer=request.user, slot=slot, friend_ids=data["friend_ids"]
        )
        return Response(GroupSignupSerializer(result).data, status=status.HTTP_201_CREATED)


class MySeatHoldListApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_seat_holds_list",
        summary="Seats held for me by friends, and the ones I hold for friends",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(SeatHoldSerializer, "PaginatedSeatHoldList"),
            **error_responses(400, 401),
        },
    )
    def get(self, request: SignedInApiRequest) -> Response:
        return paginated(self, seat_holds_of_user(user=request.user), SeatHoldSerializer)


class SeatHoldClaimApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="seat_holds_claim",
        summary="Claim the seat held for me: a confirmed participation",
        request=None,
        responses={201: ParticipationSerializer, **error_responses(401, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, hold_id: int) -> Response:
        hold = seat_hold_get_for_friend(hold_id=hold_id, user=request.user)
        participation = services.seat_hold_claim(hold=hold, actor=request.user)
        return Response(ParticipationSerializer(participation).data, status=status.HTTP_201_CREATED)


class SeatHoldDeclineApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="seat_holds_decline",
        summary="Decline the seat held for me: it goes to the waiting list at once",
        request=None,
        responses={200: SeatHoldSerializer, **error_responses(401, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, hold_id: int) -> Response:
        hold = seat_hold_get_for_friend(hold_id=hold_id, user=request.user)
        hold = services.seat_hold_decline(hold=hold, actor=request.user)
        return Response(SeatHoldSerializer(hold).data)

"""The signed-in volunteer's friends in the API (/api/v1/me/friends/…), their notifications
(/api/v1/me/notifications/…) and recommending a mission to friends."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.requests import SignedInApiRequest
from engagement.api.base import AuthenticatedApiView, IdField, error_responses, validated_data
from engagement.friends import selectors, services
from engagement.friends.selectors import Person
from engagement.friends.serializers import PersonSerializer
from engagement.inbox.models import Notification
from engagement.inbox.selectors import notification_list, unread_count
from engagement.inbox.services import notifications_mark_read
from engagement.missions.access import mission_get_for_viewer

TAG = "friends"
NOTIFICATIONS_LISTED = 100


def _people(people: list[Person]) -> list[dict[str, Any]]:
    return [{"id": person.id, "name": person.name} for person in people]


class RequestsSerializer(serializers.Serializer):
    received = PersonSerializer(many=True)
    sent = PersonSerializer(many=True)


class InviteInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class TokenInput(serializers.Serializer):
    token = serializers.CharField(max_length=64)


class LinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_at = serializers.DateTimeField()


class PrivacySerializer(serializers.Serializer):
    friends_see_participations = serializers.BooleanField()


class RecommendInput(serializers.Serializer):
    recipient_ids = serializers.ListField(child=IdField(), min_length=1, max_length=100)


class RecommendOutput(serializers.Serializer):
    sent_to = serializers.ListField(child=serializers.IntegerField())


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    actor = PersonSerializer(allow_null=True)
    mission_id = serializers.IntegerField(allow_null=True)
    mission_title = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationsSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
    results = NotificationSerializer(many=True)


class ReadInput(serializers.Serializer):
    ids = serializers.ListField(
        child=IdField(), required=False, max_length=100, help_text="All of them when absent."
    )


class DoneSerializer(serializers.Serializer):
    detail = serializers.CharField()


def _done(message: str, code: int = status.HTTP_200_OK) -> Response:
    return Response({"detail": message}, status=code)


class MyFriendsApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_friends_list",
        summary="My friends (accepted both ways)",
        responses={200: PersonSerializer(many=True), **error_responses(401)},
    )
    def get(self, request: SignedInApiRequest) -> Response:
        return Response(_people(selectors.friend_list(user=request.user)))


class MyFriendApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_friends_remove",
        summary="End a friendship, or withdraw a request I sent",
        responses={204: None, **error_responses(401, 404)},
    )
    def delete(self, request: SignedInApiRequest, user_id: int) -> Response:
        services.friend_remove(user=request.user, other_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyFriendBlockApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_friends_block",
        summary="Block someone I know here (ends the friendship, hides us from each other)",
        request=None,
        responses={200: DoneSerializer, **error_responses(401, 404)},
    )
    def post(self, request: SignedInApiRequest, user_id: int) -> Response:
        services.friend_block(user=request.user, other_id=user_id)
        return _done(_("This person is blocked: you no longer see each other."))

    @extend_schema(
        tags=[TAG],
        operation_id="me_friends_unblock",
        summary="Lift a block",
        responses={204: None, **error_responses(401, 404)},
    )
    def delete(self, request: SignedInApiRequest, user_id: int) -> Response:
        services.friend_unblock(user=request.user, other_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyFriendRequestsApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_friends_requests",
        summary="Friend requests waiting for an answer (for me, and from me)",
        responses={200: RequestsSerializer, **error_responses(401)},
    )
    def get(self, request: SignedInApiRequest) -> Response:
        return Response(
            {
                "received": _people(selectors.requests_received(user=request.user)),
                "sent": _people(selectors.requests_sent(user=request.user)),
            }
        )


def _answer(request: SignedInApiRequest, user_id: int, *, accept: bool) -> Response:
    services.friend_request_answer(user=request.user, requester_id=user_id, accept=accept)
    return _done(_("You are now friends.") if accept else _("The request was declined."))


class MyFriendRequestAcceptApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_friends_requests_accept",
        summary="Accept a friend request",
        request=None,
        responses={200: DoneSerializer, **error_responses(401, 404)},
    )
    def post(self, request: SignedInApiRequest, user_id: int) -> Response:
        return _answer(request, user_id, accept=True)


class MyFriendRequestDeclineApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_friends_requests_decline",
        summary="Decline a friend request",
        request=None,
        responses={200: DoneSerializer, **error_responses(401, 404)},
    )
    def post(self, request: SignedInApiRequest, user_id: int) -> Response:
        return _answer(request, user_id, accept=False)


class MyFriendInviteApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_friends_invite",
        summary="Invite a friend by e-mail",
        description="A friend request if the address has an account here, else an e-mail with "
        "a single-use link; the answer is the same either way.",
        request=InviteInput,
        responses={202: DoneSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = validated_data(InviteInput, request.data)
        services.friend_invite_by_email(inviter=request.user, email=data["email"])
        return _done(_("Your invitation is on its way."), status.HTTP_202_ACCEPTED)


class MyFriendLinkApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_friends_link_create",
        summary="A new single-use invitation link to share",
        request=None,
        responses={201: LinkSerializer, **error_responses(401, 429)},
    )
    def post(self, request: SignedInApiRequest) -> Response:
        invitation = services.friend_link_create(inviter=request.user)
        url = request.build_absolute_uri(reverse("friend-invitation", args=[invitation.token]))
        return Response(
            {"url": url, "expires_at": invitation.expires_at}, status=status.HTTP_201_CREATED
        )


class FriendInvitationAcceptApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_friends_invitations_accept",
        summary="Accept an invitation link (become friends with its author)",
        request=TokenInput,
        responses={200: DoneSerializer, **error_responses(400, 401, 404)},
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = validated_data(TokenInput, request.data)
        services.friend_invitation_accept(token=data["token"], user=request.user)
        return _done(_("You are now friends."))


class FriendInvitationDeclineApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_friends_invitations_decline",
        summary="Decline an invitation link",
        request=TokenInput,
        responses={200: DoneSerializer, **error_responses(400, 401, 404)},
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = validated_data(TokenInput, request.data)
        services.friend_invitation_decline(token=data["token"], user=request.user)
        return _done(_("The invitation was declined."))


class MyFriendsPrivacyApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_friends_privacy_retrieve",
        summary="Whether my friends see the missions I join",
        responses={200: PrivacySerializer, **error_responses(401)},
    )
    def get(self, request: SignedInApiRequest) -> Response:
        visible = selectors.participations_visible_to_friends(request.user.pk)
        return Response({"friends_see_participations": visible})

    @extend_schema(
        tags=[TAG],
        operation_id="me_friends_privacy_update",
        summary="Choose whether my friends see the missions I join",
        request=PrivacySerializer,
        responses={200: PrivacySerializer, **error_responses(400, 401)},
    )
    def patch(self, request: SignedInApiRequest) -> Response:
        data = validated_data(PrivacySerializer, request.data)
        profile = services.friends_privacy_set(
            user=request.user, friends_see_participations=data["friends_see_participations"]
        )
        return Response({"friends_see_participations": profile.friends_see_participations})


class MissionRecommendApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="missions_recommend_to_friends",
        summary="Recommend a mission to friends (notification and e-mail)",
        request=RecommendInput,
        responses={201: RecommendOutput, **error_responses(400, 401, 404, 409, 429)},
    )
    def post(self, request: SignedInApiRequest, mission_id: int) -> Response:
        mission = mission_get_for_viewer(mission_id=mission_id, user=request.user)
        data = validated_data(RecommendInput, request.data)
        sent = services.mission_recommend(
            sender=request.user, mission=mission, recipient_ids=data["recipient_ids"]
        )
        return Response(
            {"sent_to": [item.recipient_id for item in sent]}, status=status.HTTP_201_CREATED
        )


def _notification_data(item: Notification) -> dict[str, Any]:
    actor = selectors.person_of(item.actor) if item.actor is not None else None
    return {
        "id": item.pk,
        "kind": item.kind,
        "actor": {"id": actor.id, "name": actor.name} if actor else None,
        "mission_id": item.mission_id,
        "mission_title": item.mission.title if item.mission is not None else None,
        "created_at": item.created_at,
        "read_at": item.read_at,
    }


class MyNotificationsApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_notifications_list",
        summary="My latest notifications (100 at most) and how many are unread",
        responses={200: NotificationsSerializer, **error_responses(401)},
    )
    def get(self, request: SignedInApiRequest) -> Response:
        items = notification_list(user=request.user)[:NOTIFICATIONS_LISTED]
        return Response(
            {
                "unread": unread_count(user=request.user),
                "results": [_notification_data(item) for item in items],
            }
        )


class MyNotificationsReadApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_notifications_read",
        summary="Mark notifications read (all when no ids are given)",
        request=ReadInput,
        responses={200: DoneSerializer, **error_responses(400, 401, 404)},
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = validated_data(ReadInput, request.data)
        notifications_mark_read(user=request.user, ids=data.get("ids"))
        return _done(_("Marked as read."))

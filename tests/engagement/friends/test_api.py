"""/api/v1/me/friends/… and /api/v1/me/notifications/…: each error a 400/404 with field errors,
friends_going on the mission API for the signed-in caller only, another tenant's people and
links nothing."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from engagement.friends import services
from engagement.friends.models import FriendBlock, FriendInvitation, Friendship
from engagement.inbox.models import Notification
from tests.engagement.factories import (
    MissionFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def befriend(first, second) -> None:  # type: ignore[no-untyped-def]
    services.friend_request_send(requester=first, addressee=second)
    services.friend_request_answer(user=second, requester_id=first.pk, accept=True)


def test_anonymous_callers_get_401(in_paris, api_for):
    api = api_for(in_paris)
    for path in ("me/friends/", "me/friends/requests/", "me/friends/privacy/", "me/notifications/"):
        assert api.get(path).status_code == 401


def test_lists_of_friends_and_requests(in_paris, api_for):
    me = UserFactory()
    lea = UserFactory(first_name="Léa", last_name="")
    sam = UserFactory(first_name="Sam", last_name="")
    kim = UserFactory(first_name="Kim", last_name="")
    befriend(me, lea)
    services.friend_request_send(requester=sam, addressee=me)
    services.friend_request_send(requester=me, addressee=kim)
    api = api_for(in_paris, me)

    assert api.get("me/friends/").json() == [{"id": lea.pk, "name": "Léa"}]
    assert api.get("me/friends/requests/").json() == {
        "received": [{"id": sam.pk, "name": "Sam"}],
        "sent": [{"id": kim.pk, "name": "Kim"}],
    }


def test_invite_by_email_and_its_errors(in_paris, api_for):
    me = UserFactory()
    api = api_for(in_paris, me)

    response = api.post("me/friends/invite/", {"email": "nope"})
    assert response.status_code == 400 and "email" in response.json()["fields"]
    response = api.post("me/friends/invite/", {"email": me.email})
    assert response.status_code == 400
    assert response.json()["code"] == "friend_self"
    assert response.json()["fields"] == {"email": ["C'est votre propre adresse."]}
    assert not FriendInvitation.objects.exists()

    assert api.post("me/friends/invite/", {"email": "new@example.org"}).status_code == 202
    response = api.post("me/friends/invite/", {"email": "new@example.org"})
    assert response.status_code == 400 and response.json()["code"] == "friend_already"
    assert FriendInvitation.objects.count() == 1


def test_link_accept_decline_and_their_errors(in_paris, api_for):
    inviter, guest = UserFactory(), UserFactory()
    link = api_for(in_paris, inviter).post("me/friends/link/")
    assert link.status_code == 201
    token = link.json()["url"].rstrip("/").rsplit("/", 1)[1]
    api = api_for(in_paris, guest)

    response = api.post("me/friends/invitations/accept/", {"token": "unknown"})
    assert response.status_code == 404 and response.json()["code"] == "friend_invitation_not_found"
    response = api.post("me/friends/invitations/accept/", {})
    assert response.status_code == 400 and "token" in response.json()["fields"]
    response = api_for(in_paris, inviter).post("me/friends/invitations/accept/", {"token": token})
    assert response.status_code == 400 and response.json()["code"] == "friend_self"
    assert not Friendship.objects.exists()

    assert api.post("me/friends/invitations/accept/", {"token": token}).status_code == 200
    assert Friendship.objects.get().status == Friendship.Status.ACCEPTED
    response = api.post("me/friends/invitations/decline/", {"token": token})
    assert response.status_code == 400 and response.json()["code"] == "friend_invitation_used"


def test_answer_remove_block_unblock(in_paris, api_for):
    me, asker = UserFactory(), UserFactory()
    services.friend_request_send(requester=asker, addressee=me)
    api = api_for(in_paris, me)

    response = api.post(f"me/friends/requests/{me.pk}/accept/")
    assert response.status_code == 404 and response.json()["code"] == "friend_not_found"
    assert api.post(f"me/friends/requests/{asker.pk}/accept/").status_code == 200
    assert api.delete(f"me/friends/{asker.pk}/").status_code == 204
    assert api.delete(f"me/friends/{asker.pk}/").status_code == 404
    assert api.post(f"me/friends/{asker.pk}/block/").status_code == 404  # no relation left
    services.friend_request_send(requester=asker, addressee=me)
    assert api.post(f"me/friends/{asker.pk}/block/").status_code == 200
    assert FriendBlock.objects.filter(blocker=me, blocked=asker).exists()
    response = api_for(in_paris, asker).post(f"me/friends/requests/{me.pk}/decline/")
    assert response.status_code == 404
    assert api.delete(f"me/friends/{asker.pk}/block/").status_code == 204


def test_privacy_setting(in_paris, api_for):
    api = api_for(in_paris, UserFactory())
    assert api.get("me/friends/privacy/").json() == {"friends_see_participations": True}
    response = api.patch("me/friends/privacy/", {"friends_see_participations": "maybe"})
    assert response.status_code == 400
    assert "friends_see_participations" in response.json()["fields"]
    response = api.patch("me/friends/privacy/", {"friends_see_participations": False})
    assert response.json() == {"friends_see_participations": False}
    assert api.get("me/friends/privacy/").json() == {"friends_see_participations": False}


def test_recommend_and_notifications(in_paris, api_for):
    me, friend, stranger = UserFactory(), UserFactory(), UserFactory()
    befriend(me, friend)
    mission = MissionFactory(title="Jardin partagé")
    api = api_for(in_paris, me)
    path = f"missions/{mission.pk}/recommend-to-friends/"

    response = api.post(path, {"recipient_ids": []})
    assert response.status_code == 400 and "recipient_ids" in response.json()["fields"]
    response = api.post(path, {"recipient_ids": [friend.pk, stranger.pk]})
    assert response.status_code == 400 and response.json()["code"] == "not_friend"
    assert (
        api.post(
            "missions/999999999/recommend-to-friends/", {"recipient_ids": [friend.pk]}
        ).status_code
        == 404
    )
    response = api.post(path, {"recipient_ids": [friend.pk]})
    assert response.status_code == 201 and response.json() == {"sent_to": [friend.pk]}

    reader = api_for(in_paris, friend)
    body = reader.get("me/notifications/").json()
    assert body["unread"] == 2  # the friend request, then the recommendation
    kinds = {item["kind"]: item for item in body["results"]}
    assert kinds["mission_recommended"]["mission_title"] == "Jardin partagé"
    response = reader.post("me/notifications/read/", {"ids": [999999999]})
    assert response.status_code == 404
    assert reader.post("me/notifications/read/", {}).status_code == 200
    assert reader.get("me/notifications/").json()["unread"] == 0
    assert Notification.objects.filter(recipient=friend, read_at__isnull=True).count() == 0


def test_the_mission_api_tells_friends_going_to_the_signed_in_caller_only(in_paris, api_for):
    viewer = UserFactory()
    lea = UserFactory(first_name="Léa", last_name="")
    befriend(viewer, lea)
    slot = SlotFactory()
    ParticipationFactory(slot=slot, volunteer=lea)

    body = api_for(in_paris, viewer).get(f"missions/{slot.mission.pk}/").json()
    assert body["friends_going"] == {
        "count": 1,
        "text": "Léa y va",
        "friends": [{"id": lea.pk, "name": "Léa"}],
    }
    assert api_for(in_paris).get(f"missions/{slot.mission.pk}/").json()["friends_going"] is None


def test_paris_people_are_nothing_in_montreal(paris, montreal, api_for):
    with tenant_context(paris):
        me, friend = UserFactory(), UserFactory()
        befriend(me, friend)
    with tenant_context(montreal):
        other = UserFactory()
        api = api_for(montreal, other)
        assert api.delete(f"me/friends/{friend.pk}/").status_code == 404
        assert api.post(f"me/friends/{friend.pk}/block/").status_code == 404
        assert api.post(f"me/friends/requests/{friend.pk}/accept/").status_code == 404
        assert api.get("me/friends/").json() == []
    with tenant_context(paris):
        assert Friendship.objects.count() == 1

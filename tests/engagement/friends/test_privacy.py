"""Friends under the GDPR: the export holds friendships, blocks, invitations, recommendations
and notifications; deleting the account removes them."""

from __future__ import annotations

import pytest

from engagement.friends import services
from engagement.friends.models import (
    FriendBlock,
    FriendInvitation,
    Friendship,
    MissionRecommendation,
)
from engagement.inbox.models import Notification
from engagement.volunteers.privacy import user_delete_account, user_export_data
from tests.engagement.factories import MissionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _footprint():  # type: ignore[no-untyped-def]
    lea = UserFactory(first_name="Léa", last_name="")
    sam = UserFactory(first_name="Sam", last_name="")
    kim = UserFactory(first_name="Kim", last_name="")
    services.friend_request_send(requester=lea, addressee=sam)
    services.friend_request_answer(user=sam, requester_id=lea.pk, accept=True)
    services.friend_request_send(requester=kim, addressee=lea)
    services.friend_block(user=lea, other_id=kim.pk)
    services.friend_invite_by_email(inviter=lea, email="new@example.org")
    services.mission_recommend(
        sender=sam, mission=MissionFactory(title="Jardin"), recipient_ids=[lea.pk]
    )
    return lea, sam, kim


def test_the_export_holds_what_friends_keep_about_me(in_paris):
    lea, sam, kim = _footprint()

    data = user_export_data(user=lea)

    assert [(item["with"], item["status"]) for item in data["friendships"]] == [("Sam", "accepted")]
    assert data["blocked_people"] == ["Kim"]
    assert [item["email"] for item in data["friend_invitations"]] == ["new@example.org"]
    assert data["mission_recommendations"][0] == {
        "mission": "Jardin",
        "from": "Sam",
        "to": "Léa",
        "created_at": data["mission_recommendations"][0]["created_at"],
    }
    assert {item["kind"] for item in data["notifications"]} == {
        "friend_accepted",
        "friend_request",
        "mission_recommended",
    }


def test_deleting_the_account_removes_friendships_and_notifications(in_paris):
    lea, sam, kim = _footprint()

    user_delete_account(user=lea, actor=lea)

    assert not Friendship.objects.exists()
    assert not FriendBlock.objects.exists()
    assert not FriendInvitation.objects.exists()
    assert not MissionRecommendation.objects.exists()
    assert not Notification.objects.filter(recipient_id=lea.pk).exists()
    # Notifications Léa caused go too (Sam's "Léa accepted" no longer names anybody).
    assert not Notification.objects.filter(actor_id=lea.pk).exists()

"""engagement.friends.services: requests, links, e-mail invitations, blocks, privacy and
recommendations — each rule refused with a clear error and nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from engagement.emails.models import EmailPreferences
from engagement.errors import EngagementError
from engagement.friends import services
from engagement.friends.models import (
    FriendBlock,
    FriendInvitation,
    Friendship,
    MissionRecommendation,
)
from engagement.friends.selectors import (
    are_friends,
    friend_ids,
    requests_received,
    requests_sent,
)
from engagement.inbox.models import Notification
from engagement.missions.models import Mission
from engagement.volunteers.models import VolunteerProfile
from tenants.audit.models import AuditEvent
from tests.engagement.factories import MissionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> tuple[int, ...]:
    return (
        Friendship.objects.count(),
        FriendBlock.objects.count(),
        FriendInvitation.objects.filter(used_at__isnull=False).count(),
        FriendInvitation.objects.count(),
        Notification.objects.count(),
        MissionRecommendation.objects.count(),
    )


def _refused(code: str, call, *args, **kwargs) -> EngagementError:  # type: ignore[no-untyped-def]
    before = _snapshot()
    with pytest.raises(EngagementError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    assert _snapshot() == before
    return caught.value


def befriend(first, second) -> None:  # type: ignore[no-untyped-def]
    services.friend_request_send(requester=first, addressee=second)
    services.friend_request_answer(user=second, requester_id=first.pk, accept=True)


def test_a_request_waits_for_the_answer_and_nobody_is_a_friend_before(in_paris):
    lea, sam = UserFactory(), UserFactory()

    services.friend_request_send(requester=lea, addressee=sam)

    assert not are_friends(lea.pk, sam.pk)
    assert friend_ids(lea.pk) == set() and friend_ids(sam.pk) == set()
    assert [person.id for person in requests_received(user=sam)] == [lea.pk]
    assert [person.id for person in requests_sent(user=lea)] == [sam.pk]
    assert requests_received(user=lea) == []
    [note] = Notification.objects.filter(recipient=sam)
    assert (note.kind, note.actor_id) == (Notification.Kind.FRIEND_REQUEST, lea.pk)
    assert AuditEvent.objects.filter(action="friend.requested", actor_id=lea.pk).count() == 1

    services.friend_request_answer(user=sam, requester_id=lea.pk, accept=True)

    assert are_friends(lea.pk, sam.pk) and are_friends(sam.pk, lea.pk)
    assert friend_ids(lea.pk) == {sam.pk}
    assert Notification.objects.filter(
        recipient=lea, kind=Notification.Kind.FRIEND_ACCEPTED
    ).exists()
    assert AuditEvent.objects.filter(action="friend.accepted", actor_id=sam.pk).count() == 1


def test_a_declined_request_makes_no_friends(in_paris):
    lea, sam = UserFactory(), UserFactory()
    services.friend_request_send(requester=lea, addressee=sam)

    services.friend_request_answer(user=sam, requester_id=lea.pk, accept=False)

    assert Friendship.objects.get().status == Friendship.Status.DECLINED
    assert not are_friends(lea.pk, sam.pk)
    assert requests_received(user=sam) == []


def test_asking_someone_who_already_asked_you_accepts(in_paris):
    lea, sam = UserFactory(), UserFactory()
    services.friend_request_send(requester=lea, addressee=sam)

    services.friend_request_send(requester=sam, addressee=lea)

    assert Friendship.objects.get().status == Friendship.Status.ACCEPTED
    assert are_friends(lea.pk, sam.pk)


def test_inviting_oneself_is_refused(in_paris):
    lea = UserFactory()
    error = _refused("friend_self", services.friend_request_send, requester=lea, addressee=lea)
    assert error.fields == {"user_id": ["Vous ne pouvez pas être votre propre ami·e."]}
    _refused("friend_self", services.friend_invite_by_email, inviter=lea, email=lea.email.upper())


def test_a_duplicate_request_is_refused(in_paris):
    lea, sam = UserFactory(), UserFactory()
    services.friend_request_send(requester=lea, addressee=sam)

    _refused("friend_already", services.friend_request_send, requester=lea, addressee=sam)
    _refused("friend_already", services.friend_invite_by_email, inviter=lea, email=sam.email)


def test_friends_already_is_refused(in_paris):
    lea, sam = UserFactory(), UserFactory()
    befriend(lea, sam)
    _refused("friend_already", services.friend_request_send, requester=sam, addressee=lea)


def test_answering_a_request_that_does_not_exist_is_a_404(in_paris):
    lea, sam = UserFactory(), UserFactory()
    services.friend_request_send(requester=lea, addressee=sam)
    # Only the addressee answers.
    error = _refused(
        "friend_not_found",
        services.friend_request_answer,
        user=lea,
        requester_id=sam.pk,
        accept=True,
    )
    assert error.status_code == 404


def test_either_side_removes_the_friendship(in_paris):
    lea, sam = UserFactory(), UserFactory()
    befriend(lea, sam)

    services.friend_remove(user=sam, other_id=lea.pk)

    assert not Friendship.objects.exists()
    assert AuditEvent.objects.filter(action="friend.removed", actor_id=sam.pk).count() == 1
    _refused("friend_not_found", services.friend_remove, user=lea, other_id=sam.pk)


def test_the_addressee_cannot_remove_a_pending_request_only_decline_it(in_paris):
    lea, sam = UserFactory(), UserFactory()
    services.friend_request_send(requester=lea, addressee=sam)
    _refused("friend_not_found", services.friend_remove, user=sam, other_id=lea.pk)
    services.friend_remove(user=lea, other_id=sam.pk)  # withdrawn by its sender
    assert not Friendship.objects.exists()


def test_blocking_ends_the_friendship_hides_both_ways_and_forbids_requests(in_paris):
    lea, sam = UserFactory(), UserFactory()
    befriend(lea, sam)

    services.friend_block(user=lea, other_id=sam.pk)

    assert not Friendship.objects.exists()
    assert friend_ids(lea.pk) == set() and friend_ids(sam.pk) == set()
    assert AuditEvent.objects.filter(action="friend.blocked", actor_id=lea.pk).count() == 1
    _refused("friend_blocked", services.friend_request_send, requester=sam, addressee=lea)
    _refused("friend_blocked", services.friend_request_send, requester=lea, addressee=sam)
    link = services.friend_link_create(inviter=lea)
    _refused("friend_blocked", services.friend_invitation_accept, token=link.token, user=sam)


def test_blocking_a_stranger_is_a_404(in_paris):
    lea, stranger = UserFactory(), UserFactory()
    _refused("friend_not_found", services.friend_block, user=lea, other_id=stranger.pk)


def test_unblocking_lets_them_ask_again_but_does_not_restore_the_friendship(in_paris):
    lea, sam = UserFactory(), UserFactory()
    befriend(lea, sam)
    services.friend_block(user=lea, other_id=sam.pk)

    services.friend_unblock(user=lea, other_id=sam.pk)

    assert not are_friends(lea.pk, sam.pk)
    services.friend_request_send(requester=sam, addressee=lea)
    _refused("friend_not_found", services.friend_unblock, user=lea, other_id=sam.pk)


def test_a_suspended_friend_disappears(in_paris):
    lea, sam = UserFactory(), UserFactory()
    befriend(lea, sam)

    sam.is_active = False
    sam.save(update_fields=["is_active"])

    assert friend_ids(lea.pk) == set()
    assert not are_friends(lea.pk, sam.pk)


# --- links ----------------------------------------------------------------------------------------


def test_a_link_makes_friends_once(in_paris):
    lea, sam, kim = UserFactory(), UserFactory(), UserFactory()
    link = services.friend_link_create(inviter=lea)

    services.friend_invitation_accept(token=link.token, user=sam)

    assert are_friends(lea.pk, sam.pk)
    link.refresh_from_db()
    assert link.used_by_id == sam.pk and link.used_at is not None
    error = _refused(
        "friend_invitation_used", services.friend_invitation_accept, token=link.token, user=kim
    )
    assert error.fields == {"token": ["Ce lien d'invitation a déjà servi."]}


def test_an_expired_link_is_refused(in_paris):
    lea, sam = UserFactory(), UserFactory()
    link = services.friend_link_create(inviter=lea)
    FriendInvitation.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    _refused(
        "friend_invitation_expired", services.friend_invitation_accept, token=link.token, user=sam
    )


def test_an_unknown_link_is_a_404(in_paris):
    sam = UserFactory()
    error = _refused(
        "friend_invitation_not_found",
        services.friend_invitation_accept,
        token="nothing-here",
        user=sam,
    )
    assert error.status_code == 404


def test_ones_own_link_is_refused(in_paris):
    lea = UserFactory()
    link = services.friend_link_create(inviter=lea)
    _refused("friend_self", services.friend_invitation_accept, token=link.token, user=lea)


def test_a_declined_link_is_used_up_without_friendship(in_paris):
    lea, sam = UserFactory(), UserFactory()
    link = services.friend_link_create(inviter=lea)

    services.friend_invitation_decline(token=link.token, user=sam)

    assert not Friendship.objects.exists()
    link.refresh_from_db()
    assert link.used_at is not None


def test_a_link_accepts_a_pending_request_between_the_same_people(in_paris):
    lea, sam = UserFactory(), UserFactory()
    services.friend_request_send(requester=sam, addressee=lea)
    link = services.friend_link_create(inviter=lea)

    services.friend_invitation_accept(token=link.token, user=sam)

    assert Friendship.objects.get().status == Friendship.Status.ACCEPTED


def test_invitations_are_rate_limited_per_day(in_paris, monkeypatch):
    monkeypatch.setattr(services, "INVITATIONS_PER_DAY", 2)
    lea = UserFactory()
    services.friend_link_create(inviter=lea)
    services.friend_request_send(requester=lea, addressee=UserFactory())

    error = _refused("friends_too_many", services.friend_link_create, inviter=lea)
    assert error.status_code == 429
    _refused(
        "friends_too_many",
        services.friend_invite_by_email,
        inviter=lea,
        email="new@example.org",
    )


# --- e-mail invitations ------------------------------------------------------------------------


def test_an_address_with_an_account_gets_a_friend_request_by_email(
    in_paris, smtp_inbox, django_capture_on_commit_callbacks
):
    lea = UserFactory(first_name="Léa", last_name="Martin")
    sam = UserFactory(email="sam@example.org", language="fr")

    with django_capture_on_commit_callbacks(execute=True):
        services.friend_invite_by_email(inviter=lea, email="SAM@example.org")

    assert Friendship.objects.get().addressee_id == sam.pk
    assert not FriendInvitation.objects.exists()
    [received] = smtp_inbox.to("sam@example.org")
    assert "Léa Martin" in received.subject
    assert "/amis/" in received.text


def test_a_friend_request_email_follows_the_friends_preference(
    in_paris, smtp_inbox, django_capture_on_commit_callbacks
):
    lea = UserFactory()
    sam = UserFactory(email="quiet@example.org")
    EmailPreferences.objects.create(user=sam, friends=EmailPreferences.Frequency.NEVER)

    with django_capture_on_commit_callbacks(execute=True):
        services.friend_request_send(requester=lea, addressee=sam)

    assert smtp_inbox.to("quiet@example.org") == []
    assert Notification.objects.filter(recipient=sam).count() == 1


def test_an_address_without_an_account_gets_a_link_by_email_once(
    in_paris, smtp_inbox, django_capture_on_commit_callbacks
):
    lea = UserFactory(first_name="Léa", last_name="")

    with django_capture_on_commit_callbacks(execute=True):
        services.friend_invite_by_email(inviter=lea, email="new@example.org")

    invitation = FriendInvitation.objects.get()
    assert invitation.email == "new@example.org"
    [received] = smtp_inbox.to("new@example.org")
    assert f"/amis/invitation/{invitation.token}/" in received.text
    assert "Léa" in received.subject
    _refused(
        "friend_already", services.friend_invite_by_email, inviter=lea, email="NEW@example.org"
    )


# --- privacy ------------------------------------------------------------------------------------


def test_the_privacy_switch_is_saved_and_audited(in_paris):
    lea = UserFactory()

    services.friends_privacy_set(user=lea, friends_see_participations=False)

    assert VolunteerProfile.objects.get(user=lea).friends_see_participations is False
    assert AuditEvent.objects.filter(action="friend.privacy_changed").count() == 1


# --- recommendations ----------------------------------------------------------------------------


def test_recommending_notifies_and_emails_friends_once_per_mission(
    in_paris, smtp_inbox, django_capture_on_commit_callbacks
):
    lea = UserFactory(first_name="Léa", last_name="")
    sam = UserFactory(email="sam@example.org", first_name="Sam")
    befriend(lea, sam)
    mission = MissionFactory(title="Maraude du soir")

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.mission_recommend(sender=lea, mission=mission, recipient_ids=[sam.pk])

    assert [item.recipient_id for item in sent] == [sam.pk]
    [note] = Notification.objects.filter(recipient=sam, kind=Notification.Kind.MISSION_RECOMMENDED)
    assert note.mission_id == mission.pk
    [received] = smtp_inbox.to("sam@example.org")
    assert "Maraude du soir" in received.subject
    assert f"/missions/{mission.pk}/" in received.text
    error = _refused(
        "already_recommended",
        services.mission_recommend,
        sender=lea,
        mission=mission,
        recipient_ids=[sam.pk],
    )
    assert error.fields and "recipient_ids" in error.fields


def test_recommending_to_a_non_friend_is_refused_whole(in_paris):
    lea, sam, stranger = UserFactory(), UserFactory(), UserFactory()
    befriend(lea, sam)
    mission = MissionFactory()

    error = _refused(
        "not_friend",
        services.mission_recommend,
        sender=lea,
        mission=mission,
        recipient_ids=[sam.pk, stranger.pk],
    )
    assert error.fields == {
        "recipient_ids": ["Vous ne pouvez recommander une mission qu'à vos ami·es."]
    }


def test_recommending_an_unpublished_mission_is_refused(in_paris):
    lea, sam = UserFactory(), UserFactory()
    befriend(lea, sam)
    mission = MissionFactory(status=Mission.Status.DRAFT)
    _refused(
        "mission_not_published",
        services.mission_recommend,
        sender=lea,
        mission=mission,
        recipient_ids=[sam.pk],
    )


def test_recommendations_are_rate_limited_per_sender_and_day(in_paris, monkeypatch):
    monkeypatch.setattr(services, "RECOMMENDATIONS_PER_DAY", 1)
    lea, sam, kim = UserFactory(), UserFactory(), UserFactory()
    befriend(lea, sam)
    befriend(lea, kim)
    services.mission_recommend(sender=lea, mission=MissionFactory(), recipient_ids=[sam.pk])

    _refused(
        "friends_too_many",
        services.mission_recommend,
        sender=lea,
        mission=MissionFactory(),
        recipient_ids=[kim.pk],
    )

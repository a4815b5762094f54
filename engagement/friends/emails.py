"""The e-mails of friends: a request, an acceptance, an invitation to an address with no account
yet, a recommended mission. Rendered and sent by engagement.emails.delivery (once per key, in the
recipient's language); run by the tasks of engagement/friends/tasks.py, safe to run twice."""

from __future__ import annotations

from accounts.models import User
from engagement.emails.delivery import EmailCategory, deliver_email
from engagement.friends.models import FriendInvitation, Friendship, MissionRecommendation
from engagement.friends.selectors import are_friends, person_of
from engagement.links import language_for, mission_url, page_url
from tenants.context import current_tenant

FRIENDS_PATH = "/amis/"
FRIEND_INVITATION_PATH = "/amis/invitation/{token}/"


def _friends_url() -> str:
    return page_url(current_tenant(), "friends", FRIENDS_PATH)


def _send_to_user(*, key: str, template: str, recipient: User, context: dict[str, object]) -> bool:
    tenant = current_tenant()
    return deliver_email(
        key=key,
        tenant=tenant,
        template=template,
        recipient=recipient,
        language=language_for(tenant, recipient),
        context=context,
        category=EmailCategory.FRIENDS,
    )


def send_friend_request_email(*, friendship_id: int) -> bool:
    friendship = (
        Friendship.objects.select_related("requester__volunteer_profile", "addressee")
        .filter(pk=friendship_id, status=Friendship.Status.PENDING)
        .first()
    )
    if friendship is None:
        return False
    return _send_to_user(
        key=f"friend-request:{friendship.pk}:{friendship.created_at.timestamp()}",
        template="friend_request",
        recipient=friendship.addressee,
        context={
            "sender_name": person_of(friendship.requester).name,
            "friends_url": _friends_url(),
        },
    )


def send_friend_accepted_email(*, friendship_id: int) -> bool:
    friendship = (
        Friendship.objects.select_related("addressee__volunteer_profile", "requester")
        .filter(pk=friendship_id, status=Friendship.Status.ACCEPTED)
        .first()
    )
    if friendship is None or not are_friends(friendship.requester_id, friendship.addressee_id):
        return False
    return _send_to_user(
        key=f"friend-accepted:{friendship.pk}",
        template="friend_accepted",
        recipient=friendship.requester,
        context={
            "sender_name": person_of(friendship.addressee).name,
            "friends_url": _friends_url(),
        },
    )


def send_friend_invitation_email(*, invitation_id: int) -> bool:
    """To an address with no account here: a TRANSACTIONAL e-mail (see services)."""
    invitation = (
        FriendInvitation.objects.select_related("inviter__volunteer_profile")
        .filter(pk=invitation_id)
        .exclude(email="")
        .first()
    )
    if invitation is None or not invitation.is_usable:
        return False
    tenant = current_tenant()
    return deliver_email(
        key=f"friend-invitation:{invitation.pk}",
        tenant=tenant,
        template="friend_invitation",
        recipient=invitation.email,
        language=language_for(tenant),
        context={
            "sender_name": person_of(invitation.inviter).name,
            "expires_at": invitation.expires_at,
            "accept_url": page_url(
                tenant, "friend-invitation", FRIEND_INVITATION_PATH, token=invitation.token
            ),
        },
        category=EmailCategory.TRANSACTIONAL,
    )


def send_mission_recommendation_email(*, recommendation_id: int) -> bool:
    recommendation = (
        MissionRecommendation.objects.select_related(
            "sender__volunteer_profile", "recipient", "mission__organization"
        )
        .filter(pk=recommendation_id)
        .first()
    )
    if recommendation is None:
        return False
    return _send_to_user(
        key=f"mission-recommended:{recommendation.pk}",
        template="mission_recommended",
        recipient=recommendation.recipient,
        context={
            "sender_name": person_of(recommendation.sender).name,
            "mission": recommendation.mission,
            "mission_url": mission_url(current_tenant(), recommendation.mission),
        },
    )

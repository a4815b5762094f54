"""Who is whose friend: accepted friendships, minus blocks either way."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from engagement.friends.models import FriendBlock, Friendship


def _unblocked(queryset: QuerySet[Friendship]) -> QuerySet[Friendship]:
    blocked = FriendBlock.objects.filter(
        Q(blocker_id=OuterRef("requester_id"), blocked_id=OuterRef("addressee_id"))
        | Q(blocker_id=OuterRef("addressee_id"), blocked_id=OuterRef("requester_id"))
    )
    return queryset.filter(~Exists(blocked))


def friend_ids(user_id: int) -> set[int]:
    """The ids of `user_id`'s accepted friends that neither side blocked (one query)."""
    rows = _unblocked(
        Friendship.objects.filter(
            Q(requester_id=user_id) | Q(addressee_id=user_id),
            status=Friendship.Status.ACCEPTED,
        )
    ).values_list("requester_id", "addressee_id")
    return {addressee if requester == user_id else requester for requester, addressee in rows}


def are_friends(user_id: int, other_id: int) -> bool:
    """Both accepted, and neither blocked the other."""
    if user_id == other_id:
        return False
    return _unblocked(
        Friendship.objects.filter(
            Q(requester_id=user_id, addressee_id=other_id)
            | Q(requester_id=other_id, addressee_id=user_id),
            status=Friendship.Status.ACCEPTED,
        )
    ).exists()

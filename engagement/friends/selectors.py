"""Who is whose friend, and what friends may see of each other.

Accepted friendships minus blocks either way; a person whose account is inactive (suspended or
deleted) is nobody's friend. Nobody is listed to anybody before both sides accepted: a pending
request shows only to the two people it concerns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from allauth.socialaccount.models import SocialAccount
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from engagement.friends.models import (
    FriendBlock,
    FriendInvitation,
    Friendship,
    MissionRecommendation,
)
from engagement.inbox.models import Notification
from engagement.missions.models import Slot
from engagement.participations.models import Participation
from engagement.volunteers.models import VolunteerProfile

# The participations that count as "going": the person holds a seat (confirmed) or has
# committed to take one as soon as it frees (waitlisted). A request awaiting the organization's
# approval is not a commitment the organization accepted yet, so friends do not see it.
GOING_STATUSES = (Participation.Status.CONFIRMED, Participation.Status.WAITLISTED)

# Read with every listed person: enough to word their name without another query.
_NAME_FIELDS = ("id", "email", "first_name", "last_name", "volunteer_profile__display_name")


@dataclass(frozen=True)
class Person:
    """Someone as a friend sees them: an id and the name they chose to show."""

    id: int
    name: str


@dataclass(frozen=True)
class FoundPerson(Person):
    """Someone found through Facebook, and whether a request between them exists already."""

    requested: bool = False


def person_name(*, display_name: str | None, first_name: str, last_name: str, email: str) -> str:
    """The profile's display name, else the full name, else the e-mail's local part (a friend
    never sees an address)."""
    if display_name:
        return display_name
    full = f"{first_name} {last_name}".strip()
    return full or email.split("@")[0]


def person_of(user: User) -> Person:
    profile = getattr(user, "volunteer_profile", None)
    return Person(
        id=user.pk,
        name=person_name(
            display_name=profile.display_name if profile is not None else None,
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
        ),
    )


def _people(queryset: QuerySet[User]) -> list[Person]:
    return [
        Person(
            id=row["id"],
            name=person_name(
                display_name=row["volunteer_profile__display_name"],
                first_name=row["first_name"],
                last_name=row["last_name"],
                email=row["email"],
            ),
        )
        for row in queryset.values(*_NAME_FIELDS)
    ]


def _blocked_either_way(user_id: int, outer: str) -> QuerySet[FriendBlock]:
    return FriendBlock.objects.filter(
        Q(blocker_id=user_id, blocked_id=OuterRef(outer))
        | Q(blocker_id=OuterRef(outer), blocked_id=user_id)
    )


def _unblocked(queryset: QuerySet[Friendship]) -> QuerySet[Friendship]:
    blocked = FriendBlock.objects.filter(
        Q(blocker_id=OuterRef("requester_id"), blocked_id=OuterRef("addressee_id"))
        | Q(blocker_id=OuterRef("addressee_id"), blocked_id=OuterRef("requester_id"))
    )
    return queryset.filter(~Exists(blocked))


def _accepted_with(user_id: int, outer: str) -> QuerySet[Friendship]:
    return Friendship.objects.filter(
        Q(requester_id=user_id, addressee_id=OuterRef(outer))
        | Q(addressee_id=user_id, requester_id=OuterRef(outer)),
        status=Friendship.Status.ACCEPTED,
    )


def friend_users(user_id: int) -> QuerySet[User]:
    """`user_id`'s accepted, active friends that neither side blocked, by name."""
    return (
        User.objects.filter(is_active=True)
        .filter(Exists(_accepted_with(user_id, "pk")))
        .exclude(Exists(_blocked_either_way(user_id, "pk")))
        .order_by("first_name", "last_name", "pk")
    )


def friend_list(*, user: User) -> list[Person]:
    """`user`'s friends as they show themselves (one query)."""
    return _people(friend_users(user.pk))


def friend_ids(user_id: int) -> set[int]:
    """The ids of `user_id`'s accepted, active friends that neither side blocked (one query)."""
    return set(friend_users(user_id).values_list("pk", flat=True))


def are_friends(user_id: int, other_id: int) -> bool:
    """Both accepted, neither blocked the other, and the other's account is active."""
    if user_id == other_id:
        return False
    return friend_users(user_id).filter(pk=other_id).exists()


def requests_received(*, user: User) -> list[Person]:
    """People waiting for `user`'s answer (blocked and inactive people left out)."""
    pending = Friendship.objects.filter(
        addressee_id=user.pk, requester_id=OuterRef("pk"), status=Friendship.Status.PENDING
    )
    return _people(
        User.objects.filter(is_active=True)
        .filter(Exists(pending))
        .exclude(Exists(_blocked_either_way(user.pk, "pk")))
        .order_by("first_name", "last_name", "pk")
    )


def requests_sent(*, user: User) -> list[Person]:
    """People `user` asked who have not answered yet."""
    pending = Friendship.objects.filter(
        requester_id=user.pk, addressee_id=OuterRef("pk"), status=Friendship.Status.PENDING
    )
    return _people(
        User.objects.filter(is_active=True)
        .filter(Exists(pending))
        .exclude(Exists(_blocked_either_way(user.pk, "pk")))
        .order_by("first_name", "last_name", "pk")
    )


def blocked_list(*, user: User) -> list[Person]:
    """People `user` blocked (to unblock them)."""
    blocked = FriendBlock.objects.filter(blocker_id=user.pk, blocked_id=OuterRef("pk"))
    return _people(User.objects.filter(Exists(blocked)).order_by("first_name", "last_name", "pk"))


def facebook_matches(*, user: User, uids: Iterable[str]) -> list[Person]:
    """People of this tenant whose Facebook account is among `uids` and whom `user` could ask:
    active, not `user`, no block either way, no friendship or request between them yet."""
    wanted = [uid for uid in uids if uid]
    if not wanted:
        return []
    linked = SocialAccount.objects.filter(
        provider="facebook", uid__in=wanted, user_id=OuterRef("pk")
    )
    related = Friendship.objects.filter(
        Q(requester_id=user.pk, addressee_id=OuterRef("pk"))
        | Q(addressee_id=user.pk, requester_id=OuterRef("pk")),
        status__in=(Friendship.Status.PENDING, Friendship.Status.ACCEPTED),
    )
    return _people(
        User.objects.filter(is_active=True)
        .exclude(pk=user.pk)
        .filter(Exists(linked))
        .exclude(Exists(related))
        .exclude(Exists(_blocked_either_way(user.pk, "pk")))
        .order_by("first_name", "last_name", "pk")
    )


def facebook_matches_by_id(*, user: User, user_ids: Iterable[int]) -> list[Person]:
    """The people a Facebook search found (their ids kept in the session), as they are now:
    each with `requested` True once `user` asked them."""
    ids = [user_id for user_id in user_ids if isinstance(user_id, int)]
    asked = Friendship.objects.filter(
        Q(requester_id=user.pk, addressee_id=OuterRef("pk"))
        | Q(addressee_id=user.pk, requester_id=OuterRef("pk"))
    )
    rows = (
        User.objects.filter(pk__in=ids, is_active=True)
        .exclude(Exists(_blocked_either_way(user.pk, "pk")))
        .annotate(requested=Exists(asked))
        .order_by("first_name", "last_name", "pk")
    )
    return [
        FoundPerson(
            id=row["id"],
            name=person_name(
                display_name=row["volunteer_profile__display_name"],
                first_name=row["first_name"],
                last_name=row["last_name"],
                email=row["email"],
            ),
            requested=row["requested"],
        )
        for row in rows.values(*_NAME_FIELDS, "requested")
    ]


def friendship_between(user_id: int, other_id: int) -> Friendship | None:
    return Friendship.objects.filter(
        Q(requester_id=user_id, addressee_id=other_id)
        | Q(requester_id=other_id, addressee_id=user_id)
    ).first()


def is_blocked_either_way(user_id: int, other_id: int) -> bool:
    return FriendBlock.objects.filter(
        Q(blocker_id=user_id, blocked_id=other_id) | Q(blocker_id=other_id, blocked_id=user_id)
    ).exists()


def invitation_link_current(*, user: User) -> FriendInvitation | None:
    """`user`'s latest link to share that nobody used yet and that has not expired."""
    return (
        FriendInvitation.objects.filter(
            inviter_id=user.pk, email="", used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )


def invitation_by_token(token: str) -> FriendInvitation | None:
    """The invitation of this token in the current tenant's schema (with its inviter)."""
    if not token or len(token) > 64:
        return None
    return FriendInvitation.objects.select_related("inviter").filter(token=token).first()


def participations_visible_to_friends(user_id: int) -> bool:
    """The person's choice (a person without a profile keeps the default: yes)."""
    value = (
        User.objects.filter(pk=user_id)
        .values_list("volunteer_profile__friends_see_participations", flat=True)
        .first()
    )
    return value is not False


# --- "Léa and 2 friends are going" --------------------------------------------------------------


# Written as SQL once: the mission page and the list run it for every signed-in visitor, and
# the ORM took longer to build this statement than PostgreSQL to answer it (docs/benchmarks.md,
# "Throughput"). tests/engagement/friends/test_friends_going.py holds it to the rules below.
_FRIENDS_GOING_SQL = f"""
SELECT DISTINCT s.mission_id, p.volunteer_id, vp.display_name, u.first_name, u.last_name, u.email
FROM {Participation._meta.db_table} p
JOIN {Slot._meta.db_table} s ON s.id = p.slot_id
JOIN {User._meta.db_table} u ON u.id = p.volunteer_id
LEFT JOIN {VolunteerProfile._meta.db_table} vp ON vp.user_id = u.id
WHERE s.mission_id = ANY(%(missions)s)
  AND p.status = ANY(%(statuses)s)
  AND u.is_active
  AND (s.ends_at > %(now)s OR s.ends_at IS NULL)
  AND s.status <> %(cancelled)s
  AND vp.friends_see_participations IS DISTINCT FROM false
  AND EXISTS (
    SELECT 1 FROM {Friendship._meta.db_table} f
    WHERE f.status = %(accepted)s
      AND ((f.requester_id = %(viewer)s AND f.addressee_id = p.volunteer_id)
        OR (f.addressee_id = %(viewer)s AND f.requester_id = p.volunteer_id))
  )
  AND NOT EXISTS (
    SELECT 1 FROM {FriendBlock._meta.db_table} b
    WHERE (b.blocker_id = %(viewer)s AND b.blocked_id = p.volunteer_id)
       OR (b.blocker_id = p.volunteer_id AND b.blocked_id = %(viewer)s)
  )
ORDER BY 1, 4, 2
"""  # noqa: S608 - table names from the models; every value is a parameter


def friends_going(*, viewer: User, mission_ids: Iterable[int]) -> dict[int, list[Person]]:
    """For each mission, the viewer's friends who hold or wait for a seat on one of its slots
    still to come, by name — in ONE query for a whole page of missions.

    Friends only (accepted both ways, active, no block either way), and only those who let
    friends see their participations. Missions nobody goes to are absent from the result.
    """
    ids = [int(mission_id) for mission_id in mission_ids]
    if not ids or not viewer.is_authenticated:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            _FRIENDS_GOING_SQL,
            {
                "missions": ids,
                "statuses": [str(status) for status in GOING_STATUSES],
                "now": timezone.now(),
                "cancelled": str(Slot.Status.CANCELLED),
                "accepted": str(Friendship.Status.ACCEPTED),
                "viewer": viewer.pk,
            },
        )
        rows = cursor.fetchall()
    going: dict[int, list[Person]] = {}
    seen: set[tuple[int, int]] = set()
    for mission_id, user_id, display_name, first_name, last_name, email in rows:
        if (mission_id, user_id) in seen:
            continue
        seen.add((mission_id, user_id))
        going.setdefault(mission_id, []).append(
            Person(
                id=user_id,
                name=person_name(
                    display_name=display_name,
                    first_name=first_name,
                    last_name=last_name,
                    email=email,
                ),
            )
        )
    return going


# --- GDPR export --------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def friends_export(*, user: User) -> dict[str, Any]:
    """What the friends feature holds about `user` (engagement.volunteers.privacy): friendships
    and requests either way, blocks they set, invitations they made, recommendations they sent
    or received and their notifications. Other people appear by the name they show friends."""
    friendships = Friendship.objects.filter(
        Q(requester_id=user.pk) | Q(addressee_id=user.pk)
    ).select_related("requester__volunteer_profile", "addressee__volunteer_profile")
    recommendations = MissionRecommendation.objects.filter(
        Q(sender_id=user.pk) | Q(recipient_id=user.pk)
    ).select_related("sender__volunteer_profile", "recipient__volunteer_profile", "mission")
    return {
        "friendships": [
            {
                "with": person_of(
                    item.addressee if item.requester_id == user.pk else item.requester
                ).name,
                "asked_by_me": item.requester_id == user.pk,
                "status": item.status,
                "created_at": _iso(item.created_at),
                "answered_at": _iso(item.answered_at),
            }
            for item in friendships
        ],
        "blocked_people": [person.name for person in blocked_list(user=user)],
        "friend_invitations": [
            {
                "email": item.email,
                "created_at": _iso(item.created_at),
                "expires_at": _iso(item.expires_at),
                "used": item.used_at is not None,
            }
            for item in FriendInvitation.objects.filter(inviter_id=user.pk)
        ],
        "mission_recommendations": [
            {
                "mission": item.mission.title,
                "from": person_of(item.sender).name,
                "to": person_of(item.recipient).name,
                "created_at": _iso(item.created_at),
            }
            for item in recommendations
        ],
        "notifications": [
            {
                "kind": item.kind,
                "from": person_of(item.actor).name if item.actor is not None else None,
                "mission": item.mission.title if item.mission is not None else None,
                "created_at": _iso(item.created_at),
                "read_at": _iso(item.read_at),
            }
            for item in Notification.objects.filter(recipient_id=user.pk).select_related(
                "actor__volunteer_profile", "mission"
            )
        ],
    }

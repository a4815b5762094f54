"""Reads of group sign-ups: the friends one can bring, the seats held for or by a volunteer."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from engagement.friends.selectors import friend_ids
from engagement.groups.models import SeatHold


def person_name(user: User) -> str:
    """How a volunteer is named to their friends: the display name of their profile, else their
    first name (never their e-mail address beyond its local part)."""
    profile = getattr(user, "volunteer_profile", None)
    if profile is not None and profile.display_name:
        return str(profile.display_name)
    return user.get_short_name()


@dataclass(frozen=True)
class FriendChoice:
    id: int
    name: str


def friend_choices(*, user: User) -> list[FriendChoice]:
    """The user's accepted, unblocked, active friends, by name (two queries)."""
    ids = friend_ids(user.pk)
    if not ids:
        return []
    friends = User.objects.filter(pk__in=ids, is_active=True).select_related("volunteer_profile")
    return sorted(
        (FriendChoice(id=friend.pk, name=person_name(friend)) for friend in friends),
        key=lambda choice: (choice.name.casefold(), choice.id),
    )


def _with_slot(queryset: QuerySet[SeatHold]) -> QuerySet[SeatHold]:
    return queryset.select_related(
        "slot__mission__organization",
        "held_by__volunteer_profile",
        "for_user__volunteer_profile",
    )


def seat_holds_current(*, user: User) -> tuple[list[SeatHold], list[SeatHold]]:
    """Seats still held for the user, and the ones they hold for friends, soonest expiry first
    (for "Mes engagements": one short query when there are none, as for most volunteers; two
    otherwise, the second with each hold's slot, mission and people)."""
    current = SeatHold.objects.filter(
        Q(for_user_id=user.pk) | Q(held_by_id=user.pk),
        status=SeatHold.Status.HELD,
        expires_at__gt=timezone.now(),
    )
    # The full statement joins five tables and takes longer to build than to run.
    if not current.exists():
        return [], []
    holds = _with_slot(current).order_by("expires_at", "id")
    held_for_me: list[SeatHold] = []
    held_by_me: list[SeatHold] = []
    for hold in holds:
        (held_for_me if hold.for_user_id == user.pk else held_by_me).append(hold)
    return held_for_me, held_by_me


def seat_holds_of_user(*, user: User) -> QuerySet[SeatHold]:
    """Every seat held for or by the user, most recent first (the API's list)."""
    return _with_slot(
        SeatHold.objects.filter(for_user_id=user.pk) | SeatHold.objects.filter(held_by_id=user.pk)
    ).order_by("-created_at", "-id")

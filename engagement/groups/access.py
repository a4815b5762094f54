"""Who may see a held seat (only the friend it is held for: anyone else gets the same 404), and
which slots one may sign up for as a group."""

from __future__ import annotations

from django.http import Http404

from accounts.permissions import Viewer, get_or_404, id_or_404, user_is_signed_in
from engagement.groups.models import SeatHold
from engagement.missions.access import mission_get_for_viewer
from engagement.missions.models import Slot


def seat_hold_get_for_friend(*, hold_id: int | str, user: Viewer) -> SeatHold:
    """A seat held for the user (whatever its status: the page tells what became of it)."""
    pk = id_or_404(hold_id)
    if not user_is_signed_in(user):
        raise Http404
    queryset = SeatHold.objects.select_related(
        "slot__mission__organization", "held_by__volunteer_profile"
    ).filter(for_user_id=user.pk)
    return get_or_404(queryset, pk)


def slot_get_for_group_signup(*, slot_id: int | str, user: Viewer) -> Slot:
    """A slot of a mission the user may read (the group service then says if it takes people)."""
    pk = id_or_404(slot_id)
    if not user_is_signed_in(user):
        raise Http404
    slot = get_or_404(Slot.objects.select_related("mission__organization"), pk)
    mission_get_for_viewer(mission_id=slot.mission_id, user=user)
    return slot

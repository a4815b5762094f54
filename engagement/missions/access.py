"""Who may see or edit a mission and its slots (the same 404 for "missing" and "not yours")."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from accounts.permissions import (
    Viewer,
    get_or_404,
    id_or_404,
    user_is_moderator,
    user_is_signed_in,
)
from engagement.missions.models import Mission, Slot
from engagement.organizations.access import ORGANIZER_ROLES, member_of
from engagement.participations.models import Participation

# --- Missions -----------------------------------------------------------------------------------


def mission_get_for_viewer(*, mission_id: int | str, user: Viewer) -> Mission:
    """A mission anyone may read: published ones; any status for its organization's members and
    for moderators; and one a volunteer has a participation in (closed or cancelled since)."""
    pk = id_or_404(mission_id)
    queryset = Mission.objects.select_related("organization")
    if user_is_moderator(user):
        return get_or_404(queryset, pk)
    visible = Q(status=Mission.Status.PUBLISHED)
    if user_is_signed_in(user):
        # Most missions read are published: visible to everyone, found by their key alone.
        # Only a mission that is not is read again with the viewer's ties to it.
        published = queryset.filter(visible, pk=pk).first()
        if published is not None:
            return published
        queryset = queryset.annotate(
            viewer_is_member=member_of(user, ORGANIZER_ROLES, "organization_id"),
            viewer_participated=Exists(
                Participation.objects.filter(slot__mission_id=OuterRef("pk"), volunteer_id=user.pk)
            ),
        )
        visible |= Q(viewer_is_member=True) | Q(
            viewer_participated=True,
            status__in=[Mission.Status.CLOSED, Mission.Status.CANCELLED],
        )
    return get_or_404(queryset.filter(visible), pk)


def mission_get_for_editor(*, mission_id: int | str, user: Viewer) -> Mission:
    """A mission the user may edit: they are an admin or editor of its organization."""
    pk = id_or_404(mission_id)
    if not user_is_signed_in(user):
        raise Http404
    queryset = Mission.objects.select_related("organization").filter(
        member_of(user, ORGANIZER_ROLES, "organization_id")
    )
    return get_or_404(queryset, pk)


# --- Slots and participations -------------------------------------------------------------------


def slot_get_for_editor(*, slot_id: int | str, user: Viewer) -> Slot:
    """A slot of a mission the user may edit."""
    pk = id_or_404(slot_id)
    if not user_is_signed_in(user):
        raise Http404
    queryset = Slot.objects.select_related("mission__organization").filter(
        member_of(user, ORGANIZER_ROLES, "mission__organization_id")
    )
    return get_or_404(queryset, pk)


def mission_get_published(*, mission_id: int | str) -> Mission:
    """A published mission, whoever asks: what link previews and short links may show (the same
    for everyone, so it may be cached publicly)."""
    queryset = Mission.objects.select_related("organization").filter(
        status=Mission.Status.PUBLISHED
    )
    return get_or_404(queryset, id_or_404(mission_id))

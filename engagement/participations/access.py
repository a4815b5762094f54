"""Who may see or act on a participation: the volunteer, or the organizers of its mission."""

from __future__ import annotations

from django.http import Http404

from accounts.permissions import Viewer, get_or_404, id_or_404, user_is_signed_in
from engagement.organizations.access import ORGANIZER_ROLES, member_of
from engagement.participations.models import Participation


def participation_get_for_volunteer(*, participation_id: int | str, user: Viewer) -> Participation:
    """The user's own participation."""
    pk = id_or_404(participation_id)
    if not user_is_signed_in(user):
        raise Http404
    queryset = Participation.objects.select_related("slot__mission__organization").filter(
        volunteer_id=user.pk
    )
    return get_or_404(queryset, pk)


def participation_get_for_organizer(*, participation_id: int | str, user: Viewer) -> Participation:
    """A participation on a mission of an organization the user administers or edits for."""
    pk = id_or_404(participation_id)
    if not user_is_signed_in(user):
        raise Http404
    queryset = Participation.objects.select_related(
        "slot__mission__organization", "volunteer"
    ).filter(member_of(user, ORGANIZER_ROLES, "slot__mission__organization_id"))
    return get_or_404(queryset, pk)

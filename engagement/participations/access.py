"""Who may see or act on a participation: the volunteer, or the organizers of its mission."""

from __future__ import annotations

from django.http import Http404

from accounts.permissions import Viewer, get_or_404, id_or_404, user_is_signed_in
from engagement.missions.models import Mission, Slot
from engagement.organizations.access import ORGANIZER_ROLES, member_of
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.rows import Columns, fetch_all, joined

# participation_get_for_volunteer's statement, written once (engagement/rows.py): each
# cancellation reads the participation this way, and the ORM's compile of the select_related
# query cost ~1 ms of CPU.
_OWN = (
    Columns.of(Participation, "p"),
    Columns.of(Slot, "s"),
    Columns.of(Mission, "m"),
    Columns.of(Organization, "o"),
)
_OWN_SQL = (
    f"SELECT {', '.join(part.sql for part in _OWN)} "  # noqa: S608 - names from the models
    f"FROM {_OWN[0].table} JOIN {_OWN[1].table} ON s.id = p.slot_id "
    f"JOIN {_OWN[2].table} ON m.id = s.mission_id "
    f"JOIN {_OWN[3].table} ON o.id = m.organization_id "
    "WHERE p.id = %s AND p.volunteer_id = %s"
)


def participation_get_for_volunteer(*, participation_id: int | str, user: Viewer) -> Participation:
    """The user's own participation, its slot, mission and organization joined (else 404)."""
    pk = id_or_404(participation_id)
    if not user_is_signed_in(user):
        raise Http404
    rows = fetch_all(_OWN_SQL, [pk, user.pk])
    if not rows:
        raise Http404
    participation: Participation = joined(rows[0], *_OWN)
    return participation


def participation_get_for_organizer(*, participation_id: int | str, user: Viewer) -> Participation:
    """A participation on a mission of an organization the user administers or edits for."""
    pk = id_or_404(participation_id)
    if not user_is_signed_in(user):
        raise Http404
    queryset = Participation.objects.select_related(
        "slot__mission__organization", "volunteer"
    ).filter(member_of(user, ORGANIZER_ROLES, "slot__mission__organization_id"))
    return get_or_404(queryset, pk)

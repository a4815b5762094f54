"""Who may see a team, a site: every signed-in person of the tenant sees every team's page
(a company's teams are no secret among its employees); admins manage them. Anything else, and
an id of another tenant, is the same 404."""

from __future__ import annotations

from django.http import Http404

from accounts.permissions import (
    Viewer,
    get_or_404,
    id_or_404,
    user_is_signed_in,
    user_is_tenant_admin,
)
from engagement.programmes.models import Site, Team


def team_get_for_member(*, team_id: int | str, user: Viewer) -> Team:
    pk = id_or_404(team_id)
    if not user_is_signed_in(user):
        raise Http404
    return get_or_404(Team.objects.select_related("site"), pk)


def team_get_for_admin(*, team_id: int | str, user: Viewer) -> Team:
    pk = id_or_404(team_id)
    if not user_is_tenant_admin(user):
        raise Http404
    return get_or_404(Team.objects.select_related("site"), pk)


def site_get_for_admin(*, site_id: int | str, user: Viewer) -> Site:
    pk = id_or_404(site_id)
    if not user_is_tenant_admin(user):
        raise Http404
    return get_or_404(Site.objects.all(), pk)

"""The mission a visitor is joining, for the sign-in and sign-up pages that "Je participe" leads
to (engagement.participations.views.mission_participate sends them there with `next` set to
the mission's participate page).

`next` comes from the address bar, so nothing in it is trusted: it must be a path of this host
that resolves to the participate page of a mission this tenant has and the visitor may see
(engagement.missions.access); anything else names no mission and the page shows nothing extra.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import template
from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

from engagement.missions.access import mission_get_for_viewer
from engagement.missions.models import Mission

register = template.Library()

JOIN_ROUTE = "mission-participate"
NEXT_MAX_LENGTH = 200


def _next_of(request: Any) -> str:
    value = request.POST.get("next") if request.method == "POST" else None
    return str(value or request.GET.get("next") or "")


@register.simple_tag(takes_context=True)
def joining_mission(context: template.Context) -> Mission | None:
    """The mission whose participate page `next` points to, or None."""
    request = context.get("request")
    if request is None:
        return None
    next_url = _next_of(request)
    if not next_url or len(next_url) > NEXT_MAX_LENGTH:
        return None
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return None
    parts = urlsplit(next_url)
    if parts.netloc and parts.netloc != request.get_host():
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.url_name != JOIN_ROUTE:
        return None
    try:
        return mission_get_for_viewer(mission_id=match.kwargs["mission_id"], user=request.user)
    except Http404:
        return None

"""The back office's shell for any template that extends backoffice/base.html.

A template tag rather than view context, so that pages of lower layers (the SSO settings in
accounts, the subscription page in billing) wear the same shell without importing engagement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template

from engagement.backoffice.access import backoffice_role
from engagement.backoffice.navigation import NavLink, navigation_for

register = template.Library()


@register.simple_tag(takes_context=True)
def backoffice_navigation(context: dict[str, Any]) -> Sequence[NavLink]:
    """The left navigation the viewer's role may see (empty for anyone else)."""
    request = context.get("request")
    if request is None:
        return []
    role = backoffice_role(request.user)
    if role is None:
        return []
    is_company = getattr(getattr(request, "tenant", None), "kind", None) == "company"
    return navigation_for(role, path=request.path, is_company=is_company)

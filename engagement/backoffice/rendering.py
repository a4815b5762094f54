"""One way to render a back-office page: the template gets the viewer's role (the navigation
comes from the `backoffice` template tags, see engagement/templatetags/backoffice.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from engagement.backoffice.access import backoffice_role


def backoffice_render(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """Render `template` (which extends backoffice/base.html) for a `backoffice_page` view."""
    role = backoffice_role(request.user)
    assert role is not None, "backoffice_render is for views guarded by backoffice_page"
    page_context = {
        "role": role,
        **(context or {}),
    }
    return render(request, template, page_context, status=status)

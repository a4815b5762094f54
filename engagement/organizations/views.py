"""Public pages of organizations on a tenant host (their logo)."""

from __future__ import annotations

import logging

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from engagement.organizations.access import organization_get_for_viewer

logger = logging.getLogger(__name__)


@require_GET
def organization_logo(request: HttpRequest, organization_id: int) -> HttpResponse:
    """The organization's logo (a PNG we wrote, engagement.images): public for verified
    organizations, else for their members and the moderators. The URL carries the file's
    version (Organization.logo_url), so it may be cached for long, privately unless public."""
    organization = organization_get_for_viewer(organization_id=organization_id, user=request.user)
    if not organization.logo:
        raise Http404
    try:
        file = organization.logo.open("rb")
    except OSError:  # gone, unreadable, or a directory where the file should be
        raise Http404 from None
    response = FileResponse(file, content_type="image/png")
    visibility = "public" if organization.is_verified else "private"
    response["Cache-Control"] = f"{visibility}, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response

"""Public pages of organizations on a tenant host: the organization's page and its logo."""

from __future__ import annotations

import logging
from io import BytesIO

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from engagement.missions.selectors import mission_list_upcoming_for_organization
from engagement.organizations.access import (
    organization_get_for_public_page,
    organization_get_for_viewer,
)
from tenants.storage import StoredFileMissing, public_url, stored_file_read

logger = logging.getLogger(__name__)


@require_GET
def organization_logo(request: HttpRequest, organization_id: int) -> HttpResponseBase:
    """The organization's logo (a PNG we wrote, engagement.images): public for verified
    organizations, else for their members and the moderators. The URL carries the file's
    version (Organization.logo_url), so it may be cached for long, privately unless public."""
    organization = organization_get_for_viewer(organization_id=organization_id, user=request.user)
    if not organization.logo:
        raise Http404
    # Verified organizations' logos are public: a CDN in front of the bucket may serve them.
    cdn_url = public_url(organization.logo) if organization.is_verified else None
    if cdn_url:
        return HttpResponseRedirect(cdn_url)
    try:
        data = stored_file_read(organization.logo)
    except StoredFileMissing:  # gone, unreadable, or a directory where the file should be
        raise Http404 from None
    response = FileResponse(BytesIO(data), content_type="image/png")
    visibility = "public" if organization.is_verified else "private"
    response["Cache-Control"] = f"{visibility}, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def organization_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """/organisations/<slug>/: name, logo, description, verified badge and upcoming missions
    (organization_get_for_public_page says who sees it). /organisations/<id>/, the address an
    id gives, redirects to it (a slug made only of digits is looked up as a slug first)."""
    try:
        organization = organization_get_for_public_page(slug=slug, user=request.user)
    except Http404:
        if not slug.isdigit():
            raise
        organization = organization_get_for_public_page(organization_id=slug, user=request.user)
        return redirect("organization-detail", slug=organization.slug, permanent=True)
    page_url = request.build_absolute_uri(reverse("organization-detail", args=[organization.slug]))
    return render(
        request,
        "organizations/public_page.html",
        {
            "organization": organization,
            "missions": mission_list_upcoming_for_organization(organization=organization),
            "page_url": page_url,
        },
    )

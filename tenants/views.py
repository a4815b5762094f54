"""The tenant's robots.txt and branding assets (the public host's pages are in website/)."""

import mimetypes
from io import BytesIO

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from tenants.branding import branding_version
from tenants.middleware import TenantRequest
from tenants.storage import StoredFileMissing, public_url, stored_file_read

RASTER_CONTENT_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
LOGO_CONTENT_TYPES = RASTER_CONTENT_TYPES | {"image/svg+xml"}
# Files users upload: nothing runs, nothing loads, even when opened directly on the tenant's origin.
UPLOADED_FILE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


# A private instance (tenants.private_access) is closed to crawlers as it is to visitors; a
# public one keeps them out of the areas that are for signed-in people only.
ROBOTS_PRIVATE = "User-agent: *\nDisallow: /\n"
ROBOTS_PUBLIC = (
    "User-agent: *\nDisallow: /accounts/\nDisallow: /gestion/\nDisallow: /organisation/\n"
    "Disallow: /admin/\nDisallow: /api/\n"
)


@require_GET
@cache_control(public=True, max_age=3600)
def robots_txt(request: TenantRequest) -> HttpResponse:
    body = ROBOTS_PRIVATE if request.tenant.is_private else ROBOTS_PUBLIC
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


LOGO_SECONDS = 3600
LOGO_VERSIONED_SECONDS = 365 * 24 * 3600


@require_GET
def tenant_logo(request: TenantRequest) -> HttpResponseBase:
    response = _logo_response(request)
    if request.GET.get("v") == str(branding_version(request.tenant)):
        # The pages name the logo with the tenant's version: the bytes behind that URL never
        # change (a new logo comes with a new version), so browsers keep it like a hashed static
        # file instead of asking again every hour.
        patch_cache_control(response, public=True, max_age=LOGO_VERSIONED_SECONDS, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=LOGO_SECONDS)
    return response


def _logo_response(request: TenantRequest) -> HttpResponseBase:
    logo = request.tenant.logo
    if not logo:
        raise Http404
    cdn_url = public_url(logo)
    if cdn_url:
        return HttpResponseRedirect(cdn_url)
    content_type = mimetypes.guess_type(logo.name)[0] or ""
    # Whatever was uploaded, it is shown as an image and never runs on the tenant's origin: an SVG
    # can carry scripts (harmless inside <img>, not when the file is opened directly), so the
    # response forbids scripts and sandboxes the document, and anything that is not a known image
    # type is a download.
    if content_type not in LOGO_CONTENT_TYPES:
        content_type = "application/octet-stream"
    try:
        data = stored_file_read(logo)
    except StoredFileMissing:  # the stored name names a file that is gone or unreadable
        raise Http404 from None
    response = FileResponse(BytesIO(data), content_type=content_type)
    response["Content-Security-Policy"] = UPLOADED_FILE_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    disposition = "inline" if content_type in RASTER_CONTENT_TYPES else "attachment"
    extension = mimetypes.guess_extension(content_type) or ".bin"
    response["Content-Disposition"] = f'{disposition}; filename="logo{extension}"'
    return response


@require_GET
@cache_control(public=True, max_age=3600)
def tenant_social_image(request: TenantRequest) -> HttpResponseBase:
    """The picture link previews show (<meta property="og:image">): a JPEG that
    tenants.settings_services wrote, never the uploaded bytes."""
    picture = request.tenant.social_image
    if not picture:
        raise Http404
    cdn_url = public_url(picture)
    if cdn_url:
        return HttpResponseRedirect(cdn_url)
    try:
        data = stored_file_read(picture)
    except StoredFileMissing:
        raise Http404 from None
    response = FileResponse(BytesIO(data), content_type="image/jpeg")
    response["Content-Security-Policy"] = UPLOADED_FILE_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = 'inline; filename="social-image.jpg"'
    return response

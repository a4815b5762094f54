"""Pages of the public host and the tenant's branding assets."""

import mimetypes

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from tenants.selectors import tenant_list_public


@require_GET
def public_home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/public_home.html", {"tenants": tenant_list_public()})


@require_GET
@cache_control(public=True, max_age=3600)
def tenant_logo(request: HttpRequest) -> HttpResponse:
    logo = request.tenant.logo
    if not logo:
        raise Http404
    content_type = mimetypes.guess_type(logo.name)[0] or "application/octet-stream"
    try:
        file = logo.open("rb")
    except OSError:  # the stored path names a file that is gone or unreadable
        raise Http404 from None
    return FileResponse(file, content_type=content_type)

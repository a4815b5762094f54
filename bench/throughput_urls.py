"""The tenant URLconf of the throughput bench: production's, plus the bare view (bench only)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config import urls_tenant


def bare(request: HttpRequest) -> HttpResponse:
    """No query, no template: what the middleware stack alone costs."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *urls_tenant.urlpatterns]

handler400 = urls_tenant.handler400
handler403 = urls_tenant.handler403
handler404 = urls_tenant.handler404
handler500 = urls_tenant.handler500

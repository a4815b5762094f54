"""The tenant URLconf plus views that fail or log, for the error-reporting and logging tests."""

import logging

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from config.urls_tenant import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls_tenant import urlpatterns as tenant_urlpatterns

logger = logging.getLogger("entraide.tests")

# What each status' view raises.
FAILURES: dict[int, type[Exception]] = {
    400: SuspiciousOperation,
    403: PermissionDenied,
    404: Http404,
    500: RuntimeError,
}


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom in a tenant view")


def fail(request: HttpRequest, status: int) -> HttpResponse:
    raise FAILURES[status]("failure raised by a test view")


@api_view(["GET", "POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def api_fail(request: Request, status: int) -> HttpResponse:
    raise FAILURES[status]("failure raised by a test API view")


def plain_post(request: HttpRequest) -> HttpResponse:
    """A plain Django view (not DRF) under /api/: CSRF is Django's middleware's to check."""
    return HttpResponse("ok")


def log_event(request: HttpRequest) -> HttpResponse:
    # As a view that acts for the signed-in user does: the user is loaded.
    is_authenticated = request.user.is_authenticated
    logger.warning("test.event", extra={"mission_id": 42, "is_authenticated": is_authenticated})
    return HttpResponse("logged")


urlpatterns = [
    path("boom/", boom),
    path("fail/<int:status>/", fail),
    path("api/v1/fail/<int:status>/", api_fail),
    path("api/v1/plain-post/", plain_post),
    path("log-event/", log_event),
    *tenant_urlpatterns,
]

"""The public URLconf plus a view that fails with a chosen status, for the error page tests."""

from django.urls import path

from config.urls_public import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls_public import urlpatterns as public_urlpatterns
from tests.config.urls_boom import api_fail, fail

urlpatterns = [
    path("fail/<int:status>/", fail),
    path("api/platform/v1/fail/<int:status>/", api_fail),
    *public_urlpatterns,
]

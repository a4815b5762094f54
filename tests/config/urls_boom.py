"""The tenant URLconf plus a view that fails, for the error-reporting tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls_tenant import urlpatterns as tenant_urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom in a tenant view")


urlpatterns = [path("boom/", boom), *tenant_urlpatterns]

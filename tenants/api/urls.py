"""Platform API, mounted at /api/platform/v1/ by the public URLconf only."""

from django.urls import path

from tenants.api.views import (
    DeprovisionJobDetailApi,
    TenantCreateApi,
    TenantDeprovisionApi,
    TenantDetailApi,
    TenantListApi,
    by_method,
)

app_name = "platform_api"

urlpatterns = [
    path(
        "tenants/",
        by_method(get=TenantListApi.as_view(), post=TenantCreateApi.as_view()),
        name="tenants",
    ),
    path("tenants/<slug:slug>/", TenantDetailApi.as_view(), name="tenant"),
    path(
        "tenants/<slug:slug>/deprovision/",
        TenantDeprovisionApi.as_view(),
        name="tenant-deprovision",
    ),
    path(
        "deprovision-jobs/<int:job_id>/",
        DeprovisionJobDetailApi.as_view(),
        name="deprovision-job",
    ),
]

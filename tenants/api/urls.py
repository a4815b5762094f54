"""Platform API, mounted at /api/platform/v1/ by the public URLconf only."""

from django.urls import path

from tenants.api.views import (
    ArchiveListApi,
    ArchiveRestoreApi,
    AuditListApi,
    DeprovisionJobDetailApi,
    RestoreJobDetailApi,
    TenantCreateApi,
    TenantDeprovisionApi,
    TenantDetailApi,
    TenantListApi,
    TenantReactivateApi,
    TenantSuspendApi,
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
    # The same operation under the console's word for it.
    path("tenants/<slug:slug>/archive/", TenantDeprovisionApi.as_view(), name="tenant-archive"),
    path("tenants/<slug:slug>/suspend/", TenantSuspendApi.as_view(), name="tenant-suspend"),
    path(
        "tenants/<slug:slug>/reactivate/", TenantReactivateApi.as_view(), name="tenant-reactivate"
    ),
    path("archives/", ArchiveListApi.as_view(), name="archives"),
    path("archives/<int:archive_id>/restore/", ArchiveRestoreApi.as_view(), name="archive-restore"),
    path("restore-jobs/<int:job_id>/", RestoreJobDetailApi.as_view(), name="restore-job"),
    path("audit/", AuditListApi.as_view(), name="audit"),
    path(
        "deprovision-jobs/<int:job_id>/",
        DeprovisionJobDetailApi.as_view(),
        name="deprovision-job",
    ),
]

"""console URLs on the public host (`/console/…`). Django admin keeps the rest of /console/
(sign-in, billing records, domains: tenants/admin.py), behind the same second factor."""

from django.urls import path

from console import views

app_name = "console"

urlpatterns = [
    path("console/", views.tenant_list, name="tenants"),
    path("console/tenant/<slug:slug>/", views.tenant_detail, name="tenant"),
    path("console/tenant/<slug:slug>/suspend/", views.tenant_suspend_view, name="tenant-suspend"),
    path(
        "console/tenant/<slug:slug>/reactivate/",
        views.tenant_reactivate_view,
        name="tenant-reactivate",
    ),
    path("console/tenant/<slug:slug>/archive/", views.tenant_archive_view, name="tenant-archive"),
    path(
        "console/tenant/<slug:slug>/usage/",
        views.tenant_usage_refresh_view,
        name="tenant-usage-refresh",
    ),
    path("console/archives/", views.archive_list, name="archives"),
    path(
        "console/archives/<int:archive_id>/restore/", views.archive_restore, name="archive-restore"
    ),
    path("console/jobs/archive/<int:job_id>/", views.archive_job, name="archive-job"),
    path("console/jobs/restore/<int:job_id>/", views.restore_job, name="restore-job"),
    path("console/audit/", views.audit_list, name="audit"),
    path("console/mfa/enrol/", views.mfa_enrol, name="mfa-enrol"),
    path("console/mfa/verify/", views.mfa_verify, name="mfa-verify"),
]

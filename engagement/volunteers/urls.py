"""A volunteer's data under the GDPR, on tenant hosts under /accounts/ (config/urls_tenant.py)."""

from django.urls import path

from engagement.volunteers import api, views

app_name = "volunteers"

urlpatterns = [
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/export/", views.data_export, name="data-export"),
    path("privacy/delete/", views.account_delete, name="account-delete"),
    path("api/me/export/", api.MeExportApi.as_view(), name="api-me-export"),
]

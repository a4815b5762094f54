"""Resident and organization pages on a tenant host."""

from django.urls import path

from tenants import views as tenant_views

urlpatterns = [
    path("", tenant_views.tenant_home, name="home"),
]

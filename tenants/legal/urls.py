"""The legal pages on every tenant host (config/urls_tenant.py), under their French paths."""

from django.urls import path

from tenants.legal import views
from tenants.legal.models import PAGE_SLUGS, LegalDocument

app_name = "legal"

urlpatterns = [
    path(f"{PAGE_SLUGS[kind]}/", views.legal_page, {"kind": kind}, name=kind)
    for kind in LegalDocument.Kind.values
] + [
    path("conditions/accepter/", views.terms_accept_page, name="terms-accept"),
]

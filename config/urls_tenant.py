"""URLs served on a tenant's host (its own schema)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tenants import views as tenant_views

# Swagger UI without inline script (its set-up script is served by the same view, ?script), its
# files from our static files (drf-spectacular-sidecar, pinned): the page loads nothing from
# another origin, so the default Content-Security-Policy serves it as it is.
api_docs = SpectacularSwaggerSplitView.as_view(url_name="api-schema")

urlpatterns = [
    path("robots.txt", tenant_views.robots_txt, name="robots-txt"),
    path("branding/logo", tenant_views.tenant_logo, name="tenant-logo"),
    path("branding/social-image", tenant_views.tenant_social_image, name="tenant-social-image"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The hand-off from the sign-up's progress page (signup/urls_tenant.py).
    path("", include("signup.urls_tenant")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("engagement.volunteers.urls")),
    path("accounts/", include("allauth.urls")),
    path("billing/", include("billing.urls")),
    path("api/v1/", include("engagement.urls_api")),
    # The company directory (SCIM 2.0, bearer token): engagement/directory.
    path("scim/v2/", include("engagement.directory.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("", include("tenants.legal.urls")),
    path("", include("engagement.urls")),
]

# Error pages in the answering host's look and language, without the database; JSON under /api/.
handler400 = "tenants.error_pages.bad_request"
handler403 = "tenants.error_pages.permission_denied"
handler404 = "tenants.error_pages.page_not_found"
handler500 = "tenants.error_pages.server_error"

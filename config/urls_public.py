"""URLs served on BASE_DOMAIN (public schema): product site, console, platform API, webhooks."""

from django.urls import include, path

from tenants.admin import platform_admin_site
from website import views as website_views

urlpatterns = [
    # The product site's home keeps its historical name too (`{% url 'public_home' %}`).
    path("", website_views.home, name="public_home"),
    path("", include("website.urls")),
    path("", include("signup.urls")),
    path("", include("console.urls")),
    path("console/", platform_admin_site.urls),
    path("billing/", include("billing.urls_public")),
    path("api/platform/v1/", include("tenants.api.urls")),
]

# Error pages in the answering host's look and language, without the database; JSON under /api/.
handler400 = "tenants.error_pages.bad_request"
handler403 = "tenants.error_pages.permission_denied"
handler404 = "tenants.error_pages.page_not_found"
handler500 = "tenants.error_pages.server_error"

"""The product site on the public host (config/urls_public.py includes it at the root)."""

from django.urls import path

from website import views

app_name = "website"

urlpatterns = [
    path("", views.home, name="home"),
    path("pricing/", views.pricing, name="pricing"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
]

"""The back office, under /gestion/ on tenant hosts (engagement/urls.py)."""

from django.urls import path

from engagement.backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("", views.home, name="home"),
]

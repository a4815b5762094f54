"""console URLs on the public host."""

from django.urls import path  # noqa: F401

app_name = "console"

urlpatterns: list = []

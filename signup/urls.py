"""signup URLs on the public host."""

from django.urls import path  # noqa: F401

app_name = "signup"

urlpatterns: list = []

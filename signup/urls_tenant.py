"""signup URLs on a tenant's host (config/urls_tenant.py includes this at "")."""

from django.urls import path

from signup import views_tenant

urlpatterns = [
    path("accounts/bienvenue/<str:token>/", views_tenant.signup_handoff, name="signup-handoff"),
]

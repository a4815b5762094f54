"""signup URLs on the public host (full paths: config/urls_public.py includes this at "")."""

from django.urls import path

from signup import views

app_name = "signup"

urlpatterns = [
    path("signup/", views.signup_form, name="form"),
    path("signup/slug-check/", views.slug_check, name="slug-check"),
    path("signup/sent/", views.signup_sent, name="sent"),
    path("signup/verify/<str:token>/", views.signup_verify, name="verify"),
    path("signup/<uuid:public_id>/checkout/", views.signup_checkout, name="checkout"),
    path("signup/<uuid:public_id>/progress/", views.signup_progress, name="progress"),
    path("signup/<uuid:public_id>/go/", views.signup_go, name="go"),
]

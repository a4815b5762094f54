"""Billing on the public host (/billing/): Stripe's webhook."""

from django.urls import path

from billing import views

app_name = "billing_public"

urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
]

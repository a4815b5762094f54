"""Billing on a tenant host (/billing/): the admin's page, checkout, return, customer portal."""

from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("", views.billing_page, name="page"),
    path("checkout/", views.checkout, name="checkout"),
    path("return/", views.checkout_return, name="return"),
    path("portal/", views.portal, name="portal"),
]

"""TOTP devices belong to platform staff (public schema only): the tenant hosts' admin site,
which django-otp registers them on, must never show them (the table does not exist there)."""

from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)

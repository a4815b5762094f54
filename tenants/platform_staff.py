"""Platform staff: active staff superusers of the public schema, and their second factor (a
confirmed TOTP device of django-otp, passed in this session). The console (console/) and the
platform admin site (tenants/admin.py) both require it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.platform_audit import Action, audit_record


def is_platform_staff(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.is_superuser
    )


def verified_device(request: HttpRequest) -> TOTPDevice | None:
    """The confirmed device this session passed, if it belongs to the signed-in user (one
    query per request; none without a device in the session)."""
    if hasattr(request, "_platform_otp_device"):
        cached: TOTPDevice | None = request._platform_otp_device
        return cached
    device = _verified_device(request)
    request._platform_otp_device = device  # type: ignore[attr-defined]
    return device


def _verified_device(request: HttpRequest) -> TOTPDevice | None:
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    user = request.user
    if not persistent_id or not user.is_authenticated:
        return None
    prefix = f"{TOTPDevice.model_label()}/"
    if not str(persistent_id).startswith(prefix):
        return None
    try:
        device_id = int(str(persistent_id)[len(prefix) :])
    except ValueError:
        return None
    return TOTPDevice.objects.filter(pk=device_id, user_id=user.pk, confirmed=True).first()


def is_console_verified(request: HttpRequest) -> bool:
    return is_platform_staff(request.user) and verified_device(request) is not None


def confirmed_device(user: Any) -> TOTPDevice | None:
    """The staff member's confirmed TOTP device, if any."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def pending_device(user: Any, *, create: bool = True) -> TOTPDevice | None:
    """The device being enrolled (created on first use unless `create` is off), confirmed by a
    first good code."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).first()
    if device is None and create:
        device = TOTPDevice.objects.create(user=user, name="console", confirmed=False)
    return device


def pending_device_confirm(*, user: Any, device: TOTPDevice, token: str, source: str) -> bool:
    """Confirm the device being enrolled with a first good code, and audit it; False (nothing
    written) when the code is wrong."""
    if not device.verify_token(token.strip()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=user, action=Action.MFA_ENROL, source=source)
    return True

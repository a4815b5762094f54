"""Platform staff for the console: a password, a TOTP device, a session past both factors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

PASSWORD = "console-pass-Word-9"


def device_code(device: TOTPDevice, *, offset: int = 0) -> str:
    """What the staff member's authenticator app shows now (the device's own algorithm)."""
    import time

    remaining = 30 - time.time() % 30
    if remaining < 2:
        time.sleep(remaining + 0.05)
    return f"{totp(device.bin_key, step=30, t0=0, digits=6, drift=offset):06d}"


def make_staff(email: str = "ops@entraide.test", *, superuser: bool = True) -> User:
    connection.set_schema_to_public()
    return User.objects.create_user(
        email=email, password=PASSWORD, is_staff=True, is_superuser=superuser
    )


def give_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="console", confirmed=True)


def public_client() -> Client:
    return Client(HTTP_HOST=settings.BASE_DOMAIN, HTTP_ACCEPT_LANGUAGE="en")


def verified_client(user: User, device: TOTPDevice | None = None) -> Client:
    """A console session past the password and the second factor."""
    device = (
        device or TOTPDevice.objects.filter(user=user, confirmed=True).first() or give_device(user)
    )
    client = public_client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def staff(db) -> User:  # type: ignore[no-untyped-def]
    return make_staff()


@pytest.fixture
def console(staff) -> Client:  # type: ignore[no-untyped-def]
    return verified_client(staff)


@pytest.fixture
def console_for() -> Callable[[User], Client]:
    return verified_client

"""`manage.py signup_retry`: the failed sign-ups listed, one scheduled again, bad input refused."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from signup.models import SignupRequest

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("signup_retry", *args, stdout=out)
    return out.getvalue()


def test_lists_failed_sign_ups_and_schedules_one_again(
    signup_verified: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    assert _run() == "No failed sign-up.\n"
    _client, signup = signup_verified()
    SignupRequest.objects.filter(pk=signup.pk).update(
        status=SignupRequest.Status.FAILED, stripe_subscription_id="sub_x", error="the cause"
    )
    listing = _run()
    assert str(signup.public_id) in listing and "the cause" in listing

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        output = _run(str(signup.public_id))
    assert "scheduled again" in output
    signup.refresh_from_db()
    assert signup.status == SignupRequest.Status.PAID
    assert callbacks  # the provisioning task, sent once the transaction commits


def test_refuses_what_cannot_be_retried(signup_verified: Callable[..., Any]) -> None:
    with pytest.raises(CommandError, match="not a sign-up id"):
        _run("nope")
    with pytest.raises(CommandError, match="No sign-up"):
        _run(str(uuid.uuid4()))
    _client, signup = signup_verified()
    with pytest.raises(CommandError, match="nothing to retry"):
        _run(str(signup.public_id))
    signup.refresh_from_db()
    assert signup.status == SignupRequest.Status.VERIFIED


def test_staff_see_sign_ups_in_the_console_and_provision_failed_ones_again(
    signup_verified: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    from tests.console.conftest import give_device, make_staff, verified_client

    staff = make_staff()
    console = verified_client(staff, give_device(staff))
    _client, signup = signup_verified()
    SignupRequest.objects.filter(pk=signup.pk).update(
        status=SignupRequest.Status.FAILED, stripe_subscription_id="sub_x", error="the cause"
    )
    listing = console.get("/console/signup/signuprequest/")
    assert listing.status_code == 200
    assert "testville" in listing.content.decode()

    with django_capture_on_commit_callbacks(execute=False):
        response = console.post(
            "/console/signup/signuprequest/",
            {"action": "provision_again", "_selected_action": [signup.pk]},
        )
    assert response.status_code == 302
    signup.refresh_from_db()
    assert signup.status == SignupRequest.Status.PAID

"""Sign-up test helpers: the fake Stripe (devtools/fake_stripe.py) and a sign-up walked up to
the checkout, through the real form and the real verification e-mail over SMTP."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.billing.conftest import _fake_stripe_server, deliver, stripe_fake  # noqa: F401
from tests.cache import cache_clear_own

LINK = re.compile(r"https?://\S+/signup/verify/\S+/")


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "city",
        "name": "Ville de Testville",
        "slug": "testville",
        "country": "FR",
        "language": "fr",
        "email": "maire@testville.example",
        "terms": "on",
        "plan": "",
        "interval": "",
        "website": "",
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache_clear_own()


@pytest.fixture
def public_client(client_for: Callable[..., Client]) -> Client:
    return client_for(None)


@pytest.fixture
def signup_verified(
    public_client: Client, smtp_inbox: Any, django_capture_on_commit_callbacks: Any
) -> Callable[..., tuple[Client, Any]]:
    """Fill in the form, open the e-mailed link: (the browser's client, the SignupRequest)."""
    from signup.models import SignupRequest

    def run(**overrides: Any) -> tuple[Client, Any]:
        data = form_data(**overrides)
        with django_capture_on_commit_callbacks(execute=True):
            response = public_client.post("/signup/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        [email] = smtp_inbox.to(data["email"])
        link = LINK.search(email.text)
        assert link is not None, email.text
        path = "/" + link.group(0).split("/", 3)[3]
        response = public_client.get(path)
        assert response.status_code == 302, response.content.decode()[:2000]
        signup = SignupRequest.objects.get(slug=data["slug"])
        assert response["Location"] == f"/signup/{signup.public_id}/checkout/"
        return public_client, signup

    return run


@pytest.fixture
def signup_paid(
    signup_verified: Callable[..., tuple[Client, Any]],
    stripe_fake: Any,  # noqa: F811
    deliver: Callable[..., Any],  # noqa: F811
) -> Callable[..., tuple[Client, Any, bytes]]:
    """…then Checkout: the session created, paid on "Stripe", the webhook delivered (tasks are
    eager in tests: provisioning runs then). Returns (client, signup, the event's payload)."""

    def run(**overrides: Any) -> tuple[Client, Any, bytes]:
        client, signup = signup_verified(**overrides)
        response = client.get(f"/signup/{signup.public_id}/checkout/")
        assert response.status_code == 302, response.content.decode()[:2000]
        session_id = response["Location"].rsplit("/", 1)[1]
        assert response["Location"] == f"{stripe_fake.base_url}/c/pay/{session_id}"
        stripe_fake.checkout_complete(session_id)
        payload = stripe_fake.event("checkout.session.completed", stripe_fake.sessions[session_id])
        response = deliver(stripe_fake, payload)
        assert response.status_code == 200
        signup.refresh_from_db()
        return client, signup, payload

    return run

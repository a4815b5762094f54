"""Billing test helpers: the fake Stripe server, signed webhook delivery, signed-in users.

Test tenants' plans (set by provisioning: each kind's default plan, on its trial):
- paris, montreal: city_essential (flat price; csv_export; no sso, no custom_domain)
- acme: company_standard (per seat; sso and csv_export)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from billing.stripe_client import STRIPE_API_VERSION
from devtools.fake_stripe import FakeStripe

WEBHOOK_URL = "/billing/stripe/webhook/"


@pytest.fixture(scope="session")
def _fake_stripe_server() -> Iterator[FakeStripe]:
    fake = FakeStripe(
        api_key="sk_test_entraide",
        api_version=STRIPE_API_VERSION,
        webhook_secret="whsec_test_entraide",
    ).start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_fake(_fake_stripe_server: FakeStripe, settings: Any) -> Iterator[FakeStripe]:
    """The fake Stripe, emptied, with the client's base address pointing at it."""
    _fake_stripe_server.reset()
    settings.STRIPE_API_BASE = _fake_stripe_server.base_url
    settings.STRIPE_SECRET_KEY = _fake_stripe_server.api_key
    settings.STRIPE_WEBHOOK_SECRET = _fake_stripe_server.webhook_secret
    yield _fake_stripe_server
    _fake_stripe_server.reset()


@pytest.fixture
def user_in(db: None) -> Callable[..., Any]:
    """Create a user in a tenant: user_in(tenant, role="volunteer", email=...)."""

    def make(tenant: Any, *, role: str = "volunteer", email: str | None = None) -> Any:
        from accounts.services import user_create

        with tenant_context(tenant):
            return user_create(
                email=email or f"{role}-{tenant.slug}@example.org", role=role, password="x" * 12
            )

    return make


@pytest.fixture
def signed_in(client_for: Callable[..., Client]) -> Callable[..., Client]:
    """A client on the tenant's host with `user` signed in (session in the tenant's schema)."""

    def make(tenant: Any, user: Any) -> Client:
        client = client_for(tenant)
        with tenant_context(tenant):
            client.force_login(user)
        connection.set_schema_to_public()
        return client

    return make


@pytest.fixture
def tenant_admin(tenant_admin_user: Callable[..., Any], signed_in: Callable[..., Client]):
    def make(tenant: Any) -> Client:
        return signed_in(tenant, tenant_admin_user(tenant))

    return make


@pytest.fixture
def tenant_admin_user(db: None) -> Callable[..., Any]:
    """The admin created at provisioning (admin@<slug>.example)."""

    def get(tenant: Any) -> Any:
        from accounts.models import User

        with tenant_context(tenant):
            return User.objects.get(email=f"admin@{tenant.slug}.example")

    return get


@pytest.fixture
def deliver(
    client_for: Callable[..., Client], django_capture_on_commit_callbacks: Any
) -> Callable[..., Any]:
    """POST a signed event to the public host's webhook and run what it schedules on commit."""

    def post(fake: FakeStripe, payload: bytes, *, signature: str | None = None) -> Any:
        client = client_for(None)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                WEBHOOK_URL,
                data=payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=fake.sign(payload) if signature is None else signature,
            )
        connection.set_schema_to_public()
        return response

    return post


@pytest.fixture
def subscribe(
    stripe_fake: FakeStripe, deliver: Callable[..., Any]
) -> Callable[..., dict[str, Any]]:
    """Run the whole purchase: checkout (service), payment on "Stripe", webhook delivered.
    Returns the fake's subscription."""

    def run(tenant: Any, *, plan: str | None = None, interval: str = "month") -> dict[str, Any]:
        from billing.plans import plan_default_for_kind
        from billing.services import checkout_start

        plan_code = plan or plan_default_for_kind(tenant.kind).code
        url = checkout_start(
            tenant=tenant,
            plan_code=plan_code,
            interval=interval,
            success_url=f"http://{tenant.primary_host}/billing/return/?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"http://{tenant.primary_host}/billing/",
            actor_user_id=None,
        )
        session_id = url.rsplit("/", 1)[1]
        subscription = stripe_fake.checkout_complete(session_id)
        response = deliver(
            stripe_fake,
            stripe_fake.event("checkout.session.completed", stripe_fake.sessions[session_id]),
        )
        assert response.status_code == 200
        tenant.refresh_from_db()
        return subscription

    return run

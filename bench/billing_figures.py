"""Billing figures (not a test: not collected by `make test`). Run explicitly:

    make bench-billing   (= .venv/bin/pytest bench/billing_figures.py -q -s)

Prints: entitlement check cost, access-middleware cost per request, webhook cost per event
(verify + store + re-fetch + apply, against the loopback fake), duplicate cost, reconcile per
tenant.
"""

import statistics
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from billing.entitlements import entitlement_has
from billing.middleware import BillingAccessMiddleware
from billing.services import subscription_sync

pytestmark = pytest.mark.django_db


def _per_call(function, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - started) / repeat


def test_bench_billing(paris, acme, subscribe, stripe_fake, deliver):
    # Entitlements
    per = _per_call(lambda: entitlement_has(acme, "sso"), 200_000)
    print(f"\nentitlement_has: {per * 1e6:.2f} µs per call, 0 queries")

    # Access middleware on an active and on a suspended tenant (anonymous GET)
    middleware = BillingAccessMiddleware(lambda request: HttpResponse("ok"))
    factory = RequestFactory()

    def one_request(tenant):
        request = factory.get("/", HTTP_HOST=tenant.primary_host)
        request.tenant = tenant
        request.user = AnonymousUser()
        return middleware(request)

    bare = _per_call(
        lambda: (factory.get("/", HTTP_HOST=paris.primary_host), HttpResponse("ok")), 20_000
    )
    with CaptureQueriesContext(connection) as queries:
        active = _per_call(lambda: one_request(paris), 20_000)
    print(
        f"access middleware, active tenant: {(active - bare) * 1e6:.2f} µs per request, "
        f"{len(queries)} queries"
    )
    paris.billing_state = "suspended"
    with CaptureQueriesContext(connection) as queries:
        suspended = _per_call(lambda: one_request(paris), 20_000)
    paris.billing_state = "trialing"
    print(
        f"access middleware, suspended tenant (GET): {(suspended - bare) * 1e6:.2f} µs per "
        f"request, {len(queries)} queries"
    )

    # Webhook: one new event, end to end (verify, insert, task, list subscriptions, apply)
    subscription = subscribe(paris)
    timings, duplicate_timings = [], []
    for index in range(50):
        status = "past_due" if index % 2 else "active"
        stripe_fake.subscription_status_set(subscription["id"], status)
        payload = stripe_fake.event(
            "customer.subscription.updated", stripe_fake.snapshot(subscription["id"])
        )
        started = time.perf_counter()
        assert deliver(stripe_fake, payload).status_code == 200
        timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert deliver(stripe_fake, payload).json()["duplicate"] is True
        duplicate_timings.append(time.perf_counter() - started)
    print(
        f"webhook, new event processed inline: median {statistics.median(timings) * 1e3:.1f} ms "
        f"(p90 {sorted(timings)[44] * 1e3:.1f} ms)"
    )
    print(f"webhook, duplicate: median {statistics.median(duplicate_timings) * 1e3:.1f} ms")

    # Reconcile: one tenant with a Stripe customer
    per = _per_call(lambda: subscription_sync(tenant=paris, source="reconcile"), 50)
    print(f"reconcile, per tenant with a subscription (loopback Stripe): {per * 1e3:.1f} ms")

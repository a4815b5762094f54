"""Self-serve sign-up: from Stripe's confirmed checkout (the webhook) to a usable instance.

    .venv/bin/python bench/signup_provisioning.py [TENANTS] [SIGNUPS]   # default 1000 and 20

1. Provisions TENANTS tenants through `tenants.services.tenant_provision` (clones of the template
   schema, as bench/provisioning.py does), so the catalog, the tenants table and the address
   checks are those of a platform with that many instances.
2. Walks SIGNUPS sign-ups up to a paid checkout against the fake Stripe (devtools/fake_stripe.py,
   in-process on loopback): request recorded, e-mail verified, Checkout session created, the
   session completed on "Stripe".
3. Measures, for each, the time from the signed `checkout.session.completed` webhook POSTed to
   `/billing/stripe/webhook/` (django.test.Client on the base domain: middleware, signature
   check, the event stored once) to the sign-up marked ready: the event's processing task, the
   sign-up's handler, then the provisioning task, through the outbox, on the *eager* path
   (CELERY_TASK_ALWAYS_EAGER, as bench/_common.py configures: the tasks run in this process when
   the webhook's transaction commits; a real worker adds its broker round trips, ~ms each).
   Also the time of the webhook request alone and of `tenant_provision` inside it.

Its own database (BENCH_DATABASE, default entraide_signup_bench), dropped at the end.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("BENCH_DATABASE", "entraide_signup_bench")

from _common import bench_database, machine_description, summarize  # noqa: E402

TENANTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
SIGNUPS = int(sys.argv[2]) if len(sys.argv) > 2 else 20


def _background_tenants(count: int) -> float:
    from tenants.services import tenant_provision

    started = time.perf_counter()
    for index in range(count):
        slug = f"city{index:04d}"
        tenant_provision(
            kind="city", name=f"City {index}", slug=slug, admin_email=f"admin@{slug}.example"
        )
        if (index + 1) % 100 == 0:
            print(f"  provisioned {index + 1}/{count} tenants", flush=True)
    return time.perf_counter() - started


def main() -> None:
    with bench_database() as info:
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from billing.stripe_client import STRIPE_API_VERSION
        from devtools.fake_stripe import FakeStripe
        from signup import services
        from signup.models import SignupRequest
        from tenants import provisioning
        from tenants.models import Tenant

        fake = FakeStripe(
            api_key="sk_bench", api_version=STRIPE_API_VERSION, webhook_secret="whsec_bench"
        ).start()
        settings.STRIPE_API_BASE = fake.base_url
        settings.STRIPE_SECRET_KEY = fake.api_key
        settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
        settings.STRIPE_MAX_NETWORK_RETRIES = 0
        settings.STRIPE_PRICES = {
            key: f"price_test_{key.replace(':', '_')}" for key in settings.STRIPE_PRICES
        }
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

        provisioning.template_build()
        print(f"machine: {machine_description()}")
        print(f"bench database {info.database} ready in {info.seconds_to_prepare:.1f} s")
        print(f"load before: {os.getloadavg()[0]:.2f}")
        background = _background_tenants(TENANTS)
        connection.set_schema_to_public()
        print(
            f"{Tenant.objects.count()} tenants in {background:.0f} s "
            f"({background / max(TENANTS, 1):.2f} s each)"
        )

        client = Client(HTTP_HOST=settings.BASE_DOMAIN)
        total, request_only, provision_only = [], [], []
        for index in range(SIGNUPS):
            slug = f"signup{index:03d}"
            signup = SignupRequest.objects.create(
                kind="city",
                name=f"Signup {index}",
                slug=slug,
                country="FR",
                language="fr",
                email=f"admin@{slug}.example",
                plan_code="city_essential",
                terms_accepted_at=timezone.now(),
                status=SignupRequest.Status.VERIFIED,
                email_verified_at=timezone.now(),
            )
            url = services.signup_checkout_url(signup=signup)
            session_id = url.rsplit("/", 1)[1]
            fake.checkout_complete(session_id)
            payload = fake.event("checkout.session.completed", fake.sessions[session_id])
            signature = fake.sign(payload)

            started = time.perf_counter()
            response = client.post(
                "/billing/stripe/webhook/",
                data=payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=signature,
            )
            answered = time.perf_counter()
            connection.set_schema_to_public()
            signup.refresh_from_db()
            done = time.perf_counter()
            assert response.status_code == 200, response.status_code
            assert signup.status == SignupRequest.Status.READY, (signup.status, signup.error)
            tenant = Tenant.objects.get(slug=slug)
            total.append(done - started)
            request_only.append(answered - started)
            provision_only.append((signup.ready_at - signup.paid_at).total_seconds())
            assert tenant.billing_account.stripe_subscription_id == signup.stripe_subscription_id
        fake.stop()

        print(f"load after: {os.getloadavg()[0]:.2f}")
        title = f"webhook → ready, with {TENANTS} tenants"
        print(f"{title:<48}{'median':>8}{'p95':>8}{'n':>5}")
        for label, values in (
            ("webhook POST → sign-up ready (eager tasks)", total),
            ("  of which the webhook request", request_only),
            ("  paid → ready (handler → provisioned)", provision_only),
        ):
            figures = summarize(values)
            print(f"{label:<48}{figures.median:>8.3f}{figures.p95:>8.3f}{figures.count:>5}")


if __name__ == "__main__":
    main()

"""Self-serve sign-up in a real browser, from the product site to a branded instance: the pricing
page's trial link, the address proposed and checked as the name is typed, the e-mail link (over
SMTP), the fake Stripe's hosted Checkout (its webhook, signed, to the live server), the progress
page, the hand-off that lands the new admin signed in on their instance, the terms and second
factor every admin goes through, and the welcome wizard's colours on the instance's pages."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import expect

from billing.stripe_client import STRIPE_API_VERSION
from devtools.fake_stripe import FakeStripe
from signup.models import SignupRequest
from tenants.models import Tenant
from tests.accounts.conftest import totp_code

pytestmark = pytest.mark.browser

# The base domain and the fake Stripe on loopback: let the browser reach them (the shared
# context answers everything but tenant hosts locally).
LOCAL = re.compile(r"^http://(entraide\.test|127\.0\.0\.1):\d+/")


@pytest.fixture
def fake_stripe(live_site: Any, settings: Any) -> Iterator[FakeStripe]:
    fake = FakeStripe(
        api_key="sk_test_entraide",
        api_version=STRIPE_API_VERSION,
        webhook_secret="whsec_test_entraide",
        webhook_url=f"http://127.0.0.1:{live_site.port}/billing/stripe/webhook/",
        webhook_host=f"{settings.BASE_DOMAIN}:{live_site.port}",
    ).start()
    settings.STRIPE_API_BASE = fake.base_url
    # Absolute links (e-mails, Stripe's return addresses, the hand-off) name the live server.
    settings.BASE_PORT = str(live_site.port)
    settings.STRIPE_SECRET_KEY = fake.api_key
    settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
    yield fake
    fake.stop()


@pytest.fixture
def new_slug() -> Iterator[str]:
    slug = f"bourg-{uuid.uuid4().hex[:6]}"
    yield slug
    connection.set_schema_to_public()
    SignupRequest.objects.filter(slug=slug).delete()
    for tenant in Tenant.objects.filter(slug=slug):
        tenant.delete(force_drop=True)


def test_from_the_form_to_the_new_instance_signed_in(
    pages: Any, url: Any, smtp_inbox: Any, fake_stripe: FakeStripe, new_slug: str
) -> None:
    page = pages.new()
    page.context.route(LOCAL, lambda route: route.continue_())
    # The product page, its prices, and the first plan's trial.
    page.goto(url(None, "/"))
    page.locator("main a[href='/pricing/']").first.click()
    expect(page).to_have_url(re.compile(r"/pricing/$"))
    page.locator("a[data-trial][href*='plan=city_essential']").click()
    expect(page).to_have_url(re.compile(r"/signup/\?kind=city&plan=city_essential&interval=month$"))
    expect(page.locator("h1")).to_have_text("Créez votre instance Entraide")
    page.wait_for_load_state("load")  # the form's script proposes the address as the name is typed

    # The address is proposed from the name and checked as it is typed.
    page.get_by_label("Nom de l'instance").fill("Bourg Solidaire")
    expect(page.locator("[name=slug]")).to_have_value("bourg-solidaire")
    page.locator("[name=slug]").fill("p\u0430ris")
    expect(page.locator("[data-slug-status]")).to_contain_text("CYRILLIC SMALL LETTER A")
    page.locator("[name=slug]").fill(new_slug)
    expect(page.locator("[data-slug-status]")).to_have_text("Cette adresse est disponible.")
    email = f"{new_slug}@example.org"
    page.get_by_label("Votre e-mail").fill(email)
    page.locator("[name=terms]").check()
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("h1")).to_have_text("Consultez vos e-mails")

    # The e-mail link (over SMTP), opened in the same browser.
    [message] = smtp_inbox.to(email)
    link = re.search(r"https?://\S+/signup/verify/\S+/", message.text)
    assert link is not None, message.text
    page.goto(link.group(0))

    # Stripe's hosted Checkout (the fake): the plan's amount, the trial, then back.
    expect(page.locator("[data-amount]")).to_have_text("49.00 EUR")
    page.get_by_role("button", name=re.compile("Start trial")).click()

    # The progress page, then the hand-off: the new instance, signed in as its admin. The welcome
    # wizard is an admin area: the instance's terms of use first, then the second factor every
    # admin sets up, then the wizard itself.
    page.wait_for_url(re.compile(rf"^http://{new_slug}\.entraide\.test:\d+/conditions/accepter/"))
    signup = SignupRequest.objects.get(slug=new_slug)
    assert signup.status == SignupRequest.Status.READY
    assert signup.handoff_used_at is not None
    tenant = Tenant.objects.get(slug=new_slug)
    assert tenant.billing_account.stripe_subscription_id == signup.stripe_subscription_id
    assert [status for _event, status in fake_stripe.deliveries] == [200]

    page.locator("input[name=accept]").check()
    page.get_by_role("button", name="Accepter et continuer").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")

    # The recovery codes allauth shows once, then the wizard: the instance's colours.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    page.goto(url(new_slug, "/gestion/bienvenue/"))
    expect(page.locator("h1")).to_have_text("Logo et couleurs")
    page.locator("[name=primary_color]").fill("#0b5d3b")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page).to_have_url(re.compile(r"/gestion/bienvenue/organisation/"))

    # Branded: the instance's pages wear the colour chosen.
    page.goto(url(new_slug, "/"))
    primary = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--brand-primary').trim()"
    )
    assert primary.lower() == "#0b5d3b"

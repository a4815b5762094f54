"""The custom domain page in a real browser, on a computer and a phone: a tenant admin adds a
domain, reads the records to create, the DNS server on loopback (tests/dns_server.py) gets them,
"Verify now" shows the domain verified; axe-core reports no violation at any impact at each step;
a malformed name is refused next to the field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from billing.services import plan_assign
from tenants.dns import challenge_name
from tenants.models import Domain, Tenant
from tests.browser.conftest import axe_violations
from tests.browser.test_backoffice import EVERY_IMPACT, sign_in_as_admin

pytestmark = pytest.mark.browser

PAGE = "/gestion/domaines/"
TARGET = "ingress.entraide.test"


@pytest.fixture
def acme_with_custom_domains() -> Iterator[Tenant]:
    """Acme on a plan with custom domains for this test (the browser session commits)."""
    acme = Tenant.objects.get(slug="acme")
    previous = acme.billing_plan
    plan_assign(tenant=acme, plan_code="company_enterprise")
    yield acme
    Domain.objects.filter(tenant=acme).exclude(domain=acme.primary_host).delete()
    plan_assign(tenant=acme, plan_code=previous)


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
def test_an_admin_adds_and_verifies_a_domain(
    pages, url, world, dns_zone, acme_with_custom_domains, phone
):
    name = f"volunteer-{'phone' if phone else 'computer'}.acme.example"
    page = sign_in_as_admin(pages, url, slug="acme", phone=phone)
    page.goto(url("acme", PAGE))
    expect(page.locator("h1")).to_have_text("Custom domain")
    assert axe_violations_all(page) == []

    page.get_by_label("Domain name").fill("bene volat.acme.example")
    page.get_by_role("button", name="Add the domain").click()
    expect(page.locator(".errorlist")).to_contain_text("is not a valid part of a domain name")
    assert axe_violations_all(page) == []

    page.get_by_label("Domain name").fill(name.upper())
    page.get_by_role("button", name="Add the domain").click()
    card = page.locator(".custom-domain", has=page.get_by_role("heading", name=name))
    expect(card.locator("[data-status=pending]")).to_have_text("Waiting for DNS")
    expect(card.locator("tr[data-record=CNAME] td").nth(1)).to_have_text(TARGET)
    token = card.locator("tr[data-record=TXT] td").nth(1).inner_text()
    assert token == Domain.objects.get(domain=name).verification_token
    assert axe_violations_all(page) == []

    dns_zone.add(name, "CNAME", TARGET)
    dns_zone.add(challenge_name(name), "TXT", token)
    card.get_by_role("button", name="Verify now").click()

    expect(page.locator(".message.success")).to_contain_text(f"{name} is verified")
    card = page.locator(".custom-domain", has=page.get_by_role("heading", name=name))
    expect(card.locator("[data-status=verified]")).to_have_text("Verified")
    assert axe_violations_all(page) == []
    assert Domain.objects.get(domain=name).is_verified is True
    # The form sent back with its error answers 400, on purpose.
    assert [error for error in pages.errors if "status of 400" not in error] == []


def axe_violations_all(page) -> list[str]:  # type: ignore[no-untyped-def]
    return axe_violations(page, impacts=EVERY_IMPACT)

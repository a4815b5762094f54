"""The welcome wizard (/gestion/bienvenue/) in a browser: an admin walks through it by skipping
each step (nothing is written: the session's tenants are shared by the other browser tests), the
progress follows, the last step leads to the back office; axe-core finds nothing serious."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.test_backoffice import sign_in_as_admin

pytestmark = pytest.mark.browser


def test_a_city_admin_skips_through_the_wizard_to_the_back_office(pages, url, world):
    page = sign_in_as_admin(pages, url)
    page.goto(url("paris", "/gestion/bienvenue/"))

    found = {}
    expect(page.locator("h1")).to_have_text("Logo et couleurs")
    expect(page.get_by_text("Étape 1 sur 3")).to_be_visible()
    found["branding"] = axe_violations(page)

    page.get_by_role("link", name="Passer cette étape").click()
    expect(page).to_have_url(url("paris", "/gestion/bienvenue/organisation/"))
    expect(page.locator("h1")).to_have_text("Première organisation")
    expect(page.locator("[data-step=organization]")).to_have_attribute("aria-current", "step")
    found["organization"] = axe_violations(page)

    page.get_by_role("link", name="Passer cette étape").click()
    expect(page).to_have_url(url("paris", "/gestion/bienvenue/termine/"))
    expect(page.get_by_text("Étape 3 sur 3")).to_be_visible()
    found["done"] = axe_violations(page)

    page.get_by_role("link", name="Aller à l’administration").click()
    expect(page).to_have_url(url("paris", "/gestion/"))
    assert found == {name: [] for name in found}
    assert pages.errors == []


def test_a_company_admin_finds_the_sso_step(pages, url, world):
    page = sign_in_as_admin(pages, url, slug="acme", phone=True)
    page.goto(url("acme", "/gestion/bienvenue/connexion/"))

    expect(page.locator("h1")).to_have_text("Sign-in with your identity provider")
    expect(page.get_by_text("Step 3 of 4")).to_be_visible()
    expect(page.get_by_role("link", name="SAML connection")).to_have_attribute(
        "href", "/accounts/settings/sign-in/saml/"
    )
    assert axe_violations(page) == []
    assert pages.errors == []

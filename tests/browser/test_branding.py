"""Each tenant in its own colours, name, logo and language: computed styles in the browser, the
language switcher, dates in the tenant's zone and locale."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tenants.branding import contrast_ratio
from tests.browser.conftest import confirm_sign_up, sign_in_member

pytestmark = pytest.mark.browser


def css_colour(page, selector: str, prop: str) -> str:  # type: ignore[no-untyped-def]
    return page.locator(selector).first.evaluate(f"element => getComputedStyle(element).{prop}")


def rgb_to_hex(value: str) -> str:
    red, green, blue = (int(part) for part in re.findall(r"\d+", value)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


def test_acme_shows_its_own_branding(pages, url, world):
    page = pages.new()
    # A private instance: its members see it.
    sign_in_member(page, url, "acme")
    page.goto(url("acme"))

    expect(page.locator(".brand-name")).to_have_text("Acme Corp")
    expect(page.locator("h1")).to_have_text("Acme Corp")
    expect(page.locator(".tagline")).to_have_text("Volunteering, together")
    expect(page).to_have_title(re.compile("Acme Corp"))
    logo = page.locator(".brand img")
    expect(logo).to_have_attribute("src", re.compile(r"^/branding/logo\?v=\d+$"))
    assert logo.evaluate("image => image.complete && image.naturalWidth") == 96
    favicon = page.locator("link[rel=icon]").get_attribute("href")
    assert favicon.startswith("/branding/logo?v=")

    header_background = rgb_to_hex(css_colour(page, ".site-header", "backgroundColor"))
    header_text = rgb_to_hex(css_colour(page, ".brand", "color"))
    button = page.get_by_role("button", name="Search")
    button_background = rgb_to_hex(button.evaluate("b => getComputedStyle(b).backgroundColor"))
    button_text = rgb_to_hex(button.evaluate("b => getComputedStyle(b).color"))
    assert header_background == "#3b1f7a"
    assert header_text == "#ffffff"
    assert button_background == "#3b1f7a"
    assert contrast_ratio(header_background, header_text) >= 4.5
    assert contrast_ratio(button_background, button_text) >= 4.5
    # The accent (#0f9d8a) is too light for white text: the page computed dark text on it.
    accent = page.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--brand-on-accent')"
    )
    assert accent.strip() == "#111111"
    expect(page.get_by_role("heading", name="Near me")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_paris_is_not_acme(pages, url, world):
    page = pages.new()
    page.goto(url("paris"))

    expect(page.locator(".brand-name")).to_have_text("Paris")
    assert rgb_to_hex(css_colour(page, ".site-header", "backgroundColor")) == "#0d2a5c"
    expect(page.locator(".brand img")).to_have_count(0)
    favicon = page.locator("link[rel=icon]").get_attribute("href")
    assert favicon.startswith("data:image/svg+xml,")
    assert "0d2a5c" in favicon
    assert "Acme" not in page.content()


def test_montreal_switches_to_english(pages, url, world):
    page = pages.new()
    food_bank = world.montreal_missions["Banque alimentaire du Plateau"]
    page.goto(url("montreal", f"/missions/{food_bank}/"))
    expect(page.locator("html")).to_have_attribute("lang", "fr-ca")
    expect(page.get_by_role("button", name="Je participe")).to_be_visible()
    french_date = page.locator(".when").first.inner_text()

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(rf"/missions/{food_bank}/$"))
    expect(page.get_by_role("button", name="I'm in")).to_be_visible()
    expect(page.get_by_role("link", name="Near me", exact=True)).to_be_visible()
    english_date = page.locator(".when").first.inner_text()
    assert re.search(r"\d{1,2}\s?h\s?00", french_date)  # Quebec: "9 h 00"
    assert re.search(r"(a\.m\.|p\.m\.|noon)", english_date)
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    assert cookies["django_language"] == "en"

    page.goto(url("montreal"))
    expect(page.get_by_role("heading", name="Near me")).to_be_visible()
    page.locator("details.filters > summary").click()
    expect(page.get_by_label("Food aid")).to_be_visible()
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name="Autour de moi")).to_be_visible()


def test_a_paris_session_means_nothing_on_montreal(pages, url, world):
    page = pages.new()
    page.goto(url("paris", "/accounts/signup/?next=/mes-engagements/"))
    form = page.locator("form.signup")
    form.locator("input[name=email]").fill("session-test@example.org")
    form.locator("input[name=password1]").fill("Un-mot-de-passe-2024")
    form.locator("input[name=password2]").fill("Un-mot-de-passe-2024")
    form.locator("input[name=accept_terms]").check()
    form.locator("button[type=submit]").click()
    confirm_sign_up(page, "session-test@example.org")
    expect(page.get_by_role("heading", name="Mes engagements")).to_be_visible()

    page.goto(url("montreal", "/mes-engagements/"))

    expect(page).to_have_url(re.compile(r"montreal\.entraide\.test:\d+/accounts/login/"))

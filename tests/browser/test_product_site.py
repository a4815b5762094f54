"""The product site in a browser: home in French, the switch to English, pricing monthly then
yearly, the trial link to the sign-up form; axe-core finds nothing serious, the screenshots load
at their declared size, and the page's security policy refuses nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
def test_from_the_home_page_to_a_trial_link_in_english(pages, url, world, phone):
    page = pages.new(phone=phone)

    page.goto(url(None, "/"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text(
        "Vos habitants et vos salariés bénévoles, en trois clics"
    )
    expect(page.get_by_role("link", name="Paris", exact=True)).to_be_visible()
    expect(page.get_by_text("Acme")).to_have_count(0)
    found = {"home fr": axe_violations(page)}
    # The three screenshots load at the size the page declared for them.
    walk = page.locator(".site-walk img")
    expect(walk).to_have_count(3)
    for index in range(3):
        walk.nth(index).scroll_into_view_if_needed()
        expect(walk.nth(index)).to_have_js_property("complete", True)
        assert walk.nth(index).evaluate("image => [image.naturalWidth, image.naturalHeight]") == [
            640,
            400,
        ]

    page.locator("[data-language=en]").click()
    expect(page).to_have_url(re.compile(r"/\?lang=en$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(
        "Bring your residents and employees to volunteer, in three clicks"
    )
    found["home en"] = axe_violations(page)

    # The choice is remembered: the pricing page, reached by its link, is in English.
    page.locator("main").get_by_role("link", name="See the prices").click()
    expect(page).to_have_url(url(None, "/pricing/"))
    expect(page.locator("h1")).to_have_text("Pricing")
    essential = page.locator("[data-plan=city_essential]")
    expect(essential.locator("[data-price]")).to_have_text("€49 excl. VAT / month")
    found["pricing monthly"] = axe_violations(page)

    page.get_by_role("link", name="Yearly").click()
    expect(page).to_have_url(url(None, "/pricing/?interval=year"))
    expect(essential.locator("[data-price]")).to_have_text("€490 excl. VAT / year")
    expect(page.locator("[data-plan=company_standard] [data-price]")).to_have_text(
        "€40 excl. VAT / person / year"
    )
    trial = essential.locator("a[data-trial]")
    expect(trial).to_have_attribute("href", "/signup/?kind=city&plan=city_essential&interval=year")
    found["pricing yearly"] = axe_violations(page)

    # Back to French, still yearly.
    page.locator("[data-language=fr]").click()
    expect(page.locator("h1")).to_have_text("Tarifs")
    expect(essential.locator("[data-price]")).to_have_text("490\xa0€ HT / an")

    assert found == {name: [] for name in found}
    assert pages.errors == []


def test_the_home_page_weighs_little_everything_included(pages, url, world):
    """HTML, CSS, JS and the three screenshots, on the wire, from this host only."""
    page = pages.new()
    requests = []
    page.on("requestfinished", lambda request: requests.append(request))

    page.goto(url(None, "/"))
    page.locator("#contact").scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")

    totals: dict[str, int] = {}
    for request in requests:
        assert request.url.startswith(url(None, "")), request.url
        sizes = request.sizes()
        kind = request.resource_type
        totals[kind] = (
            totals.get(kind, 0) + sizes["responseBodySize"] + sizes["responseHeadersSize"]
        )
    total = sum(totals.values())
    print(f"\nproduct home transferred: {totals} — {total / 1024:.1f} KB")
    assert totals.get("image", 0) > 0
    assert total <= 150 * 1024

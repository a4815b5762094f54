"""Sharing and the end of the resident's walk in a real browser: the mission page's preview
picture, its share links and short link with nothing loaded from elsewhere, the organization's
page, the sign-up page naming the mission, and a phone that shows results after "locate me"."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

GARDEN = "Jardin partagé de la Folie-Méricourt"


def test_the_mission_page_shares_without_third_party_scripts(pages, url, world):
    page = pages.new()
    scripts: list[str] = []
    page.on(
        "request", lambda request: request.resource_type == "script" and scripts.append(request.url)
    )
    mission_url = url("paris", f"/missions/{world.paris_missions[GARDEN]}/")

    page.goto(mission_url)

    expect(page.locator("h1")).to_have_text(GARDEN)
    image_url = page.locator('meta[property="og:image"]').get_attribute("content")
    assert re.search(r"/apercu\.png\?v=[0-9a-f]{16}$", image_url)
    assert page.locator('meta[name="twitter:card"]').get_attribute("content") == (
        "summary_large_image"
    )
    share = page.locator("section[aria-labelledby=share-title]")
    for name in ("E-mail", "WhatsApp", "Facebook", "X", "LinkedIn", "Bluesky"):
        expect(share.get_by_role("link", name=re.compile(rf"^{name}\b"))).to_be_visible()
    short_url = share.get_by_label("Lien court").input_value()
    assert re.fullmatch(r"http://paris\.entraide\.test:\d+/m/[0-9a-z]+/", short_url)
    host = urlsplit(mission_url).netloc
    assert scripts and all(urlsplit(src).netloc == host for src in scripts)
    assert axe_violations(page) == []

    # The short link leads back to the mission.
    page.goto(short_url)
    expect(page).to_have_url(mission_url)

    # The preview picture, as a link preview service fetches it.
    picture = page.goto(image_url)
    assert picture.status == 200
    assert picture.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(picture.body())).size == (1200, 630)
    assert pages.errors == []


def test_the_organization_page_lists_its_upcoming_missions(pages, url, world):
    page = pages.new()
    page.goto(url("paris", f"/missions/{world.paris_missions[GARDEN]}/"))

    page.locator(".mission-header .organization a").click()

    expect(page).to_have_url(re.compile(r"/organisations/[a-z0-9-]+/$"))
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".badge.success")).to_contain_text("Vérifiée par")
    missions = page.locator("section[aria-labelledby=organization-missions] .mission-card h3 a")
    assert GARDEN in missions.all_inner_texts()
    assert page.locator('meta[property="og:url"]').get_attribute("content") == page.url
    assert axe_violations(page) == []
    assert pages.errors == []


def test_je_participe_leads_to_a_sign_up_page_naming_the_mission(pages, url, world):
    page = pages.new()
    page.goto(url("paris", f"/missions/{world.paris_missions[GARDEN]}/"))

    page.locator("input[name=slot]").first.check()
    page.get_by_role("button", name="Je participe").click()

    expect(page).to_have_url(re.compile(r"/accounts/signup/\?next="))
    expect(page.locator("#joining-mission")).to_contain_text(GARDEN)
    assert axe_violations(page) == []


def test_on_a_phone_results_show_after_locating(pages, url, world):
    page = pages.new(
        phone=True,
        geolocation={"latitude": world.paris_position[0], "longitude": world.paris_position[1]},
        permissions=["geolocation"],
    )
    page.goto(url("paris"))
    first_card = page.locator("#results .mission-card").first
    # Before: the search form fills the screen and the results are below it.
    expect(first_card).not_to_be_in_viewport()

    page.get_by_role("button", name="Me localiser").click()

    expect(page.locator("#locate-status")).to_contain_text("Position trouvée")
    expect(page).to_have_url(re.compile(r"sort=distance"))
    expect(first_card).to_be_in_viewport()
    expect(first_card.locator("h3 a")).to_be_in_viewport()
    assert pages.errors == []


def test_the_skills_filter_narrows_the_results_in_the_page(pages, url, world):
    page = pages.new()
    page.goto(url("paris"))
    before = page.locator("#results .mission-card").count()

    page.locator("details.filters > summary").click()
    page.get_by_label("Cuisine").check()

    expect(page).to_have_url(re.compile(r"skill=cuisine"))
    expect(page.locator("#results-status")).not_to_have_text("")
    assert page.locator("#results .mission-card").count() < before
    assert pages.errors == []

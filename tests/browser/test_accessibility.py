"""axe-core on the resident, sign-in and organization pages (no serious or critical violation), on a
computer and a phone, and the keyboard path through the home page."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, confirm_sign_up, sign_in_member, unique_email

pytestmark = pytest.mark.browser

PASSWORD = "Un-mot-de-passe-2024"


def signed_up_page(pages, url, *, phone: bool = False):  # type: ignore[no-untyped-def]
    page = pages.new(phone=phone)
    page.goto(url("paris", "/accounts/signup/?next=/"))
    form = page.locator("form.signup")
    email = unique_email("axe")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password1]").fill(PASSWORD)
    form.locator("input[name=password2]").fill(PASSWORD)
    form.locator("input[name=accept_terms]").check()
    form.locator("button[type=submit]").click()
    confirm_sign_up(page, email)
    expect(page.locator("h1")).to_have_text("Paris")
    return page


def organization_paths() -> list[str]:
    """The organization space's entry pages that exist (built by the organization pages)."""
    paths = ["/organisation/"]
    for name in ("organization:register",):
        try:
            paths.append(reverse(name, urlconf="config.urls_tenant"))
        except NoReverseMatch:
            continue
    return list(dict.fromkeys(paths))


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
def test_anonymous_pages_have_no_serious_violation(pages, url, world, phone):
    page = pages.new(phone=phone)
    garden = world.paris_missions["Jardin partagé de la Folie-Méricourt"]
    found = {}
    for path in (
        "/",
        "/?where=75011&cause=environnement&step_free=on",
        f"/missions/{garden}/",
        "/accounts/signup/",
        "/accounts/login/",
    ):
        page.goto(url("paris", path))
        if path.startswith("/?"):
            expect(page.locator("details.filters")).to_have_attribute("open", "")
        found[path] = axe_violations(page)

    assert found == {path: [] for path in found}


def test_home_with_the_map_drawn_has_no_serious_violation(pages, url, world):
    page = pages.new(
        geolocation={"latitude": world.paris_position[0], "longitude": world.paris_position[1]},
        permissions=["geolocation"],
    )
    page.goto(url("paris"))
    page.get_by_role("button", name="Me localiser").click()
    expect(page.locator("#map .leaflet-interactive").first).to_be_visible()

    assert axe_violations(page) == []


def test_signed_in_pages_have_no_serious_violation(pages, url, world):
    page = signed_up_page(pages, url)
    garden = world.paris_missions["Jardin partagé de la Folie-Méricourt"]
    page.goto(url("paris", f"/missions/{garden}/"))
    page.locator("input[name=slot]").first.check()
    page.get_by_role("button", name="Je participe").click()
    found = {}
    for path in (
        "/",
        f"/missions/{garden}/",
        f"/missions/{garden}/participer/",
        "/mes-engagements/",
        "/profil/",
        *organization_paths(),
    ):
        page.goto(url("paris", path))
        found[path] = axe_violations(page)

    assert found == {path: [] for path in found}


def test_other_tenants_pages_have_no_serious_violation(pages, url, world):
    page = pages.new()
    found = {}
    page.goto(url("acme"))  # private: its sign-in page
    found["acme sign-in"] = axe_violations(page)
    sign_in_member(page, url, "acme")
    for slug in ("montreal", "acme"):
        page.goto(url(slug))
        found[slug] = axe_violations(page)
    page.get_by_role("button", name="Français").click()
    found["acme in French"] = axe_violations(page)

    assert found == {"acme sign-in": [], "montreal": [], "acme": [], "acme in French": []}


def test_keyboard_path_through_the_home_page(pages, url, world):
    page = pages.new()
    page.goto(url("paris"))

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.locator("details.filters > summary").focus()
    page.keyboard.press("Enter")
    cause = page.get_by_label("Environnement et nature")
    cause.focus()
    page.keyboard.press("Space")
    expect(page.locator("#results .mission-card h3 a")).to_have_count(2)
    focus_ring = cause.evaluate(
        "element => getComputedStyle(element.closest('label')).outlineStyle"
    )
    assert focus_ring == "solid"

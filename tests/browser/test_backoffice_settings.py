"""The settings pages in a real browser, as a tenant admin (signed in with a second factor): the
branding preview follows the colours as they are typed, the map sets the centre and zoom, and
axe finds no violation at all (every impact) on any settings page, on a computer and a phone.

Nothing is saved here: the tenants are shared by the whole browser session.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.test_backoffice import EVERY_IMPACT, sign_in_as_admin

pytestmark = pytest.mark.browser

PAGES = [
    "/gestion/reglages/",
    "/gestion/reglages/apparence/",
    "/gestion/reglages/accueil/",
    "/gestion/reglages/carte/",
    "/gestion/reglages/langues/",
    "/gestion/reglages/causes/",
    "/gestion/reglages/competences/",
    "/gestion/reglages/moderation/",
    "/gestion/reglages/pied-de-page/",
]


def _admin_page(pages, url, *, phone: bool = False):  # type: ignore[no-untyped-def]
    """A new Paris tenant admin, signed in with password and TOTP through the forms."""
    return sign_in_as_admin(pages, url, phone=phone)


def _background(page, selector: str) -> str:  # type: ignore[no-untyped-def]
    return page.locator(selector).evaluate("element => getComputedStyle(element).backgroundColor")


def test_the_preview_follows_the_colours_as_they_are_typed(pages, url, world):
    page = _admin_page(pages, url)
    page.goto(url("paris", "/gestion/reglages/apparence/"))
    preview = page.locator("[data-brand-preview]")
    card_links = preview.locator("tr", has_text="Liens dans les encadrés")
    expect(card_links.locator("[data-verdict]")).to_have_text("Suffisant")

    page.get_by_label("Couleur principale").fill("#777777")
    page.get_by_label("Nom du site").fill("Paris en couleurs")

    assert _background(page, ".preview-header") == "rgb(119, 119, 119)"
    expect(preview.locator("[data-preview-name]")).to_have_text("Paris en couleurs")
    expect(card_links.locator("[data-ratio]")).to_have_text("4,48:1")
    expect(card_links.locator("[data-verdict]")).to_have_text("Insuffisant")
    expect(card_links).to_have_class("fails")
    # Text on the grey is black: the one pair on it that passes.
    header = preview.locator("tr", has_text="En-tête et boutons principaux")
    expect(header.locator("[data-colours]")).to_have_text("#000000 / #777777")
    expect(header.locator("[data-verdict]")).to_have_text("Suffisant")

    page.get_by_label("Couleur d’accent").fill("#ffcc00")
    buttons = preview.locator("tr").filter(
        has=page.get_by_role("rowheader", name="Boutons", exact=True)
    )
    expect(buttons.locator("[data-colours]")).to_have_text("#111111 / #ffcc00")
    focus = preview.locator("tr", has_text="Contour du focus")
    expect(focus.locator("[data-ratio]")).to_have_text("1,41:1")

    page.get_by_label("Couleur principale").fill("#1b3a6b")
    assert _background(page, ".preview-header") == "rgb(27, 58, 107)"
    expect(card_links.locator("[data-verdict]")).to_have_text("Suffisant")
    assert pages.errors == []


def test_the_map_sets_the_centre_and_the_zoom(pages, url, world):
    page = _admin_page(pages, url)
    page.goto(url("paris", "/gestion/reglages/carte/"))
    latitude, longitude, zoom = (
        page.get_by_label("Latitude du centre"),
        page.get_by_label("Longitude du centre"),
        page.get_by_label("Niveau de zoom"),
    )
    before = (latitude.input_value(), longitude.input_value())
    the_map = page.locator("[data-map-centre-map]")
    expect(the_map).to_be_visible()

    box = the_map.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.25)

    after = (float(latitude.input_value()), float(longitude.input_value()))
    assert (latitude.input_value(), longitude.input_value()) != before
    assert after[0] > float(before[0]) and after[1] > float(before[1])  # north-east of the centre
    expect(page.locator("[data-map-centre-status]")).to_contain_text("Centre : latitude")

    page.locator(".leaflet-control-zoom-in").click()
    expect(zoom).to_have_value("13")
    assert pages.errors == []


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
def test_the_settings_pages_have_no_violation(pages, url, world, phone):
    page = _admin_page(pages, url, phone=phone)
    found = {}
    for path in PAGES:
        page.goto(url("paris", path))
        expect(page.locator("h1")).to_be_visible()
        found[path] = axe_violations(page, impacts=EVERY_IMPACT)
    # A refused colour: the error summary, the field errors and the failing pairs.
    page.goto(url("paris", "/gestion/reglages/apparence/"))
    page.get_by_label("Couleur principale").fill("#777777")
    page.get_by_role("button", name="Prévisualiser sans enregistrer").click()
    expect(page.locator(".contrast-report tr.fails")).to_have_count(2)
    # The preview shows the refused colour as the site would draw it (that is its point; it is
    # hidden from assistive technologies): the rest of the page is checked.
    found["refused colour"] = axe_violations(page, impacts=EVERY_IMPACT, exclude=[".preview-frame"])

    assert found == {path: [] for path in found}
    assert pages.errors == []

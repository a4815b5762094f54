"""Screenshots of the key resident pages, desktop and phone, into docs/screenshots/.

Not part of the test suite (the file name does not match `test_*.py`); run it on demand with the
browser harness:

    ENTRAIDE_TEST_RUN=browser .venv/bin/pytest -m browser tests/browser/screenshots.py -q

Map tiles are not fetched (no network in tests): the map shows plain placeholder tiles.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import REPOSITORY, confirm_sign_up, unique_email

pytestmark = pytest.mark.browser

OUTPUT = REPOSITORY / "docs" / "screenshots"
PASSWORD = "Un-mot-de-passe-2024"
GARDEN = "Jardin partagé de la Folie-Méricourt"


def shoot(page, name: str, *, full_page: bool = False) -> Path:  # type: ignore[no-untyped-def]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_screenshots(pages, url, world, device):
    phone = device == "phone"
    page = pages.new(
        phone=phone,
        geolocation={"latitude": world.paris_position[0], "longitude": world.paris_position[1]},
        permissions=["geolocation"],
    )

    page.goto(url("paris"))
    page.get_by_role("button", name="Me localiser").click()
    expect(page.locator("#map .leaflet-interactive").first).to_be_visible()
    page.locator("#map").evaluate("element => element.scrollIntoView({block: 'start'})")
    page.evaluate("() => window.scrollTo(0, 0)")
    shoot(page, f"home-{device}", full_page=not phone)

    page.get_by_role("link", name=GARDEN).click()
    expect(page.locator("#mission-map .leaflet-interactive").first).to_be_visible()
    shoot(page, f"mission-{device}", full_page=not phone)

    page.locator("input[name=slot]").first.check()
    page.get_by_role("button", name="Je participe").click()
    expect(page.locator("form.signup")).to_be_visible()
    shoot(page, f"signup-{device}", full_page=not phone)

    form = page.locator("form.signup")
    email = unique_email("capture")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password1]").fill(PASSWORD)
    form.locator("input[name=password2]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    confirm_sign_up(page, email)
    expect(page.locator("main > .messages")).to_be_visible()
    shoot(page, f"participation-confirmed-{device}")

    page.goto(url("paris", "/mes-engagements/"))
    shoot(page, f"mes-engagements-{device}", full_page=not phone)

    if not phone:
        page.goto(url("montreal"))
        page.get_by_role("button", name="English").click()
        shoot(page, "montreal-english-desktop")
        page.goto(url("acme"))
        shoot(page, "acme-desktop")

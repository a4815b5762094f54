"""Screenshots of the branding editor (/gestion/reglages/apparence/), desktop and phone, into
docs/screenshots/. On demand, like tests/browser/screenshots.py:

    ENTRAIDE_TEST_RUN=browser .venv/bin/pytest -m browser tests/browser/screenshots_settings.py -q
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.screenshots import shoot
from tests.browser.test_backoffice import sign_in_as_admin

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_screenshots(pages, url, world, device):
    page = sign_in_as_admin(pages, url, phone=device == "phone")
    page.goto(url("paris", "/gestion/reglages/apparence/"))
    # A colour being tried: the preview and the contrast table follow it as it is typed.
    page.get_by_label("Couleur d’accent").fill("#ffcc00")
    expect(page.locator(".contrast-report tr.fails")).to_have_count(1)
    shoot(page, f"backoffice-branding-{device}", full_page=True)

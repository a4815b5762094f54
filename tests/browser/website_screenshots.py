"""The product site's screenshots of the three clicks (find, filter, "Je participe"), taken on the
Paris demo instance and written as small WebP files to website/static/website/walk/.

Not part of the test suite (the file name does not match `test_*.py`); run it on demand with the
browser harness (`make screenshots-website`):

    ENTRAIDE_TEST_RUN=browser .venv/bin/pytest -m browser tests/browser/website_screenshots.py -q

Each picture is taken at 1280 × 800 and scaled to the size the home page declares for it
(website.views.WALK: width and height, so the page does not move while they load), at most
150 KB. Map tiles are not fetched (no network in tests): the map shows placeholder tiles.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import REPOSITORY
from website.views import WALK

pytestmark = pytest.mark.browser

STATIC = REPOSITORY / "website" / "static"
GARDEN = "Jardin partagé de la Folie-Méricourt"
MAX_BYTES = 150 * 1024


def save(page, relative: str, width: int, height: int) -> Path:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("networkidle")
    shot = Image.open(BytesIO(page.screenshot(animations="disabled"))).convert("RGB")
    path = STATIC / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    shot.resize((width, height), Image.Resampling.LANCZOS).save(
        path, format="WEBP", quality=72, method=6
    )
    assert path.stat().st_size <= MAX_BYTES, (path, path.stat().st_size)
    return path


def test_website_screenshots(pages, url, world):
    find, narrow, participate = WALK
    page = pages.new(
        viewport={"width": 1280, "height": 800},
        geolocation={"latitude": world.paris_position[0], "longitude": world.paris_position[1]},
        permissions=["geolocation"],
    )

    page.goto(url("paris"))
    page.get_by_role("button", name="Me localiser").click()
    expect(page.locator("#map .leaflet-interactive").first).to_be_visible()
    save(page, find.image, find.width, find.height)

    page.goto(url("paris", "/?where=75011&cause=environnement&step_free=on"))
    expect(page.locator("details.filters")).to_have_attribute("open", "")
    save(page, narrow.image, narrow.width, narrow.height)

    page.goto(url("paris", f"/missions/{world.paris_missions[GARDEN]}/"))
    expect(page.get_by_role("button", name="Je participe")).to_be_visible()
    page.get_by_role("button", name="Je participe").scroll_into_view_if_needed()
    save(page, participate.image, participate.width, participate.height)

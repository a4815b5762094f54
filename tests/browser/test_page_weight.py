"""The home page's weight as a browser receives it: HTML + CSS + JS transferred (compressed the
way the server sends them; map tiles and the favicon excluded) stays within 200 KB."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BUDGET_BYTES = 200 * 1024
COUNTED = {"document", "stylesheet", "script"}


def transferred(page, path: str, url) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Bytes on the wire (headers + encoded body) per resource type for one cold page load."""
    requests = []
    page.on("requestfinished", lambda request: requests.append(request))
    page.goto(url("paris", path))
    expect(page.locator("#map .leaflet-interactive").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    totals: dict[str, int] = {}
    for request in requests:
        if not request.url.startswith(url("paris", "")):
            continue  # tiles: answered locally, excluded by the budget
        sizes = request.sizes()
        kind = request.resource_type
        totals[kind] = (
            totals.get(kind, 0) + sizes["responseBodySize"] + sizes["responseHeadersSize"]
        )
    return totals


def test_home_page_html_css_and_js_stay_within_200_kb(pages, url, world):
    page = pages.new()

    totals = transferred(page, "/?where=75011", url)

    counted = sum(size for kind, size in totals.items() if kind in COUNTED)
    print(f"\nhome page transferred: {totals} — HTML+CSS+JS {counted / 1024:.1f} KB")
    assert set(totals) >= COUNTED
    assert counted <= BUDGET_BYTES


def test_static_files_are_sent_compressed(pages, url, world):
    page = pages.new()
    responses = {}
    page.on("response", lambda response: responses.setdefault(response.url, response))
    page.goto(url("paris"))
    page.wait_for_load_state("networkidle")

    # Hashed names, as production serves them (ManifestStaticFilesStorage).
    leaflet = next(r for a, r in responses.items() if re.search(r"/leaflet\.[0-9a-f]{12}\.js$", a))
    htmx = next(r for a, r in responses.items() if re.search(r"/htmx-2\.min\.[0-9a-f]{12}\.js$", a))

    assert leaflet.header_value("content-encoding") in {"gzip", "br"}
    assert htmx.header_value("content-encoding") in {"gzip", "br"}
    assert "immutable" in (leaflet.header_value("cache-control") or "")

"""The Content-Security-Policy leaves every page working: no violation reported by Chromium on
the main pages (maps with the tenant's tiles, htmx search, forms, the organization space)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# Collects what the browser refuses under the page's policy, from the first script on.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate("() => window.__cspViolations")


def test_main_pages_report_no_csp_violation(pages, url, world):
    page = pages.new(
        geolocation={"latitude": world.paris_position[0], "longitude": world.paris_position[1]},
        permissions=["geolocation"],
    )
    page.add_init_script(RECORD_VIOLATIONS)
    garden = world.paris_missions["Jardin partagé de la Folie-Méricourt"]
    found: dict[str, list[str]] = {}

    page.goto(url("paris"))
    page.get_by_role("button", name="Me localiser").click()
    expect(page.locator("#locate-status")).to_contain_text("Position trouvée")
    page.locator("details.filters > summary").click()
    page.get_by_label("Environnement et nature").check()  # htmx swaps the results
    expect(page.locator("#results-status")).to_have_text("2 missions")
    found["/ (search, map)"] = violations(page)

    for slug, path in [
        ("paris", f"/missions/{garden}/"),
        ("paris", "/accounts/login/"),
        ("paris", "/accounts/signup/"),
        ("montreal", "/"),
        ("acme", "/"),
    ]:
        page.goto(url(slug, path))
        page.wait_for_load_state("load")
        found[f"{slug} {path}"] = violations(page)

    assert {where: seen for where, seen in found.items() if seen} == {}
    assert pages.errors == []
    # The recorder works: an injected inline script is refused and reported.
    page.evaluate(
        "() => document.body.appendChild(Object.assign(document.createElement('script'),"
        " {textContent: 'window.injected = true'}))"
    )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert violations(page) == ["script-src-elem inline"]
    assert page.evaluate("() => window.injected") is None


def test_the_map_loads_the_tenant_tiles_under_the_policy(pages, url, world):
    page = pages.new()
    page.add_init_script(RECORD_VIOLATIONS)
    garden = world.paris_missions["Jardin partagé de la Folie-Méricourt"]

    page.goto(url("paris", f"/missions/{garden}/"))

    expect(page.locator("#mission-map img.leaflet-tile-loaded").first).to_be_visible()
    assert violations(page) == []
    assert pages.errors == []

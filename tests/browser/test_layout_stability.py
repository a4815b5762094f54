"""Nothing moves once drawn: the layout shifts Chromium records while the home and mission pages
load on a phone (the menu folding, the map and "locate me" appearing once their scripts run) add
up to less than 0.1, the "good" Cumulative Layout Shift of Core Web Vitals (bench/lighthouse.py
measures the Lighthouse figures). Without scripts, the menu wraps and the script-only controls
are not shown."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

GOOD_CLS = 0.1
SCRIPT_DELAY_SECONDS = 0.4

# Every layout shift of the page so far (buffered: from the first paint), with the elements that
# moved, summed: an upper bound of the Cumulative Layout Shift (which keeps the worst window).
LAYOUT_SHIFTS = """
() => new Promise((resolve) => {
  const shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      const moved = (entry.sources || []).map((source) => {
        const node = source.node;
        if (!node || !node.tagName) return "?";
        return node.tagName.toLowerCase() + (node.id ? "#" + node.id : "")
          + (node.className && typeof node.className === "string"
             ? "." + node.className.trim().split(/\\s+/).join(".") : "");
      });
      shifts.push({value: entry.value, moved: moved});
    }
  }).observe({type: "layout-shift", buffered: true});
  // Two frames and a pause: shifts caused by the last scripts are recorded by then.
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => resolve(shifts), 500)));
})
"""


def phone_with_late_scripts(pages: Any) -> Any:
    """A phone page whose scripts arrive after the first paint, as on a phone network
    (Lighthouse's mobile run shows it): moves made by scripts then count. On loopback the
    scripts would run before the first paint and hide them."""
    page = pages.new(phone=True)

    def late(route: Any) -> None:
        time.sleep(SCRIPT_DELAY_SECONDS)
        route.continue_()

    page.route(re.compile(r"/static/.+\.js$"), late)
    return page


def layout_shifts(page: Any) -> tuple[float, list[dict[str, Any]]]:
    page.wait_for_load_state("load")
    shifts = page.evaluate(LAYOUT_SHIFTS)
    return sum(shift["value"] for shift in shifts), shifts


def test_home_page_on_a_phone_does_not_shift(pages, url, world):
    page = phone_with_late_scripts(pages)
    page.goto(url("paris", "/"))
    # The map is drawn (Leaflet and map.js have run) and the menu folded.
    expect(page.locator("#map .leaflet-interactive").first).to_be_visible()
    expect(page.locator("[data-menu-toggle]")).to_be_visible()
    expect(page.locator(".site-nav")).to_be_hidden()

    total, shifts = layout_shifts(page)

    assert total < GOOD_CLS, shifts
    assert pages.errors == []


def test_mission_page_on_a_phone_does_not_shift(pages, url, world):
    mission_id = next(iter(world.paris_missions.values()))
    page = phone_with_late_scripts(pages)
    page.goto(url("paris", f"/missions/{mission_id}/"))
    expect(page.locator("h1")).to_be_visible()

    total, shifts = layout_shifts(page)

    assert total < GOOD_CLS, shifts
    assert pages.errors == []


def boxes(page: Any) -> dict[str, list[float]]:
    return page.evaluate(
        """(selectors) => Object.fromEntries(selectors.map((selector) => {
             const box = document.querySelector(selector).getBoundingClientRect();
             return [selector, [box.top, box.height]];
           }))""",
        ["header.site-header", "main", ".locate", "#results"],
    )


def test_scripts_do_not_move_what_the_first_paint_drew_on_a_phone(pages, url, world):
    """The page as drawn before its scripts arrive (here: never) is laid out as it is once the
    menu script and the map have run: the same header height, the results at the same place."""
    before_scripts = pages.new(phone=True)
    before_scripts.route(re.compile(r"/static/.+\.js$"), lambda route: route.abort())
    before_scripts.goto(url("paris", "/"))
    before_scripts.wait_for_load_state("load")
    scripted = pages.new(phone=True)
    scripted.goto(url("paris", "/"))
    expect(scripted.locator("#map .leaflet-interactive").first).to_be_visible()

    assert boxes(before_scripts) == boxes(scripted)


def test_phone_menu_opens_and_closes_from_its_button(pages, url, world):
    page = pages.new(phone=True)
    page.goto(url("paris", "/"))
    toggle = page.locator("[data-menu-toggle]")
    nav = page.locator(".site-nav")
    page.wait_for_load_state("load")
    expect(nav).to_be_hidden()

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Se connecter", exact=True)).to_be_visible()
    toggle.click()

    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()


def test_without_scripts_the_menu_wraps_and_script_controls_stay_out(pages, url, world):
    page = pages.new(phone=True, java_script_enabled=False)
    page.goto(url("paris", "/"))

    expect(page.locator(".site-nav").get_by_role("link", name="Se connecter")).to_be_visible()
    expect(page.locator("[data-menu-toggle]")).to_be_hidden()
    expect(page.locator("[data-geolocate]")).to_be_hidden()
    expect(page.locator("#map")).to_be_hidden()
    # The list of missions is there all the same.
    expect(page.locator(".mission-card").first).to_be_visible()

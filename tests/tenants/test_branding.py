"""Tenant branding: readable text whatever the colours, AA links, a favicon, and a fallback for a
colour that is not one."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tenants.branding import (
    PAGE_BACKGROUND,
    branding_for,
    contrast_ratio,
    favicon_data_uri,
    readable_link_colour,
    readable_text_on,
)
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("background", "expected"),
    [
        ("#0d2a5c", "#ffffff"),
        ("#ffdd00", "#111111"),
        ("#0f9d8a", "#111111"),
        ("#777777", "#000000"),
    ],
)
def test_text_on_a_colour_is_the_more_readable_of_black_and_white(background, expected):
    assert readable_text_on(background) == expected
    assert contrast_ratio(background, readable_text_on(background)) >= 4.5


def test_every_grey_gets_text_that_passes_aa():
    for level in range(0, 256, 5):
        background = f"#{level:02x}{level:02x}{level:02x}"
        assert contrast_ratio(background, readable_text_on(background)) >= 4.5, background


def test_a_light_brand_colour_is_darkened_for_links():
    link = readable_link_colour("#ffcc00", PAGE_BACKGROUND)

    assert link != "#ffcc00"
    assert contrast_ratio(link, PAGE_BACKGROUND) >= 4.5
    assert readable_link_colour("#0d2a5c", PAGE_BACKGROUND) == "#0d2a5c"


def test_branding_of_a_tenant(paris):
    branding = branding_for(paris)

    assert branding.name == "Paris"
    assert branding.primary == "#0d2a5c"
    assert branding.on_primary == "#ffffff"
    assert branding.link == "#0d2a5c"
    assert contrast_ratio(branding.accent_text, PAGE_BACKGROUND) >= 4.5
    assert contrast_ratio(branding.focus, PAGE_BACKGROUND) >= 3
    assert branding.logo_url == ""
    assert "--brand-primary:#0d2a5c;" in branding.css_variables
    assert "--brand-on-accent:#ffffff;" in branding.css_variables
    assert branding.favicon_url.startswith("data:image/svg+xml,")


def test_an_invalid_colour_falls_back_to_a_readable_one():
    tenant = Tenant(name="Nulle part", slug="nulle", primary_color="red", accent_color="#12")

    branding = branding_for(tenant)

    assert branding.primary == "#1f4e8c"
    assert branding.accent == "#b34700"
    assert contrast_ratio(branding.primary, branding.on_primary) >= 4.5


def test_favicon_shows_the_initial_in_the_brand_colours():
    uri = favicon_data_uri(initial="<Évry>", background="#0d2a5c", foreground="#ffffff")

    svg = unquote(uri.removeprefix("data:image/svg+xml,"))
    assert "fill='#0d2a5c'" in svg
    assert ">&lt;</text>" in svg


def test_a_tenant_with_a_logo_uses_it_as_favicon(acme):
    acme.logo.name = "branding/acme/logo.png"

    branding = branding_for(acme)

    assert branding.logo_url.startswith("/branding/logo?v=")
    assert branding.favicon_url == branding.logo_url

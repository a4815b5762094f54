"""The contrast check of the brand colours: exact WCAG ratios, the pairs the site draws, and
messages that say which pair fails and by how much."""

from __future__ import annotations

import pytest
from django.utils import translation

from tenants.branding import (
    PAGE_BACKGROUND,
    SURFACE_BACKGROUND,
    brand_contrast_checks,
    brand_preview,
    contrast_ratio,
    format_ratio,
)


def test_black_on_white_is_21_to_1():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert format_ratio(contrast_ratio("#000000", "#ffffff")) == "21"


def test_a_colour_on_itself_is_1_to_1():
    assert contrast_ratio("#1f4e8c", "#1f4e8c") == pytest.approx(1.0)


def test_777777_on_white_is_4_48_and_short_of_aa():
    ratio = contrast_ratio("#777777", "#ffffff")

    assert ratio == pytest.approx(4.478, abs=0.001)
    assert ratio < 4.5
    with translation.override("en"):
        assert format_ratio(ratio, 4.5) == "4.48"


def test_a_ratio_just_under_the_minimum_never_shows_as_reaching_it():
    with translation.override("en"):
        assert format_ratio(4.497, 4.5) == "4.49"
        assert format_ratio(4.497) == "4.5"
        assert format_ratio(3.0) == "3"


def test_ratios_are_written_the_french_way_in_french():
    with translation.override("fr"):
        assert format_ratio(4.478, 4.5) == "4,48"


def test_the_checks_are_the_pairs_the_stylesheet_draws():
    checks = brand_contrast_checks("#1f4e8c", "#b34700")

    assert [(c.field, c.sources, c.minimum) for c in checks] == [
        ("primary_color", ("on-primary", "primary"), 4.5),
        ("primary_color", ("primary", SURFACE_BACKGROUND), 4.5),
        ("primary_color", ("primary", PAGE_BACKGROUND), 4.5),
        ("accent_color", ("on-accent", "accent"), 4.5),
        ("accent_color", ("accent", PAGE_BACKGROUND), 3.0),
    ]
    assert [c.foreground for c in checks] == ["#ffffff", "#1f4e8c", "#1f4e8c", "#ffffff", "#b34700"]
    assert all(check.passes for check in checks)


def test_a_grey_primary_fails_as_a_link_with_its_figures():
    with translation.override("en"):
        failing = [c for c in brand_contrast_checks("#777777", "#b34700") if not c.passes]

        assert [c.message for c in failing] == [
            "Links on cards: #777777 on white (#ffffff) has a contrast of 4.48:1; AA needs 4.5:1.",
            "Links on the page: #777777 on #f6f7f9 has a contrast of 4.18:1; AA needs 4.5:1.",
        ]


def test_a_yellow_accent_fails_as_the_focus_outline_but_not_as_a_button():
    with translation.override("en"):
        checks = {str(c.usage): c for c in brand_contrast_checks("#1f4e8c", "#ffcc00")}
        assert checks["Buttons"].passes  # its text is near-black
        assert checks["Buttons"].foreground == "#111111"
        focus = checks["Focus outline on the page"]
        assert not focus.passes
        assert focus.message == (
            "Focus outline on the page: #ffcc00 on #f6f7f9 has a contrast of 1.41:1; AA needs 3:1."
        )


def test_text_on_a_brand_colour_always_passes():
    for level in range(0, 256, 15):
        colour = f"#{level:02x}{255 - level:02x}{level // 2:02x}"
        checks = brand_contrast_checks(colour, colour)
        assert checks[0].passes and checks[3].passes, colour


def test_the_preview_keeps_the_tenants_colour_for_one_that_is_not_a_colour(paris):
    preview = brand_preview("red", "#FFCC00", fallback=paris)

    assert preview.primary == paris.primary_color
    assert preview.accent == "#ffcc00"
    assert preview.on_accent == "#111111"
    assert not preview.passes

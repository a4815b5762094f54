"""A tenant's look: colours as CSS custom properties, with readable text colours computed from
their contrast (WCAG 2.1 relative luminance), a logo and a favicon.

Whatever colours a tenant picks, the page stays readable: text on a brand colour is black or
white (whichever contrasts more), brand colours used as text are darkened until they reach AA on
the page background, and an invalid colour falls back to the platform's own.

The back office refuses, before saving, colours that would need such a correction where the site
uses them as they are (`brand_contrast_checks`): an admin sees on the site the colours they chose.
The corrections stay for colours set elsewhere (provisioning, the platform API).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from urllib.parse import quote

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant

DARK_TEXT = "#111111"
LIGHT_TEXT = "#ffffff"
# The page background of static/css/entraide.css (--page), and its cards (--surface).
PAGE_BACKGROUND = "#f6f7f9"
SURFACE_BACKGROUND = "#ffffff"
FALLBACK_PRIMARY = "#1f4e8c"
FALLBACK_ACCENT = "#b34700"
# AA for normal text; 3:1 for focus rings and other non-text contrast (WCAG 1.4.11).
MINIMUM_CONTRAST = 4.5
MINIMUM_NON_TEXT_CONTRAST = 3.0

HEX_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")


def valid_colour(value: str | None, fallback: str) -> str:
    return value.lower() if value and HEX_PATTERN.match(value) else fallback


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    colour = hex_colour.lstrip("#")
    red, green, blue = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return red, green, blue


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.03928 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    red, green, blue = _rgb(hex_colour)
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_text_on(background: str) -> str:
    """White or near-black, whichever reads better on the background (pure black if even
    near-black falls short of AA)."""
    on_light = contrast_ratio(background, DARK_TEXT)
    on_dark = contrast_ratio(background, LIGHT_TEXT)
    if max(on_light, on_dark) >= MINIMUM_CONTRAST:
        return LIGHT_TEXT if on_dark > on_light else DARK_TEXT
    # Mid greys: pure black always reaches AA where neither of the two above does.
    return "#000000"


def _darken(colour: str, factor: float) -> str:
    red, green, blue = _rgb(colour)
    return f"#{int(red * factor):02x}{int(green * factor):02x}{int(blue * factor):02x}"


def readable_link_colour(
    colour: str, background: str = "#ffffff", minimum: float = MINIMUM_CONTRAST
) -> str:
    """The brand colour for text on the background if it passes AA, else a darkened fallback."""
    if contrast_ratio(colour, background) >= minimum:
        return colour
    for step in range(1, 20):
        candidate = _darken(colour, 1 - step * 0.05)
        if contrast_ratio(candidate, background) >= minimum:
            return candidate
    return DARK_TEXT


def favicon_data_uri(*, initial: str, background: str, foreground: str) -> str:
    """A rounded square in the brand colour with the tenant's initial, as an SVG data URI."""
    letter = (initial.strip()[:1] or "E").upper()
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>"
        f"<rect width='32' height='32' rx='7' fill='{background}'/>"
        "<text x='16' y='23' font-family='Arial,sans-serif' font-size='19' font-weight='700' "
        f"text-anchor='middle' fill='{foreground}'>{_xml_escape(letter)}</text></svg>"
    )
    return "data:image/svg+xml," + quote(svg, safe="/:=' ,")


def _xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
    )


def format_ratio(ratio: float, minimum: float | None = None) -> str:
    """A contrast ratio as people read it ("4.48", "21"), in the active language's number format;
    a ratio under `minimum` never shows as reaching it (4.497 is "4.49", not "4.5")."""
    shown = round(ratio, 2)
    if minimum is not None and ratio < minimum <= shown:
        shown = math.floor(ratio * 100) / 100
    decimals = 0 if shown == int(shown) else (1 if shown * 10 == int(shown * 10) else 2)
    return number_format(shown, decimal_pos=decimals)


def _colour_name(colour: str) -> str:
    names = {"#ffffff": gettext("white"), "#000000": gettext("black"), DARK_TEXT: gettext("black")}
    name = names.get(colour.lower())
    return f"{name} ({colour.lower()})" if name else colour.lower()


@dataclass(frozen=True)
class ContrastCheck:
    """One pair of colours the site draws, its contrast ratio and the minimum WCAG AA asks."""

    field: str  # the Tenant field the pair comes from: "primary_color" or "accent_color"
    usage: str | Promise
    # What each colour is, for the preview's script to recompute the pair as one types:
    # "primary", "accent", "on-primary", "on-accent" (the text drawn on them), or a fixed colour.
    sources: tuple[str, str]
    foreground: str
    background: str
    ratio: float
    minimum: float

    @property
    def passes(self) -> bool:
        return self.ratio >= self.minimum

    @property
    def ratio_text(self) -> str:
        return format_ratio(self.ratio, self.minimum)

    @property
    def message(self) -> str:
        """Why the pair is refused, e.g. "Links on the page: #777777 on white (#ffffff) has a
        contrast of 4.48:1; AA needs 4.5:1."."""
        return gettext(
            "%(usage)s: %(foreground)s on %(background)s has a contrast of %(ratio)s:1; "
            "AA needs %(minimum)s:1."
        ) % {
            "usage": self.usage,
            "foreground": _colour_name(self.foreground),
            "background": _colour_name(self.background),
            "ratio": self.ratio_text,
            "minimum": format_ratio(self.minimum),
        }


def _check(
    field: str,
    usage: Promise,
    sources: tuple[str, str],
    colours: tuple[str, str],
    minimum: float,
) -> ContrastCheck:
    foreground, background = colours
    return ContrastCheck(
        field=field,
        usage=usage,
        sources=sources,
        foreground=foreground,
        background=background,
        ratio=contrast_ratio(foreground, background),
        minimum=minimum,
    )


def brand_contrast_checks(primary: str, accent: str) -> list[ContrastCheck]:
    """The pairs static/css/entraide.css draws with the brand colours as they are, each with its
    ratio (valid #rrggbb colours only).

    Text on a brand colour (header, buttons, badges) is white or black, whichever reads better, so
    those pairs always pass; they are listed so the admin sees the figures. The primary colour is
    the links' colour on cards (white) and on the page background; the accent colour draws the
    focus outline (non-text: 3:1, WCAG 1.4.11). Where the accent is used as text (the status line
    of error pages) it is darkened to AA, so that use refuses nothing.
    """

    primary, accent = primary.lower(), accent.lower()
    on_primary, on_accent = readable_text_on(primary), readable_text_on(accent)
    return [
        _check(
            "primary_color",
            _("Header and primary buttons"),
            ("on-primary", "primary"),
            (on_primary, primary),
            MINIMUM_CONTRAST,
        ),
        _check(
            "primary_color",
            _("Links on cards"),
            ("primary", SURFACE_BACKGROUND),
            (primary, SURFACE_BACKGROUND),
            MINIMUM_CONTRAST,
        ),
        _check(
            "primary_color",
            _("Links on the page"),
            ("primary", PAGE_BACKGROUND),
            (primary, PAGE_BACKGROUND),
            MINIMUM_CONTRAST,
        ),
        _check(
            "accent_color",
            _("Buttons"),
            ("on-accent", "accent"),
            (on_accent, accent),
            MINIMUM_CONTRAST,
        ),
        _check(
            "accent_color",
            _("Focus outline on the page"),
            ("accent", PAGE_BACKGROUND),
            (accent, PAGE_BACKGROUND),
            MINIMUM_NON_TEXT_CONTRAST,
        ),
    ]


@dataclass(frozen=True)
class BrandPreview:
    """Two brand colours as the site would draw them: the text on each, and every checked pair."""

    primary: str
    accent: str
    on_primary: str
    on_accent: str
    checks: list[ContrastCheck]

    @property
    def passes(self) -> bool:
        return all(check.passes for check in self.checks)


def brand_preview(primary: str, accent: str, *, fallback: Tenant | None = None) -> BrandPreview:
    """The preview of two colours as typed; one that is not #rrggbb shows the tenant's own (or
    the platform's)."""
    primary = valid_colour(
        (primary or "").strip(),
        valid_colour(getattr(fallback, "primary_color", None), FALLBACK_PRIMARY),
    )
    accent = valid_colour(
        (accent or "").strip(),
        valid_colour(getattr(fallback, "accent_color", None), FALLBACK_ACCENT),
    )
    return BrandPreview(
        primary=primary,
        accent=accent,
        on_primary=readable_text_on(primary),
        on_accent=readable_text_on(accent),
        checks=brand_contrast_checks(primary, accent),
    )


@dataclass(frozen=True)
class Branding:
    name: str
    tagline: str
    primary: str
    accent: str
    on_primary: str
    on_accent: str
    # The primary colour as text on the page background (AA).
    link: str
    # The accent as text on the page background (AA), for small highlights.
    accent_text: str
    # Focus ring: ≥ 3:1 against the page background.
    focus: str
    logo_url: str
    favicon_url: str
    # The picture link previews show (a path; the page makes it absolute), or "".
    social_image_url: str = ""
    # A members-only instance: pages give link previews and search engines nothing.
    is_private: bool = False

    @property
    def css_variables(self) -> str:
        return (
            f"--brand-primary:{self.primary};--brand-accent:{self.accent};"
            f"--brand-on-primary:{self.on_primary};--brand-on-accent:{self.on_accent};"
            f"--brand-link:{self.link};--brand-accent-text:{self.accent_text};"
            f"--brand-focus:{self.focus};"
        )


def branding_version(tenant: Tenant) -> int:
    """What the branding files' URLs carry (?v=): changes whenever the tenant is saved."""
    return int(tenant.updated_at.timestamp()) if tenant.updated_at else 0


@functools.lru_cache(maxsize=1024)
def _palette(primary: str, accent: str) -> tuple[str, str, str, str, str]:
    """The colours derived from the two brand colours (contrast searches: computed once per
    pair and process, not on every page)."""
    return (
        readable_text_on(primary),
        readable_text_on(accent),
        readable_link_colour(primary, PAGE_BACKGROUND),
        readable_link_colour(accent, PAGE_BACKGROUND),
        readable_link_colour(accent, PAGE_BACKGROUND, MINIMUM_NON_TEXT_CONTRAST),
    )


def branding_for(tenant: Tenant) -> Branding:
    primary = valid_colour(tenant.primary_color, FALLBACK_PRIMARY)
    accent = valid_colour(tenant.accent_color, FALLBACK_ACCENT)
    on_primary, on_accent, link, accent_text, focus = _palette(primary, accent)
    version = branding_version(tenant)
    logo_url = f"/branding/logo?v={version}" if tenant.logo else ""
    social_image_url = (
        f"/branding/social-image?v={version}"
        if tenant.social_image and not tenant.is_private
        else ""
    )
    return Branding(
        name=tenant.name,
        tagline=tenant.tagline,
        primary=primary,
        accent=accent,
        on_primary=on_primary,
        on_accent=on_accent,
        link=link,
        accent_text=accent_text,
        focus=focus,
        logo_url=logo_url,
        favicon_url=logo_url
        or favicon_data_uri(initial=tenant.name, background=primary, foreground=on_primary),
        social_image_url=social_image_url,
        is_private=tenant.is_private,
    )


def platform_branding() -> Branding:
    """The product's own, neutral look: the public host, unknown hosts and their error pages."""
    on_primary = readable_text_on(FALLBACK_PRIMARY)
    return Branding(
        name="Entraide",
        tagline="",
        primary=FALLBACK_PRIMARY,
        accent=FALLBACK_ACCENT,
        on_primary=on_primary,
        on_accent=readable_text_on(FALLBACK_ACCENT),
        link=readable_link_colour(FALLBACK_PRIMARY, PAGE_BACKGROUND),
        accent_text=readable_link_colour(FALLBACK_ACCENT, PAGE_BACKGROUND),
        focus=readable_link_colour(FALLBACK_ACCENT, PAGE_BACKGROUND, MINIMUM_NON_TEXT_CONTRAST),
        logo_url="",
        favicon_url=favicon_data_uri(
            initial="E", background=FALLBACK_PRIMARY, foreground=on_primary
        ),
    )

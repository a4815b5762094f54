"""A tenant's look: colours as CSS custom properties, with readable text colours computed from
their contrast (WCAG 2.1 relative luminance)."""

from __future__ import annotations

from dataclasses import dataclass

from tenants.models import Tenant

DARK_TEXT = "#111111"
LIGHT_TEXT = "#ffffff"
# AA for normal text.
MINIMUM_CONTRAST = 4.5


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.03928 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    colour = hex_colour.lstrip("#")
    red, green, blue = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_text_on(background: str) -> str:
    """White or near-black, whichever reads better on the background."""
    on_light = contrast_ratio(background, DARK_TEXT)
    on_dark = contrast_ratio(background, LIGHT_TEXT)
    return DARK_TEXT if on_light >= on_dark else LIGHT_TEXT


def readable_link_colour(colour: str, background: str = "#ffffff") -> str:
    """The brand colour for text on white if it passes AA, else a darkened fallback."""
    if contrast_ratio(colour, background) >= MINIMUM_CONTRAST:
        return colour
    red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    for step in range(1, 20):
        factor = 1 - step * 0.05
        candidate = f"#{int(red * factor):02x}{int(green * factor):02x}{int(blue * factor):02x}"
        if contrast_ratio(candidate, background) >= MINIMUM_CONTRAST:
            return candidate
    return DARK_TEXT


@dataclass(frozen=True)
class Branding:
    name: str
    tagline: str
    primary: str
    accent: str
    on_primary: str
    on_accent: str
    link: str
    logo_url: str

    @property
    def css_variables(self) -> str:
        return (
            f"--brand-primary:{self.primary};--brand-accent:{self.accent};"
            f"--brand-on-primary:{self.on_primary};--brand-on-accent:{self.on_accent};"
            f"--brand-link:{self.link};"
        )


def branding_for(tenant: Tenant) -> Branding:
    return Branding(
        name=tenant.name,
        tagline=tenant.tagline,
        primary=tenant.primary_color,
        accent=tenant.accent_color,
        on_primary=readable_text_on(tenant.primary_color),
        on_accent=readable_text_on(tenant.accent_color),
        link=readable_link_colour(tenant.primary_color),
        logo_url="/branding/logo" if tenant.logo else "",
    )

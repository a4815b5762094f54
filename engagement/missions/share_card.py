"""The picture a link preview shows for a mission (<meta property="og:image">): a 1200 × 630 PNG
with the mission's title, its next date, its place and its organization, in the tenant's colours
and with the tenant's logo.

What the picture shows is gathered first (`share_card_for`): its `version` is a digest of those
facts, so the picture's URL, its ETag and its cache key change exactly when the picture would.
Drawing takes tens of milliseconds (docs/benchmarks.md, "Mission share pictures"), so the bytes
are kept in the cache (Redis, keyed by the tenant's schema) under that version; a Redis outage
only means drawing again.

Nothing here fails a request: a logo that is gone or unreadable (or an SVG, which Pillow does
not draw) leaves the picture without it, and a missing font falls back to Pillow's own.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from django.core.cache import cache
from django.db.models.fields.files import FieldFile
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from engagement.missions.models import Mission
from engagement.templatetags.engagement_tags import when
from tenants.branding import SURFACE_BACKGROUND, branding_for, readable_link_colour
from tenants.images import MAX_PIXELS
from tenants.models import Tenant
from tenants.storage import stored_file_read

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
MARGIN = 64
BAND_HEIGHT = 120
LOGO_SIDE = 80
CACHE_SECONDS = 7 * 24 * 3600
# Debian's fonts-dejavu-core (the Dockerfile installs it), then Liberation, then Pillow's own.
FONT_DIRECTORIES = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/liberation"),
)
FONT_FILES = {
    "bold": ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"),
    "regular": ("DejaVuSans.ttf", "LiberationSans-Regular.ttf"),
}
TITLE_SIZE, TITLE_SMALL_SIZE = 64, 52
TITLE_MAX_LINES = 3
TEXT_SIZE = 34
BAND_TEXT_SIZE = 40


@dataclass(frozen=True)
class ShareCard:
    """Everything the picture shows, as text and colours (and the storage names of logos)."""

    title: str
    when: str
    place: str
    organization: str
    tenant_name: str
    primary: str
    on_primary: str
    accent: str
    link: str
    tenant_logo: str
    language: str

    @property
    def version(self) -> str:
        """A short digest of what the picture shows: it versions the URL and is the ETag."""
        facts = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(facts.encode()).hexdigest()[:16]


def _when_text(mission: Mission) -> str:
    slots = list(getattr(mission, "upcoming_slots", ()))
    if not slots:
        return ""
    text = when(slots[0].starts_at, slots[0].ends_at)
    others = len(slots) - 1
    if others:
        text += " " + ngettext(
            "(and %(count)d other date)", "(and %(count)d other dates)", others
        ) % {"count": others}
    return text


def _place_text(mission: Mission) -> str:
    if mission.is_remote:
        return _("Remote")
    town = f"{mission.postcode} {mission.city}".strip()
    return ", ".join(part for part in (mission.address, town) if part)


def share_card_for(*, mission: Mission, tenant: Tenant) -> ShareCard:
    """The facts of the mission's picture. `mission` comes from
    engagement.missions.selectors.mission_detail (its organization and upcoming slots loaded):
    no query here."""
    branding = branding_for(tenant)
    return ShareCard(
        title=mission.title,
        when=_when_text(mission),
        place=_place_text(mission),
        organization=mission.organization.name,
        tenant_name=branding.name,
        primary=branding.primary,
        on_primary=branding.on_primary,
        accent=branding.accent,
        link=readable_link_colour(branding.primary, SURFACE_BACKGROUND),
        tenant_logo=tenant.logo.name if tenant.logo else "",
        language=get_language() or "",
    )


# --- Drawing ------------------------------------------------------------------------------------


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=16)
def _font(weight: str, size: int) -> Font:
    for directory in FONT_DIRECTORIES:
        for name in FONT_FILES[weight]:
            path = directory / name
            if path.is_file():
                try:
                    return ImageFont.truetype(str(path), size)
                except OSError:
                    continue
    logger.warning("share_card.font_missing", extra={"weight": weight})
    return ImageFont.load_default(size=size)


def _text_width(draw: ImageDraw.ImageDraw, text: str, font: Font) -> float:
    return draw.textlength(text, font=font)


def _wrapped(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: Font,
    width: int,
    max_lines: int,
) -> list[str]:
    """`text` in lines at most `width` pixels wide, at most `max_lines` (the last one ends with
    an ellipsis when the text goes on); a word longer than a line is cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if _text_width(draw, candidate, font) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while _text_width(draw, current, font) > width and len(current) > 1:
            cut = len(current)
            while cut > 1 and _text_width(draw, current[:cut], font) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and _text_width(draw, last + "…", font) > width:
            last = last[:-1].rstrip()
        lines = [*lines[: max_lines - 1], last + "…"]
    return lines


def _logo(file: FieldFile | None) -> Image.Image | None:
    """The logo scaled to fit LOGO_SIDE, or None when there is none or it cannot be read."""
    if not file:
        return None
    try:
        data = stored_file_read(file)
        with Image.open(BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            image.seek(0)
            logo = image.convert("RGBA")
            logo.thumbnail((LOGO_SIDE, LOGO_SIDE))
            return logo
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        logger.info("share_card.logo_unreadable")
        return None


def share_card_png(card: ShareCard, *, tenant_logo: FieldFile | None = None) -> bytes:
    """Draw the picture."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, BAND_HEIGHT), fill=card.primary)
    draw.rectangle((0, HEIGHT - 16, WIDTH, HEIGHT), fill=card.accent)
    text_left = MARGIN
    logo = _logo(tenant_logo)
    if logo is not None:
        top = (BAND_HEIGHT - logo.height) // 2
        image.paste(logo, (MARGIN, top), logo)
        text_left = MARGIN + logo.width + 24
    band_font = _font("bold", BAND_TEXT_SIZE)
    band_lines = _wrapped(draw, card.tenant_name, band_font, WIDTH - text_left - MARGIN, 1)
    draw.text(
        (text_left, BAND_HEIGHT // 2),
        band_lines[0] if band_lines else "",
        font=band_font,
        fill=card.on_primary,
        anchor="lm",
    )

    width = WIDTH - 2 * MARGIN
    title_font = _font("bold", TITLE_SIZE)
    title_lines = _wrapped(draw, card.title, title_font, width, TITLE_MAX_LINES)
    if len(title_lines) == TITLE_MAX_LINES:
        title_font = _font("bold", TITLE_SMALL_SIZE)
        title_lines = _wrapped(draw, card.title, title_font, width, TITLE_MAX_LINES)
    y = BAND_HEIGHT + 48
    line_height = int(title_font.size * 1.2) if hasattr(title_font, "size") else 60
    for line in title_lines:
        draw.text((MARGIN, y), line, font=title_font, fill="#111111")
        y += line_height
    y += 24
    text_font = _font("regular", TEXT_SIZE)
    for text, colour in (
        (card.when, "#333333"),
        (card.place, "#333333"),
        (card.organization, card.link),
    ):
        if not text or y > HEIGHT - 16 - TEXT_SIZE - 24:
            continue
        shown = _wrapped(draw, text, text_font, width, 1)
        draw.text((MARGIN, y), shown[0], font=text_font, fill=colour)
        y += int(TEXT_SIZE * 1.45)
    output = BytesIO()
    image.save(output, format="PNG", optimize=False)
    return output.getvalue()


def share_card_cached_png(card: ShareCard, *, tenant: Tenant) -> bytes:
    """The picture's bytes from the cache, drawn and kept there on a miss."""
    key = f"share-card:{card.version}"
    data = cache.get(key)
    if isinstance(data, bytes):
        return data
    data = share_card_png(card, tenant_logo=tenant.logo or None)
    cache.set(key, data, CACHE_SECONDS)
    return data

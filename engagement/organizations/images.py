"""Pictures people upload (organization logos), checked and re-encoded with Pillow.

What is stored and served is always a PNG written here, at most LOGO_SIZE pixels a side: never
the uploaded bytes themselves, so no SVG (scripts), no polyglot file, no EXIF metadata (GPS
positions) and no oversized picture reaches a visitor.
"""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

LOGO_MAX_BYTES = 2 * 1024 * 1024
# Pillow decodes lazily: a few kilobytes can declare a picture of billions of pixels.
LOGO_MAX_PIXELS = 25_000_000
LOGO_SIZE = 512
LOGO_FORMATS = frozenset({"PNG", "JPEG", "WEBP", "GIF"})


class ImageRejected(ValueError):
    """The upload is not a picture we accept; the message says why, for the person."""


def check_logo_size(size: int) -> None:
    """Refuse an upload by its size alone (forms check it before reading the file)."""
    if size > LOGO_MAX_BYTES:
        raise ImageRejected(
            _("The picture is too large (at most %(size)d MB).")
            % {"size": LOGO_MAX_BYTES // (1024 * 1024)}
        )


def logo_png(data: bytes) -> bytes:
    """The uploaded picture as a PNG of at most LOGO_SIZE × LOGO_SIZE (proportions kept)."""
    if not data:
        raise ImageRejected(_("The file is empty."))
    check_logo_size(len(data))
    unreadable = _("This file is not a picture we can read (PNG, JPEG, WebP or GIF).")
    try:
        with Image.open(BytesIO(data)) as probe:
            if probe.format not in LOGO_FORMATS:
                raise ImageRejected(unreadable)
            if probe.width * probe.height > LOGO_MAX_PIXELS:
                raise ImageRejected(_("The picture has too many pixels."))
            probe.verify()
        with Image.open(BytesIO(data)) as image:
            image.seek(0)  # the first frame of an animation
            picture = ImageOps.exif_transpose(image).convert("RGBA")
            picture.thumbnail((LOGO_SIZE, LOGO_SIZE))
            output = BytesIO()
            picture.save(output, format="PNG", optimize=True)
    except ImageRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ImageRejected(unreadable) from None
    return output.getvalue()

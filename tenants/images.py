"""Pictures people upload, checked and re-encoded with Pillow (organization logos, a tenant's
logo and social image).

What is stored and served is always a file written here, at most a given number of pixels a side:
never the uploaded bytes themselves, so no SVG (scripts), no polyglot file, no EXIF metadata (GPS
positions) and no oversized picture reaches a visitor.
"""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow decodes lazily: a few kilobytes can declare a picture of billions of pixels.
MAX_PIXELS = 25_000_000
ACCEPTED_FORMATS = frozenset({"PNG", "JPEG", "WEBP", "GIF"})


class ImageRejected(ValueError):
    """The upload is not a picture we accept; the message says why, for the person."""


def check_upload_size(size: int, *, max_bytes: int) -> None:
    """Refuse an upload by its size alone (forms check it before reading the file)."""
    if size > max_bytes:
        raise ImageRejected(
            _("The picture is too large (at most %(size)d MB).")
            % {"size": max_bytes // (1024 * 1024)}
        )


def picture_reencoded(
    data: bytes,
    *,
    max_bytes: int,
    max_side: int,
    output_format: str = "PNG",
    min_side: int = 0,
) -> bytes:
    """The uploaded picture re-encoded (PNG keeps transparency; JPEG for photos), scaled down to
    at most `max_side` pixels a side (proportions kept); smaller than `min_side` is refused."""
    if not data:
        raise ImageRejected(_("The file is empty."))
    check_upload_size(len(data), max_bytes=max_bytes)
    unreadable = _("This file is not a picture we can read (PNG, JPEG, WebP or GIF).")
    try:
        with Image.open(BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ImageRejected(unreadable)
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected(_("The picture has too many pixels."))
            if min(probe.width, probe.height) < min_side:
                raise ImageRejected(
                    _("The picture is too small (at least %(side)d × %(side)d pixels).")
                    % {"side": min_side}
                )
            probe.verify()
        with Image.open(BytesIO(data)) as image:
            image.seek(0)  # the first frame of an animation
            picture = ImageOps.exif_transpose(image)
            picture = picture.convert("RGBA" if output_format == "PNG" else "RGB")
            picture.thumbnail((max_side, max_side))
            output = BytesIO()
            if output_format == "PNG":
                picture.save(output, format="PNG", optimize=True)
            else:
                picture.save(output, format=output_format, quality=85, optimize=True)
    except ImageRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ImageRejected(unreadable) from None
    return output.getvalue()

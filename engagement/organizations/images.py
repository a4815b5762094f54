"""Organization logos: checked and re-encoded as a PNG of at most LOGO_SIZE pixels a side by
tenants.images (no SVG, no polyglot file, no EXIF metadata reaches a visitor)."""

from __future__ import annotations

from tenants.images import ImageRejected, check_upload_size, picture_reencoded

__all__ = ["LOGO_MAX_BYTES", "LOGO_SIZE", "ImageRejected", "check_logo_size", "logo_png"]

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_SIZE = 512


def check_logo_size(size: int) -> None:
    """Refuse an upload by its size alone (forms check it before reading the file)."""
    check_upload_size(size, max_bytes=LOGO_MAX_BYTES)


def logo_png(data: bytes) -> bytes:
    """The uploaded picture as a PNG of at most LOGO_SIZE × LOGO_SIZE (proportions kept)."""
    return picture_reencoded(data, max_bytes=LOGO_MAX_BYTES, max_side=LOGO_SIZE)

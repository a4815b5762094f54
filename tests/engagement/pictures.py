"""Pictures for the logo tests, made with Pillow in memory."""

from __future__ import annotations

from io import BytesIO

from PIL import Image


def picture(fmt: str = "PNG", size: tuple[int, int] = (64, 32), colour: str = "#c0392b") -> bytes:
    output = BytesIO()
    mode = "RGB" if fmt == "JPEG" else "RGBA"
    Image.new(mode, size, colour).save(output, format=fmt)
    return output.getvalue()


def read(png: bytes) -> Image.Image:
    image = Image.open(BytesIO(png))
    image.load()
    return image

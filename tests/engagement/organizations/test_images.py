"""Uploaded logos: only pictures get through, always re-encoded as a bounded PNG."""

from io import BytesIO

import pytest
from django.utils import translation
from PIL import Image

from engagement.organizations.images import LOGO_MAX_BYTES, LOGO_SIZE, ImageRejected, logo_png
from tests.engagement.pictures import picture, read


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_each_accepted_format_becomes_a_png(fmt):
    result = read(logo_png(picture(fmt, (80, 40))))

    assert (result.format, result.size, result.mode) == ("PNG", (80, 40), "RGBA")


def test_a_large_picture_is_shrunk_keeping_its_proportions():
    result = read(logo_png(picture("PNG", (2000, 1000))))

    assert result.size == (LOGO_SIZE, LOGO_SIZE // 2)


def test_metadata_is_not_kept():
    output = BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    Image.new("RGB", (20, 20), "white").save(output, format="JPEG", exif=exif)

    result = logo_png(output.getvalue())

    assert b"secret description" in output.getvalue()
    assert b"secret description" not in result
    assert not read(result).getexif()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"%PDF-1.4 not a picture", "not a picture we can read"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "not a picture we can read",
        ),
        (picture("BMP"), "not a picture we can read"),
        (picture("PNG")[:60], "not a picture we can read"),
    ],
    ids=["empty", "pdf", "svg", "bmp", "truncated"],
)
def test_what_is_not_an_accepted_picture_is_refused(data, message):
    with pytest.raises(ImageRejected, match=message):
        logo_png(data)


def test_an_oversized_file_is_refused_before_decoding():
    with pytest.raises(ImageRejected, match="too large"):
        logo_png(b"\x89PNG" + b"\0" * LOGO_MAX_BYTES)


def test_a_decompression_bomb_is_refused():
    bomb = BytesIO()
    Image.new("1", (6_000, 6_000)).save(bomb, format="PNG")
    assert len(bomb.getvalue()) < 100_000  # a tiny file for 36 million pixels

    with pytest.raises(ImageRejected, match="too many pixels"):
        logo_png(bomb.getvalue())

"""Uploaded tenant logos are served so that they can never run script on the tenant's origin."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from tenants.branding import branding_for

EVIL_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)">'
    b"<script>fetch('/api/v1/me/participations/').then(r => r.text()).then(alert)</script>"
    b'<rect width="10" height="10"/></svg>'
)


@pytest.fixture
def logo(paris):  # type: ignore[no-untyped-def]
    def upload(name: str, content: bytes) -> None:
        paris.logo.save(name, ContentFile(content), save=True)

    yield upload
    paris.logo.delete(save=True)


def test_an_svg_logo_with_script_is_served_sandboxed(paris, client_for, logo):
    logo("logo.svg", EVIL_SVG)

    response = client_for(paris).get("/branding/logo")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="logo.svg"'
    assert b"".join(response.streaming_content) == EVIL_SVG  # shown in <img>, where no script runs


def test_a_logo_that_is_not_an_image_is_a_download(paris, client_for, logo):
    logo("logo.html", b"<script>alert(document.cookie)</script>")

    response = client_for(paris).get("/branding/logo")

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="logo.bin"'
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_png_logo_is_shown_inline(paris, client_for, logo):
    logo("logo.png", b"\x89PNG\r\n\x1a\n")

    response = client_for(paris).get("/branding/logo")

    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="logo.png"'
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_logo_under_its_current_version_is_kept_a_year_any_other_url_an_hour(
    paris, client_for, logo
):
    logo("logo.png", b"\x89PNG\r\n\x1a\n")
    paris.refresh_from_db()
    client = client_for(paris)
    current = branding_for(paris).logo_url

    versioned = client.get(current)
    stale = client.get("/branding/logo?v=1")
    bare = client.get("/branding/logo")

    assert current == f"/branding/logo?v={int(paris.updated_at.timestamp())}"
    assert versioned["Cache-Control"] == "public, max-age=31536000, immutable"
    assert stale["Cache-Control"] == "public, max-age=3600"
    assert bare["Cache-Control"] == "public, max-age=3600"

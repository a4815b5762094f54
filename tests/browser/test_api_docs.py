"""The API docs (Swagger UI) render in Chromium from our own static files: the browser reaches no
other origin (the shared context answers every outside request itself) and the strict
Content-Security-Policy lets the page run."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_the_schema_from_our_static_files(pages: Any, url: Any) -> None:
    page = pages.new()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(url("paris", "/api/docs/"))
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Entraide API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert [address for address in requested if ".entraide.test:" not in address] == []
    assert any("/static/drf_spectacular_sidecar/" in address for address in requested)

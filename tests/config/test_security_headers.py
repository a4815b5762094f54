"""Security headers on every kind of page: CSP without inline scripts (nonces), the tenant's map
tiles in img-src, Permissions-Policy, Referrer-Policy, frame protections, nosniff; HSTS only in
production."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from csp.constants import NONCE
from csp.decorators import csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django_tenants.utils import tenant_context

from config.security import SecurityHeadersMiddleware, cached_policy, tile_source
from tests.accounts.conftest import make_user

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
# An event handler attribute inside a tag: <a onclick="...">, <body onload=...>.
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
REPOSITORY = Path(__file__).resolve().parents[2]


def directives(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    policy = response["Content-Security-Policy"]
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_scripts_need_the_nonce(response) -> None:  # type: ignore[no-untyped-def]
    """Every <script> is a file of our own origin or carries this response's nonce; JSON data
    blocks (never executed) are the only other kind. No inline event handler anywhere."""
    page = response.content.decode()
    script_src = directives(response)["script-src"]
    nonces = {value[len("'nonce-") : -1] for value in script_src if value.startswith("'nonce-")}
    for attributes in SCRIPT_TAG.findall(page):
        if "src=" in attributes or 'type="application/json"' in attributes:
            continue
        nonce = re.search(r'nonce="([^"]+)"', attributes)
        assert nonce is not None and nonce.group(1) in nonces, attributes
    assert EVENT_HANDLER.search(page) is None, EVENT_HANDLER.search(page)


def assert_common_headers(response) -> None:  # type: ignore[no-untyped-def]
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    permissions = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    assert permissions.pop("geolocation") == "(self)"
    assert set(permissions.values()) == {"()"}
    assert {"camera", "microphone", "payment", "usb"} <= set(permissions)
    assert "Strict-Transport-Security" not in response


@pytest.mark.parametrize(
    "path",
    ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"],
)
def test_tenant_pages_have_a_nonce_policy_and_no_inline_script(paris, client_for, path):
    response = client_for(paris).get(path)

    assert response.status_code == 200
    assert_common_headers(response)
    assert_scripts_need_the_nonce(response)


def test_pages_of_a_signed_in_volunteer_have_no_inline_script(paris, client_for):
    user = make_user(paris, "lea@example.org")
    client = client_for(paris)
    with tenant_context(paris):
        client.force_login(user)

    for path in ["/", reverse("my-engagements", urlconf=settings.ROOT_URLCONF), "/accounts/email/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_common_headers(response)
        assert_scripts_need_the_nonce(response)


def test_public_host_pages_have_the_headers(client_for, db):
    for path in ["/", "/console/login/"]:
        response = client_for().get(path)
        assert response.status_code == 200, path
        assert_common_headers(response)
        assert_scripts_need_the_nonce(response)


def test_img_src_allows_the_tenant_tile_server_only(paris, montreal, client_for):
    montreal.tile_url = "https://{s}.tuiles.example.ca/{z}/{x}/{y}.png"
    montreal.save()

    paris_images = directives(client_for(paris).get("/"))["img-src"]
    montreal_images = directives(client_for(montreal).get("/"))["img-src"]

    assert paris_images == ["'self'", "data:", "https://tile.openstreetmap.org"]
    assert montreal_images == ["'self'", "data:", "https://*.tuiles.example.ca"]


@pytest.mark.parametrize(
    ("tile_url", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://127.0.0.1:8080/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
        ("https://tiles.example.org/{z}/{x}/{y}.png?key=a;b", "https://tiles.example.org"),
        ("javascript:alert(1)", None),
        ("https://{a}.tiles.example.org/{z}.png", None),
        ("https://evil.example; script-src *", None),
        ("", None),
        ("https://[::1/", None),
    ],
)
def test_tile_source_of_a_tile_url(tile_url, source):
    assert tile_source(tile_url) == source


def test_answers_of_the_routing_carry_the_headers(db):
    unknown = Client(HTTP_HOST="nowhere.entraide.test").get("/")
    missing = Client().get("/")

    assert unknown.status_code == 404
    assert missing.status_code == 400
    for response in (unknown, missing):
        assert_common_headers(response)
        assert directives(response)["img-src"] == ["'self'", "data:"]


def test_api_docs_run_without_inline_script(paris, client_for):
    client = client_for(paris)

    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    assert page.status_code == 200
    assert_scripts_need_the_nonce(page)
    policy = directives(page)
    assert all(source.startswith("'") for source in policy["script-src"]), policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    html = page.content.decode()
    assert '<script src="/api/docs/?script="></script>' in html
    # Swagger UI's files are ours, pinned: nothing from another origin.
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "https://" not in html.split("<body", 1)[0] + "".join(
        part.split('"', 1)[0] for part in html.split('src="')[1:]
    )
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_api_answers_carry_the_headers(paris, client_for):
    response = client_for(paris).get("/api/v1/causes/")

    assert response.status_code == 200
    assert_common_headers(response)


def test_hsts_is_sent_in_production_only():
    """The production settings (imported in a child process: they need production secrets)."""
    environment = {
        **os.environ,
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, "
        "s.TRUSTED_PROXY_COUNT)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()

    assert output[:3] == ["31536000", "True", "True"]
    assert settings.SECURE_HSTS_SECONDS == 0


REPORT_ONLY_POLICY = {
    "DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE], "report-uri": "/r/"}
}


@pytest.mark.parametrize("tile_url", ["", "https://{s}.tuiles.example.ca/{z}/{x}/{y}.png"])
@pytest.mark.parametrize("nonce", [None, "bm9uY2Ugb2YgYSB0ZXN0"])
@pytest.mark.parametrize("report_only", [False, True])
def test_thecached_policy_is_the_one_django_csp_builds(tile_url, nonce, report_only, settings):
    """A page no decorator changed gets its headers from a cache: byte for byte what
    django-csp writes, with the tenant's tiles, the page's nonce and a report-only policy."""
    if report_only:
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = REPORT_ONLY_POLICY
    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse())

    def answer(process_response):  # type: ignore[no-untyped-def]
        request = RequestFactory().get("/")
        request.tenant = SimpleNamespace(tile_url=tile_url)
        middleware.process_request(request)
        if nonce is not None:
            request._csp_nonce = nonce
        response = process_response(request, HttpResponse())
        return request, response

    hits = cached_policy.cache_info().hits
    cached_request, cached = answer(middleware.process_response)
    built_request, built = answer(lambda *args: CSPMiddleware.process_response(middleware, *args))
    # Twice: the second comes from the cache.
    answer(middleware.process_response)

    assert cached_policy.cache_info().hits > hits
    assert cached["Content-Security-Policy"] == built["Content-Security-Policy"]
    assert cached.get("Content-Security-Policy-Report-Only") == built.get(
        "Content-Security-Policy-Report-Only"
    )
    assert ("Content-Security-Policy-Report-Only" in cached) is report_only
    if nonce is None:
        assert "nonce-" not in cached["Content-Security-Policy"]
        for request in (cached_request, built_request):
            with pytest.raises(CSPNonceError):
                str(request.csp_nonce)
    else:
        assert f"'nonce-{nonce}'" in cached["Content-Security-Policy"]
    if tile_url:
        assert "https://*.tuiles.example.ca" in cached["Content-Security-Policy"]


def test_a_decorated_view_s_policy_is_built_by_django_csp():
    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/")
    middleware.process_request(request)

    response = middleware.process_response(
        request,
        csp_update({"img-src": "https://images.example.org"})(lambda r: HttpResponse())(request),
    )

    assert "https://images.example.org" in directives(response)["img-src"]

"""Error pages: branded per tenant and language, neutral elsewhere, JSON under /api/, and the 500
page without the database."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connections
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver
from django_tenants.utils import tenant_context

from accounts.services import user_create
from tenants import error_pages
from tenants.branding import FALLBACK_PRIMARY

pytestmark = pytest.mark.django_db

STATUSES = (400, 403, 404, 500)
TITLES = {
    "fr": {
        400: "Requête incorrecte",
        403: "Accès refusé",
        404: "Page introuvable",
        500: "Une erreur est survenue",
    },
    "en": {
        400: "Bad request",
        403: "Access denied",
        404: "Page not found",
        500: "Something went wrong",
    },
}
TITLES["fr-ca"] = TITLES["fr"]
HANDLERS = {
    400: error_pages.bad_request,
    403: error_pages.permission_denied,
    404: error_pages.page_not_found,
    500: lambda request, exception=None: error_pages.server_error(request),
}
# (tenant slug, language cookie, language expected): Paris only speaks French, Acme English,
# Montréal Canadian French unless the visitor picked English.
TENANT_LANGUAGES = (
    ("paris", None, "fr"),
    ("acme", None, "en"),
    ("montreal", None, "fr-ca"),
    ("montreal", "en", "en"),
)


@pytest.fixture
def boom_urls(settings):  # type: ignore[no-untyped-def]
    settings.ROOT_URLCONF = "tests.config.urls_boom"
    settings.PUBLIC_SCHEMA_URLCONF = "tests.config.urls_boom_public"


def _tenant(slug: str, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return request.getfixturevalue(slug)


def _client(host: str, *, language_cookie: str | None = None, accept: str = "") -> Client:
    client = Client(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE=accept)
    client.raise_request_exception = False
    if language_cookie:
        client.cookies["django_language"] = language_cookie
    return client


def _member(client: Client, tenant) -> Client:  # type: ignore[no-untyped-def]
    """On a private tenant (Acme) pages and API answer its signed-in members only: sign one in."""
    if tenant.is_private:
        with tenant_context(tenant):
            user = user_create(email=f"member-{id(client)}@{tenant.slug}.example")
            client.force_login(user)
    return client


def _assert_tenant_page(response: HttpResponse, tenant, status: int, language: str) -> None:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Language"] == language
    assert f'<html lang="{language}">' in html
    assert f"<h1>{TITLES[language][status]}</h1>" in html
    assert f'<span class="brand-name">{tenant.name}</span>' in html
    assert f"--brand-primary:{tenant.primary_color}" in html
    assert f'<meta name="theme-color" content="{tenant.primary_color}">' in html
    assert response["X-Request-ID"] in html
    # Nothing internal, and nothing a CSP with nonces would refuse.
    assert "failure raised" not in html and "Traceback" not in html
    assert "<script" not in html and " on" + "click" not in html


def _assert_neutral_page(response: HttpResponse, status: int, language: str) -> None:
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Language"] == language
    assert f'<html lang="{language}">' in html
    assert f"<h1>{TITLES[language][status]}</h1>" in html
    assert '<span class="brand-name">Entraide</span>' in html
    assert f'<meta name="theme-color" content="{FALLBACK_PRIMARY}">' in html
    assert "<style" not in html and "<script" not in html
    assert "failure raised" not in html


def _assert_api_error(response: HttpResponse, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert set(body) == {"detail", "code", "fields"}
    assert body["code"] == code
    assert body["fields"] == {}
    assert isinstance(body["detail"], str) and body["detail"]
    assert b"Traceback" not in response.content and b"failure raised" not in response.content
    assert b"<" not in response.content
    return body


# Pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize(("slug", "cookie", "language"), TENANT_LANGUAGES)
def test_tenant_error_page_is_branded_in_the_tenant_language(
    boom_urls, request, status, slug, cookie, language
):
    tenant = _tenant(slug, request)

    client = _member(_client(tenant.primary_host, language_cookie=cookie), tenant)
    response = client.get(f"/fail/{status}/")

    _assert_tenant_page(response, tenant, status, language)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_public_host_error_page_has_the_neutral_look_in_the_visitors_language(
    boom_urls, settings, status, language
):
    response = _client(settings.BASE_DOMAIN, accept=language).get(f"/fail/{status}/")

    _assert_neutral_page(response, status, language)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_unknown_host_is_a_neutral_404_in_the_visitors_language(language):
    response = _client("nowhere.entraide.test", accept=language).get("/missions/")

    _assert_neutral_page(response, 404, language)
    assert "<strong>nowhere.entraide.test</strong>" in response.content.decode()
    assert response["X-Request-ID"] in response.content.decode()


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_error_handlers_without_a_tenant_use_the_neutral_look(status, language):
    """A request the routing middleware could not place (unknown host, routing failure)."""
    request = RequestFactory(HTTP_ACCEPT_LANGUAGE=language).get("/somewhere/")

    response = HANDLERS[status](request, None)

    _assert_neutral_page(response, status, language)


@pytest.mark.parametrize(("slug", "cookie", "language"), TENANT_LANGUAGES)
def test_unknown_page_on_a_tenant_is_its_branded_404(request, slug, cookie, language):
    tenant = _tenant(slug, request)

    response = _client(tenant.primary_host, language_cookie=cookie).get("/no/such/page/")

    _assert_tenant_page(response, tenant, 404, language)


def test_unknown_page_on_the_public_host_is_the_neutral_404(settings):
    response = _client(settings.BASE_DOMAIN, accept="en").get("/no/such/page/")

    _assert_neutral_page(response, 404, "en")


@pytest.mark.parametrize(
    ("slug", "language", "title"),
    [("paris", "fr", "Ce formulaire a expiré"), ("acme", "en", "This form has expired")],
)
def test_csrf_failure_on_a_tenant_form_is_a_branded_page(request, slug, language, title):
    tenant = _tenant(slug, request)
    client = Client(HTTP_HOST=tenant.primary_host, enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"login": "a@b.example", "password": "x"})

    html = response.content.decode()
    assert response.status_code == 403
    assert f'<html lang="{language}">' in html
    assert f"<h1>{title}</h1>" in html
    assert f"--brand-primary:{tenant.primary_color}" in html
    # Django's reason stays in the log.
    assert "CSRF" not in html and "token" not in html


def test_csrf_failure_on_the_public_host_is_a_neutral_page(settings):
    client = Client(HTTP_HOST=settings.BASE_DOMAIN, HTTP_ACCEPT_LANGUAGE="en")
    client = Client(
        HTTP_HOST=settings.BASE_DOMAIN, HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True
    )

    response = client.post("/console/login/", {"username": "a@b.example", "password": "x"})

    html = response.content.decode()
    assert response.status_code == 403
    assert "<h1>This form has expired</h1>" in html
    assert '<span class="brand-name">Entraide</span>' in html


# The 500 page without the database ----------------------------------------------------------------


@contextmanager
def _database_unreachable() -> Iterator[None]:
    """New connections go to a loopback port where nothing listens (PostgreSQL "down")."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    original = connections.settings["default"]
    connections.settings["default"] = {**original, "HOST": "127.0.0.1", "PORT": str(closed_port)}
    try:
        yield
    finally:
        connections.settings["default"] = original


def _get_on_a_new_connection(client: Client, path: str) -> HttpResponse:
    """A request served by another thread, hence on a connection of its own (as in a server)."""
    result: dict[str, HttpResponse] = {}

    def serve() -> None:
        try:
            result["response"] = client.get(path)
        finally:
            connections.close_all()

    thread = threading.Thread(target=serve)
    thread.start()
    thread.join(timeout=60)
    return result["response"]


def test_a_stored_page_is_served_while_the_database_is_down(request):
    tenant = _tenant("paris", request)
    client = _client(tenant.primary_host)
    stored = client.get("/")
    assert stored.status_code == 200

    with _database_unreachable():
        response = _get_on_a_new_connection(client, "/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert f"— {tenant.name}</title>" in stored.content.decode()
    assert f"— {tenant.name}</title>" in response.content.decode()


@pytest.mark.parametrize(("slug", "language"), [("paris", "fr"), ("acme", "en")])
def test_500_page_is_branded_while_the_database_is_down(request, caplog, slug, language):
    tenant = _tenant(slug, request)
    client = _member(_client(tenant.primary_host), tenant)
    assert client.get("/").status_code == 200  # the route of this host is now cached

    with _database_unreachable():
        # An address the anonymous page cache has not stored: "/" itself would be served from
        # there, without the database (test_a_stored_page_is_served_while_the_database_is_down).
        response = _get_on_a_new_connection(client, "/?page=1")

    _assert_tenant_page(response, tenant, 500, language)
    failures = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert len(failures) == 1
    assert isinstance(failures[0].exc_info[1], OperationalError)
    assert "connection" in str(failures[0].exc_info[1]).lower()
    # The test's own connection was never touched.
    with tenant_context(tenant):
        assert client.get("/").status_code == 200


def test_500_page_on_the_public_host_while_the_database_is_down(settings, caplog):
    client = _client(settings.BASE_DOMAIN, accept="fr")

    with _database_unreachable():
        response = _get_on_a_new_connection(client, "/")

    _assert_neutral_page(response, 500, "fr")
    failures = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert isinstance(failures[0].exc_info[1], OperationalError)


# API paths answer JSON -------------------------------------------------------------------------

TENANT_API_NOT_FOUND = (
    "/api/",
    "/api/v1/",
    "/api/v1/does-not-exist/",
    "/api/v1/missions/abc/",
    "/api/v1/missions/99999999999999999999999999/",
    "/api/v1/missions/1/%2e%2e/%2e%2e/",
    "/api/v1/%ff%fe/",
    "/api/v1/missions/%0d%0aSet-Cookie:x=y/",
    "/api/v1/<script>/",
    "/api/schema/nope/",
    "/api/nope",
    "/api",
)
PUBLIC_API_NOT_FOUND = (
    "/api/",
    "/api/platform/v1/does-not-exist/",
    "/api/v1/missions/",
)


@pytest.mark.parametrize("path", TENANT_API_NOT_FOUND)
def test_unknown_tenant_api_path_is_a_json_404(paris, path):
    _assert_api_error(_client(paris.primary_host).get(path), 404, "not_found")


@pytest.mark.parametrize("path", PUBLIC_API_NOT_FOUND)
def test_unknown_public_api_path_is_a_json_404(settings, path):
    _assert_api_error(_client(settings.BASE_DOMAIN).get(path), 404, "not_found")


# A NUL byte is refused at the door (tenants/request_input.py), before any route is looked up.
NUL_API_PATHS = (
    ("tenant", "/api/v1/%00"),
    ("tenant", "/api/v1/%00/missions/"),
    ("public", "/api/platform/v1/%00"),
    ("public", "/api/platform/v1/tenants/abc/%00/"),
)


@pytest.mark.parametrize(("host", "path"), NUL_API_PATHS)
def test_api_path_with_a_nul_byte_is_a_json_400(paris, settings, host, path):
    client = _client(paris.primary_host if host == "tenant" else settings.BASE_DOMAIN)
    response = client.get(path)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["path"]


def test_api_path_on_an_unknown_host_is_a_json_404():
    _assert_api_error(_client("nowhere.entraide.test").get("/api/v1/missions/"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/v1/missions/"), ("delete", "/api/schema/"), ("put", "/api/v1/causes/")],
)
def test_wrong_method_on_a_tenant_api_path_is_a_json_405(paris, method, path):
    response = getattr(_client(paris.primary_host), method)(path)

    _assert_api_error(response, 405, "method_not_allowed")


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "bad_request"), (403, "permission_denied"), (404, "not_found"), (500, "server_error")],
)
def test_failing_tenant_api_view_answers_json(boom_urls, paris, status, code):
    _assert_api_error(_client(paris.primary_host).get(f"/api/v1/fail/{status}/"), status, code)


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "bad_request"), (403, "permission_denied"), (404, "not_found"), (500, "server_error")],
)
def test_failing_public_api_view_answers_json(boom_urls, settings, status, code):
    response = _client(settings.BASE_DOMAIN).get(f"/api/platform/v1/fail/{status}/")

    _assert_api_error(response, status, code)


def test_api_500_detail_is_in_the_tenant_language(boom_urls, paris, acme):
    french = _assert_api_error(
        _client(paris.primary_host).get("/api/v1/fail/500/"), 500, "server_error"
    )
    english = _assert_api_error(
        _member(_client(acme.primary_host), acme).get("/api/v1/fail/500/"), 500, "server_error"
    )

    assert english["detail"] == "A server error occurred."
    assert french["detail"] != english["detail"]


def test_csrf_failure_on_a_plain_api_view_is_json(boom_urls, paris):
    client = Client(HTTP_HOST=paris.primary_host, enforce_csrf_checks=True)

    response = client.post("/api/v1/plain-post/", {"x": "1"})

    _assert_api_error(response, 403, "csrf_failed")


def test_csrf_failure_on_a_session_api_call_is_json(paris):
    with tenant_context(paris):
        user = user_create(email="csrf@paris.example", password="pw-123456789")
    client = Client(HTTP_HOST=paris.primary_host, enforce_csrf_checks=True)
    with tenant_context(paris):
        client.force_login(user)

    response = client.post(
        "/api/v1/missions/1/participations/", {}, content_type="application/json"
    )

    body = _assert_api_error(response, 403, "permission_denied")
    assert "CSRF" in body["detail"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/missions/abc/", 404, "not_found"),
        ("get", "/api/v1/missions/999999/", 404, "not_found"),
        ("get", "/api/v1/does-not-exist/", 404, "not_found"),
        ("post", "/api/v1/missions/", 405, "method_not_allowed"),
        ("get", "/api/v1/me/participations/", 401, "not_authenticated"),
    ],
)
def test_api_errors_are_json_for_a_browser_too(paris, method, path, status, code):
    """Not the browsable API's HTML: a browser asks for text/html first."""
    client = Client(HTTP_HOST=paris.primary_host, HTTP_ACCEPT="text/html,application/xhtml+xml")

    _assert_api_error(getattr(client, method)(path), status, code)


def test_too_many_form_fields_on_a_tenant_page_is_its_branded_400(paris, settings):
    client = Client(HTTP_HOST=paris.primary_host, enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32  # so that the CSRF check reads the form
    fields = {f"field{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = client.post("/accounts/login/", fields)

    _assert_tenant_page(response, paris, 400, "fr")


def test_too_many_form_fields_on_an_api_path_is_a_json_413(boom_urls, acme, settings):
    client = Client(HTTP_HOST=acme.primary_host, enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32
    fields = {f"field{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    # As the API's exception handler answers for DRF views (tenants/api_conventions.py).
    _assert_api_error(client.post("/api/v1/plain-post/", fields), 413, "too_large")


# Every API route of both URL confs (from the resolvers: a new route is covered) ------------------


def _api_routes(urlconf: str) -> list[str]:
    def walk(patterns, prefix: str = "") -> Iterator[str]:  # type: ignore[no-untyped-def]
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    routes = [
        route for route in walk(get_resolver(urlconf).url_patterns) if route.startswith("api")
    ]
    return ["/" + _concrete(route) for route in routes]


def _concrete(route: str) -> str:
    """A path for the route whose ids name nothing."""
    route = route.replace("^(?P<unmatched>.*)$", "nope/")
    for converter, value in (("int", "999999"), ("slug", "no-such-tenant"), ("str", "nope")):
        while f"<{converter}:" in route:
            start = route.index(f"<{converter}:")
            route = route[:start] + value + route[route.index(">", start) + 1 :]
    return route


TENANT_API_ROUTES = _api_routes("config.urls_tenant")
PUBLIC_API_ROUTES = _api_routes("config.urls_public")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _assert_every_error_is_json(client: Client, path: str) -> int:
    errors = 0
    for method in METHODS:
        for body in ("{}", "{not json"):
            response = client.generic(method, path, body, "application/json")
            assert response.status_code < 500, (method, path, response.content[:300])
            if response.status_code >= 400:
                assert response["Content-Type"] == "application/json", (method, path)
                assert set(json.loads(response.content)) == {"detail", "code", "fields"}
                errors += 1
    return errors


def test_api_routes_are_all_enumerated():
    assert len(TENANT_API_ROUTES) >= 36 and len(PUBLIC_API_ROUTES) >= 3
    assert "/api/v1/missions/999999/participations/" in TENANT_API_ROUTES
    assert "/api/platform/v1/tenants/no-such-tenant/deprovision/" in PUBLIC_API_ROUTES


@pytest.mark.parametrize("path", TENANT_API_ROUTES)
def test_every_tenant_api_route_answers_errors_as_json(paris, path):
    with tenant_context(paris):
        user = user_create(email="routes@paris.example", password="pw-123456789")
    signed_in = Client(HTTP_HOST=paris.primary_host, HTTP_ACCEPT="text/html")
    with tenant_context(paris):
        signed_in.force_login(user)

    errors = _assert_every_error_is_json(Client(HTTP_HOST=paris.primary_host), path)
    errors += _assert_every_error_is_json(signed_in, path)

    assert errors > 0


@pytest.mark.parametrize("path", PUBLIC_API_ROUTES)
def test_every_public_api_route_answers_errors_as_json(settings, path):
    client = Client(HTTP_HOST=settings.BASE_DOMAIN, HTTP_AUTHORIZATION="Token not-a-token")

    assert _assert_every_error_is_json(client, path) == len(METHODS) * 2

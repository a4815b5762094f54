"""Browser tests: Debian's Chromium driven by Playwright against one live server per session.

- The live server is a threaded WSGI server (Django's LiveServerThread) on 127.0.0.1:<free port>
  serving the whole stack, static files included, the way production serves them: collected into
  a temporary STATIC_ROOT with WhiteNoise's compressed storage, so the page weights measured here
  are the compressed bytes a browser receives.
- Chromium maps every `*.entraide.test` host to 127.0.0.1, so `http://paris.entraide.test:<port>/`
  reaches the paris tenant through the real host routing.
- The server runs in other threads with their own database connections: the data it shows must be
  committed. So these tests do not run inside the per-test transaction; they commit, and they run
  in their own pytest session and database (`ENTRAIDE_TEST_RUN=browser pytest -m browser
  tests/browser`, see the Makefile's `test`). When a run selects browser tests together with other
  tests, the browser tests are deselected rather than left to leak committed rows into the others.
- Requests to anything but the live server (map tiles) are answered locally: a plain tile image
  for tiles, an abort for the rest. Nothing leaves the machine.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.test.testcases import LiveServerThread

# Playwright's sync API keeps an asyncio loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is deliberate (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPOSITORY = Path(__file__).resolve().parents[2]
AXE_SCRIPT = REPOSITORY / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("ENTRAIDE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--host-resolver-rules=MAP *.entraide.test 127.0.0.1, MAP entraide.test 127.0.0.1",
]
# Chromium reports these on plain-http test hosts; they say nothing about the page.
IGNORED_CONSOLE = ("Cross-Origin-Opener-Policy header has been ignored",)
# Everything that is not the live server: answered locally.
OUTSIDE = re.compile(r"^https?://(?!([a-z0-9-]+\.)?entraide\.test[:/])")

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0 Mobile Safari/537.36"
    ),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.option.markexpr:
        return  # `-m browser` / `-m "not browser"` already chose one side
    browser = [item for item in items if item.get_closest_marker("browser")]
    if browser and len(browser) != len(items):
        config.hook.pytest_deselected(items=browser)
        items[:] = [item for item in items if not item.get_closest_marker("browser")]
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"{len(browser)} browser tests deselected: they commit data, so they run in their "
                "own session (make test, or ENTRAIDE_TEST_RUN=browser pytest -m browser "
                "tests/browser)."
            )


# --- The session's own database ----------------------------------------------------------------


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Create the test database for the browser session, whatever the tests request.

    pytest-django creates test databases only for tests that ask for `db` (and these must not:
    the per-test transaction would hide their data from the server), so the browser session
    creates its own, with the three test tenants, and drops it at the end.
    """
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from tests.tenancy import create_test_tenants

    with django_db_blocker.unblock():
        databases = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        create_test_tenants()
        connection.set_schema_to_public()
    yield
    with django_db_blocker.unblock():
        # Threads of the live server may still hold connections (keep-alive): end them first.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()
        teardown_databases(databases, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _never_the_development_database(django_db_setup) -> None:  # type: ignore[no-untyped-def]
    name = settings.DATABASES["default"]["NAME"]
    if not str(name).startswith("test_"):
        pytest.exit(f"browser tests refuse to run against {name!r}: not a test database", 2)


# --- Static files as production serves them -----------------------------------------------------


@pytest.fixture(scope="session")
def production_static(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("static")
    # The production storage: hashed names from a manifest, so the pages are tested with the
    # URLs production serves (a template naming a file collectstatic did not write fails here).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "config.static_storage.StaticFilesStorage"},
    }
    with override_settings(
        STATIC_ROOT=str(root),
        STORAGES=storages,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
        # As in production: only hashed copies, so a page asking for an unhashed name fails.
        WHITENOISE_KEEP_ONLY_HASHED_FILES=True,
    ):
        call_command(
            "collectstatic",
            "--noinput",
            verbosity=0,
            # The pages never load ReDoc (the API docs load Swagger UI): skipping it keeps the
            # session start short.
            ignore_patterns=["drf_spectacular_sidecar/redoc/*"],
        )
        yield root


# --- The live server ----------------------------------------------------------------------------


@dataclass
class LiveServer:
    port: int

    def url(self, tenant_slug: str | None, path: str = "/") -> str:
        host = (
            settings.BASE_DOMAIN if tenant_slug is None else f"{tenant_slug}.{settings.BASE_DOMAIN}"
        )
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="session")
def live_site(django_db_setup, django_db_blocker, production_static) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    # No static handler of Django's own: WhiteNoise (in the middleware) serves the files.
    thread = LiveServerThread("127.0.0.1", static_handler=lambda handler: handler, port=0)
    thread.daemon = True
    with django_db_blocker.unblock():
        thread.start()
        thread.is_ready.wait(timeout=30)
    if thread.error:
        raise thread.error
    yield LiveServer(port=thread.port)
    with django_db_blocker.unblock():
        thread.terminate()


@pytest.fixture(autouse=True)
def _database_open_to_the_server(django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The server threads query the database while a test runs: keep it unblocked."""
    with django_db_blocker.unblock():
        yield


# --- Chromium -----------------------------------------------------------------------------------


def _tile_png() -> bytes:
    """A pale 256-px tile with a faint grid: the map stays readable without a tile server."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), (238, 236, 230))
    draw = ImageDraw.Draw(image)
    for offset in (0, 128):
        draw.line([(offset, 0), (offset, 255)], fill=(226, 223, 215), width=2)
        draw.line([(0, offset), (255, offset)], fill=(226, 223, 215), width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


TILE = _tile_png()


def _answer_outside(route: Any) -> None:
    request = route.request
    if request.resource_type == "image":
        route.fulfill(status=200, content_type="image/png", body=TILE)
    else:
        route.abort()


@pytest.fixture(scope="session")
def browser(live_site) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """Chromium, launched once. Geolocation and the clipboard need a secure context: the test
    hosts are plain http, so Chromium is told to treat them as secure (it does so for
    `localhost` on its own)."""
    from playwright.sync_api import sync_playwright

    origins = ",".join(
        live_site.url(slug, "").rstrip("/") for slug in (None, "paris", "montreal", "acme")
    )
    arguments = [*CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={origins}"]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=arguments)
        yield chromium
        chromium.close()


@dataclass
class Pages:
    """Opens pages in fresh browser contexts (no cookies, no cache) and closes them after the
    test. Console errors and failed local requests are collected for the test to check."""

    browser: Any
    contexts: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def new(self, *, phone: bool = False, **options: Any) -> Any:
        settings_ = {**(PHONE if phone else DESKTOP), "locale": "fr-FR", **options}
        context = self.browser.new_context(**settings_)
        context.set_default_timeout(15_000)
        context.route(OUTSIDE, _answer_outside)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        return page

    def _console(self, message: Any) -> None:
        if message.type == "error" and not any(text in message.text for text in IGNORED_CONSOLE):
            self.errors.append(f"console: {message.text}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser) -> Iterator[Pages]:  # type: ignore[no-untyped-def]
    opened = Pages(browser=browser)
    yield opened
    opened.close()


def confirm_sign_up(page: Any, email: str) -> None:
    """After a sign-up by form: the "check your inbox" page, then the link of the confirmation
    e-mail (the live server runs in this process, so its e-mails are in mail.outbox), opened in
    the same browser, which signs the person in and brings them back where they were."""
    from django.core import mail
    from playwright.sync_api import expect

    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    message = next(message for message in reversed(mail.outbox) if email in message.to)
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body)
    assert path is not None, message.body
    origin = re.match(r"https?://[^/]+", page.url)
    assert origin is not None
    page.goto(origin.group(0) + path.group(1))
    page.locator("form[action*='/accounts/confirm-email/'] button[type=submit]").click()


def menu_link(page: Any, name: str) -> Any:
    """A link of the main menu, opening the menu first on a small screen."""
    # The page's script folds the menu on load: decide only once it has run.
    page.wait_for_load_state("load")
    toggle = page.locator("[data-menu-toggle]")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    return page.locator(".site-nav").get_by_role("link", name=name, exact=True)


# --- Accessibility ------------------------------------------------------------------------------


def axe_violations(
    page: Any,
    *,
    impacts: tuple[str, ...] = ("serious", "critical"),
    exclude: list[str] | None = None,
) -> list[str]:
    """axe-core's violations of these impacts on the page as it is now, one line per node
    (leaving out the elements `exclude` selects)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through DevTools: an inline <script> tag would be refused by the page's CSP.
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    context = {"include": [["html"]], "exclude": [[selector] for selector in exclude or []]}
    result = page.evaluate(
        "async (context) => await axe.run(context, {resultTypes: ['violations']})", context
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — {node['target']}"
        for violation in result["violations"]
        if violation["impact"] in impacts
        for node in violation["nodes"]
    ]


# --- Committed test data ------------------------------------------------------------------------


@dataclass
class World:
    """What the browser session finds on its tenants (committed once per session)."""

    paris_missions: dict[str, int]
    montreal_missions: dict[str, int]
    acme_missions: dict[str, int]
    # Where the geolocated visitor stands (lat, lng): near Bastille.
    paris_position: tuple[float, float]
    accounts: dict[str, str] = field(default_factory=dict)


_counter = threading.Lock()
_next_email = [0]


def unique_email(prefix: str = "benevole") -> str:
    with _counter:
        _next_email[0] += 1
        return f"{prefix}{_next_email[0]}-{os.getpid()}@example.org"


@pytest.fixture(scope="session")
def world(django_db_setup, django_db_blocker, live_site) -> Iterator[World]:  # type: ignore[no-untyped-def]
    from tests.browser.seed import browser_world_seed, browser_world_unseed

    with django_db_blocker.unblock():
        seeded = browser_world_seed()
    yield seeded
    with django_db_blocker.unblock():
        browser_world_unseed()


@pytest.fixture
def url(live_site) -> Callable[..., str]:  # type: ignore[no-untyped-def]
    return live_site.url


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def sign_in_member(page: Any, url: Callable[..., str], slug: str, *, next_path: str = "/") -> str:
    """A new volunteer of the tenant (terms accepted), signed in through the password form of
    the sign-in page (folded under the SSO button where the tenant has SSO); returns the
    e-mail. What a private instance (Acme) needs before it shows any page."""
    from django_tenants.utils import tenant_context

    from tenants.legal.services import terms_accept_current
    from tenants.models import Tenant
    from tests.accounts.conftest import PASSWORD, make_user

    tenant = Tenant.objects.get(slug=slug)
    email = unique_email("member")
    user = make_user(tenant, email)
    with tenant_context(tenant):
        terms_accept_current(user=user)
    page.goto(url(slug, f"/accounts/login/?password=1&next={next_path}"))
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login button[type=submit]").click()
    page.wait_for_url(url(slug, next_path))
    return email

"""The back office in a real browser, on a computer and a phone: a tenant admin signs in with
their second factor and walks every entry of the left navigation; a moderator sees the
moderation part only. axe-core reports no violation at all (every impact) on any /gestion/ page,
and each page reads without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from accounts.models import User
from tenants.legal.services import terms_accept_current
from tenants.models import Tenant
from tests.accounts.conftest import PASSWORD, make_user, mfa_enable, totp_code
from tests.browser.conftest import axe_violations, menu_link, unique_email

pytestmark = pytest.mark.browser

EVERY_IMPACT = ("minor", "moderate", "serious", "critical")


def _tenant(slug: str) -> Tenant:
    return Tenant.objects.get(slug=slug)


def _terms_accepted(tenant: Tenant, user: User) -> None:
    """As people who signed up with the form did (else their first page asks for it)."""
    with tenant_context(tenant):
        terms_accept_current(user=user)


def sign_in_as_admin(pages, url, *, slug: str = "paris", phone: bool = False, **options: Any):  # type: ignore[no-untyped-def]
    """A new tenant admin with TOTP, signed in through the forms; returns the page on /gestion/."""
    tenant = _tenant(slug)
    email = unique_email("admin")
    admin = make_user(tenant, email, role=User.Role.ADMIN)
    _terms_accepted(tenant, admin)
    secret = mfa_enable(tenant, admin)
    page = pages.new(phone=phone, **options)
    # ?password=1 unfolds the password form where the tenant signs in with its SSO first.
    page.goto(url(slug, "/accounts/login/?password=1&next=/gestion/"))
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login button[type=submit]").click()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")
    expect(page).to_have_url(url(slug, "/gestion/"))
    return page


def sign_in_as_moderator(pages, url, *, phone: bool = False):  # type: ignore[no-untyped-def]
    email = unique_email("moderation")
    moderator = make_user(_tenant("paris"), email, role=User.Role.MODERATOR)
    _terms_accepted(_tenant("paris"), moderator)
    page = pages.new(phone=phone)
    page.goto(url("paris", "/accounts/login/?next=/gestion/"))
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login button[type=submit]").click()
    expect(page).to_have_url(url("paris", "/gestion/"))
    return page


def navigation_paths(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The back-office pages the left navigation links (Django's own admin left out)."""
    hrefs = page.locator(".backoffice-nav a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    return [href for href in hrefs if not href.startswith("/admin/")]


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
def test_an_admin_walks_every_back_office_page_without_a_violation(pages, url, world, phone):
    page = sign_in_as_admin(pages, url, phone=phone)
    paths = navigation_paths(page)
    found = {}
    for path in paths:
        page.goto(url("paris", path))
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator(".backoffice-nav a[aria-current=page]")).to_have_count(1)
        found[path] = axe_violations(page, impacts=EVERY_IMPACT)

    assert "/gestion/" in paths
    assert "/organisation/moderation/" in paths
    assert "/billing/" in paths
    assert found == {path: [] for path in paths}
    assert pages.errors == []


def test_the_header_links_the_back_office_for_an_admin(pages, url, world):
    page = sign_in_as_admin(pages, url, phone=True)
    page.goto(url("paris", "/"))

    menu_link(page, "Gestion").click()

    expect(page).to_have_url(url("paris", "/gestion/"))
    expect(page.locator("h1")).to_have_text("Administration")


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
def test_a_moderator_sees_the_moderation_part_only(pages, url, world, phone):
    page = sign_in_as_moderator(pages, url, phone=phone)

    assert navigation_paths(page) == ["/gestion/", "/organisation/moderation/"]
    assert axe_violations(page, impacts=EVERY_IMPACT) == []
    page.goto(url("paris", "/organisation/moderation/"))
    assert axe_violations(page, impacts=EVERY_IMPACT) == []


def test_every_back_office_page_reads_without_javascript(pages, url, world):
    admin_page = sign_in_as_admin(pages, url)
    paths = navigation_paths(admin_page)
    cookies = admin_page.context.cookies()
    page = pages.new(java_script_enabled=False)
    page.context.add_cookies(cookies)
    titles = {}
    for path in paths:
        response = page.goto(url("paris", path))
        assert response is not None and response.status == 200, path
        titles[path] = page.locator("h1").inner_text()

    assert all(titles.values()), titles


def test_an_admin_of_paris_is_nobody_on_montreal(pages, url, world):
    page = sign_in_as_admin(pages, url)

    page.goto(url("montreal", "/gestion/"))

    expect(page).to_have_url(url("montreal", "/accounts/login/?next=/gestion/"))

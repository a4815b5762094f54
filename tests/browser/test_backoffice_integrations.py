"""The back office's integrations page and audit log in a real browser, on a computer and a
phone: a tenant admin (password and second factor) creates an API token, sees it once, revokes
it, then finds their sign-in in the audit log; axe finds no violation of any impact on any of
these pages. A moderator sees neither page in the navigation and gets the 403 page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from accounts.api_tokens.models import ApiToken
from accounts.models import User
from accounts.services import user_create
from tenants.legal.services import terms_accept_current
from tenants.models import Tenant
from tests.accounts.conftest import totp_code
from tests.browser.conftest import axe_violations, unique_email
from tests.engagement.factories import TenantAdminFactory

pytestmark = pytest.mark.browser

EVERY_IMPACT = ("minor", "moderate", "serious", "critical")

PASSWORD = "Un-mot-de-passe-2024"


@dataclass
class Staff:
    admin: User
    secret: str
    moderator: User


@pytest.fixture
def staff(live_site) -> Iterator[Staff]:  # type: ignore[no-untyped-def]
    paris = Tenant.objects.get(slug="paris")
    with tenant_context(paris):
        admin = TenantAdminFactory(email=unique_email("gestion"), password=PASSWORD)
        secret = generate_totp_secret()
        TOTP.activate(admin, secret)
        # As the people pages appoint one: no staff flag, so no second factor is asked for.
        moderator = user_create(
            email=unique_email("moderation"),
            password=PASSWORD,
            role=User.Role.MODERATOR,
            email_verified=True,
        )
        # Like people who signed up: the current terms of use accepted.
        terms_accept_current(user=admin)
        terms_accept_current(user=moderator)
    yield Staff(admin=admin, secret=secret, moderator=moderator)
    with tenant_context(paris):
        ApiToken.objects.filter(created_by=admin).delete()
        User.objects.filter(pk__in=[admin.pk, moderator.pk]).delete()


def sign_in(page, email: str, *, secret: str | None = None) -> None:  # type: ignore[no-untyped-def]
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    form = page.locator("form.login")
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    if secret is not None:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
        page.locator("input[name=code]").fill(totp_code(secret))
        page.locator("form button[type=submit]").first.click()


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
def test_an_admin_creates_sees_once_and_revokes_a_token_then_reads_the_log(
    pages, url, staff, phone
):
    page = pages.new(phone=phone)
    page.goto(url("paris", "/gestion/integrations/"))
    sign_in(page, staff.admin.email, secret=staff.secret)
    expect(page.locator("h1")).to_have_text("Intégrations")
    found = {"integrations": axe_violations(page, impacts=EVERY_IMPACT)}

    page.locator("#id_name").fill("Intranet de la mairie")
    page.get_by_label("Lecture et écriture").check()
    page.get_by_role("button", name="Créer le jeton").click()
    expect(page.locator("h1")).to_have_text("Jeton créé")
    secret = page.locator("#new-token").input_value()
    assert re.fullmatch(r"ent_[a-z2-7]{8}_[A-Za-z0-9_-]{43}", secret)
    found["created"] = axe_violations(page, impacts=EVERY_IMPACT)

    page.get_by_role("link", name="Retour aux intégrations").click()
    row = page.locator("table.api-tokens tbody tr", has_text="Intranet de la mairie")
    expect(row).to_contain_text(f"ent_…{secret[-4:]}")
    assert secret not in page.content()
    row.get_by_role("button", name="Révoquer").click()
    expect(row).to_contain_text("Révoqué le")

    page.goto(url("paris", "/gestion/journal/?kind=sign_ins"))
    expect(page.locator("h1")).to_have_text("Journal d’activité")
    expect(page.locator("table.audit-log")).to_contain_text(staff.admin.email)
    expect(page.locator("table.audit-log")).to_contain_text("Connexion réussie")
    found["audit log"] = axe_violations(page, impacts=EVERY_IMPACT)
    page.goto(url("paris", "/gestion/journal/?kind=api_tokens"))
    expect(page.locator("table.audit-log")).to_contain_text("Jeton d’API révoqué")
    found["audit log, tokens"] = axe_violations(page, impacts=EVERY_IMPACT)
    page.goto(url("paris", "/gestion/journal/?since=2025-03-10&until=2025-03-01"))
    found["audit log, bad dates"] = axe_violations(page, impacts=EVERY_IMPACT)

    assert found == {name: [] for name in found}


def test_a_moderator_sees_neither_page(pages, url, staff):
    page = pages.new()
    page.goto(url("paris", "/gestion/"))
    sign_in(page, staff.moderator.email)
    nav = page.locator(".backoffice-nav")
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="Intégrations")).to_have_count(0)
    expect(nav.get_by_role("link", name="Journal d’activité")).to_have_count(0)

    response = page.goto(url("paris", "/gestion/journal/"))

    assert response is not None and response.status == 403

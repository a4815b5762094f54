"""The legal pages in a real browser: reached from the footer, no axe violation at any impact
(pages, acceptance page, back office, computer and phone); a new version of the terms sends a
signed-in person to accept it, then back where they were going; an admin publishes a version."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from accounts.models import User
from tenants.legal.cache import latest_terms_forget
from tenants.legal.defaults import VersionContent
from tenants.legal.models import LegalDocument, LegalVersion, TermsAcceptance
from tenants.legal.services import legal_version_publish, terms_accept_current
from tenants.models import Tenant
from tests.accounts.conftest import mfa_enable, totp_code
from tests.browser.conftest import axe_violations, confirm_sign_up, unique_email
from tests.browser.test_backoffice import EVERY_IMPACT
from tests.engagement.factories import TenantAdminFactory

pytestmark = pytest.mark.browser

PASSWORD = "Un-mot-de-passe-2024"
PUBLIC_PATHS = (
    "/mentions-legales/",
    "/confidentialite/",
    "/conditions/",
    "/accessibilite/",
    "/cookies/",
)


@pytest.fixture
def restore_legal_pages(live_site) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Whatever a test publishes is removed afterwards: the other browser tests of the session
    see each tenant's version 1 only."""
    yield
    for tenant in Tenant.objects.filter(slug__in=["paris", "montreal"]):
        with tenant_context(tenant):
            newer = LegalVersion.objects.filter(number__gt=1)
            TermsAcceptance.objects.filter(version__in=newer).delete()
            newer.delete()
            LegalDocument.objects.update(current_number=1)
            latest_terms_forget()


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
def test_the_legal_pages_have_no_serious_violation(pages, url, world, phone):
    page = pages.new(phone=phone)
    found = {}
    for slug in ("paris", "acme"):
        for path in PUBLIC_PATHS:
            page.goto(url(slug, path))
            found[f"{slug}{path}"] = axe_violations(page, impacts=EVERY_IMPACT)

    assert found == {path: [] for path in found}


def test_the_footer_leads_to_the_legal_notice_and_the_accessibility_statement(pages, url, world):
    page = pages.new(phone=True)
    page.goto(url("paris"))

    page.locator("footer").get_by_role("link", name="Mentions légales", exact=True).click()
    expect(page).to_have_url(re.compile(r"/mentions-legales/$"))
    expect(page.locator("h1")).to_have_text("Mentions légales")
    page.locator("footer").get_by_role("link", name="Accessibilité", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accessibilite/$"))
    expect(page.locator("h1")).to_have_text("Déclaration d’accessibilité")

    page.goto(url("acme"))
    page.locator("footer").get_by_role("link", name="Legal notice", exact=True).click()
    expect(page.locator("h1")).to_have_text("Legal notice")
    page.locator("footer").get_by_role("link", name="Accessibility", exact=True).click()
    expect(page.locator("h1")).to_have_text("Accessibility statement")


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
def test_new_terms_are_accepted_before_the_next_page(pages, url, world, restore_legal_pages, phone):
    page = pages.new(phone=phone)
    email = unique_email("cgu")
    page.goto(url("montreal", "/accounts/signup/?next=/mes-engagements/"))
    form = page.locator("form.signup")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password1]").fill(PASSWORD)
    form.locator("input[name=password2]").fill(PASSWORD)
    form.get_by_label("J’accepte les conditions d’utilisation").check()
    form.locator("button[type=submit]").click()
    confirm_sign_up(page, email)
    expect(page.get_by_role("heading", name="Mes engagements")).to_be_visible()
    montreal = Tenant.objects.get(slug="montreal")
    with tenant_context(montreal):
        version = legal_version_publish(
            kind="terms",
            content=VersionContent(
                bodies={
                    "fr": "<p>Nouvelles conditions de Montréal.</p>",
                    "en": "<p>New terms of Montréal.</p>",
                }
            ),
            actor=None,
        )

    page.goto(url("montreal", "/profil/"))

    expect(page).to_have_url(re.compile(r"/conditions/accepter/\?next=%2Fprofil%2F$"))
    expect(page.locator("h1")).to_have_text("Les conditions d’utilisation ont changé")
    expect(page.get_by_text("Nouvelles conditions de Montréal.")).to_be_visible()
    assert axe_violations(page, impacts=EVERY_IMPACT) == []
    page.get_by_role("button", name="Accepter et continuer").click()
    expect(page.get_by_text("Cochez la case pour accepter")).to_be_visible()
    page.get_by_label("J’accepte les conditions d’utilisation").check()
    page.get_by_role("button", name="Accepter et continuer").click()
    expect(page).to_have_url(re.compile(r"/profil/$"))
    page.goto(url("montreal", "/mes-engagements/"))
    expect(page.get_by_role("heading", name="Mes engagements")).to_be_visible()
    with tenant_context(montreal):
        assert TermsAcceptance.objects.filter(
            user__email=email, version=version, source="prompt"
        ).exists()


@pytest.fixture
def paris_admin(live_site) -> Iterator[tuple[User, str]]:  # type: ignore[no-untyped-def]
    paris = Tenant.objects.get(slug="paris")
    with tenant_context(paris):
        admin = TenantAdminFactory(email=unique_email("admin"), password=PASSWORD, is_staff=True)
        terms_accept_current(user=admin)
    secret = mfa_enable(paris, admin)
    yield admin, secret
    with tenant_context(paris):
        User.objects.filter(pk=admin.pk).delete()


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
def test_an_admin_publishes_a_version_in_the_back_office(
    pages, url, world, paris_admin, restore_legal_pages, phone
):
    admin, secret = paris_admin
    page = pages.new(phone=phone)
    page.goto(url("paris", "/gestion/pages-legales/"))
    form = page.locator("form.login")
    form.locator("input[name=login]").fill(admin.email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")
    expect(page.locator("h1")).to_have_text("Pages légales")
    found = {"index": axe_violations(page, impacts=EVERY_IMPACT)}
    for path in (
        "/gestion/pages-legales/conditions/",
        "/gestion/pages-legales/accessibilite/",
        "/gestion/pages-legales/cookies/versions/",
        "/gestion/pages-legales/accessibilite/versions/1/",
    ):
        page.goto(url("paris", path))
        found[path] = axe_violations(page, impacts=EVERY_IMPACT)

    page.goto(url("paris", "/gestion/pages-legales/accessibilite/"))
    page.get_by_label("Taux de conformité, en pourcentage").fill("150")
    page.get_by_role("button", name="Publier cette version").click()
    expect(page.locator(".error-summary")).to_be_visible()
    found["refused"] = axe_violations(page, impacts=EVERY_IMPACT)
    page.get_by_label("partiellement conforme").check()
    page.get_by_label("Date de l’audit").fill("2025-03-14")
    page.get_by_label("Taux de conformité, en pourcentage").fill("75.5")
    page.get_by_label("Adresse de contact pour l’accessibilité").fill("a11y@paris.example")
    page.get_by_role("button", name="Publier cette version").click()
    expect(
        page.get_by_text("Déclaration d’accessibilité : la version 2 est publiée.")
    ).to_be_visible()

    page.goto(url("paris", "/accessibilite/"))
    expect(page.get_by_text("75,5 % des critères du RGAA")).to_be_visible()
    assert found == {path: [] for path in found}

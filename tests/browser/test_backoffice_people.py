"""People and roles in a real browser: a tenant admin (password and second factor) finds a
volunteer, makes them a moderator, suspends and reactivates them, invites a person; axe-core finds
no violation at any impact on the people pages, on a computer and a phone, errors shown included; a
moderator gets the 403 page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from accounts.models import User
from engagement.organizations.models import Organization, OrganizationMembership
from tenants.audit.models import AuditEvent
from tenants.legal.services import terms_accept_current
from tenants.models import Tenant
from tests.accounts.conftest import totp_code
from tests.browser.conftest import axe_violations, unique_email
from tests.engagement.factories import (
    MembershipFactory,
    OrganizationFactory,
    TenantAdminFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

PASSWORD = "Un-mot-de-passe-2024"
EVERY_IMPACT = ("minor", "moderate", "serious", "critical")


@dataclass
class Crew:
    tenant: Tenant
    admin: User
    totp_secret: str
    volunteer: User
    moderator: User
    organization: Organization


@pytest.fixture
def crew(live_site) -> Iterator[Crew]:  # type: ignore[no-untyped-def]
    """A tenant admin with a second factor, a volunteer admin of an organization and a
    moderator, committed in Paris; removed afterwards with what the test made."""
    paris = Tenant.objects.get(slug="paris")
    with tenant_context(paris):
        last_audit = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        admin = TenantAdminFactory(email=unique_email("gestion"), password=PASSWORD)
        secret = generate_totp_secret()
        TOTP.activate(admin, secret)
        volunteer = UserFactory(
            email=unique_email("personne"), first_name="Yasmine", last_name="Benali"
        )
        organization = OrganizationFactory(name=f"Épicerie solidaire {volunteer.pk}")
        MembershipFactory(organization=organization, user=volunteer)
        moderator = UserFactory(
            email=unique_email("moderation"), password=PASSWORD, role=User.Role.MODERATOR
        )
        # As people who signed up with the form did (else their first page asks for it).
        for person in (admin, volunteer, moderator):
            terms_accept_current(user=person)
    yield Crew(paris, admin, secret, volunteer, moderator, organization)
    with tenant_context(paris):
        OrganizationMembership.objects.filter(organization=organization).delete()
        Organization.objects.filter(pk=organization.pk).delete()
        User.objects.filter(pk__in=[admin.pk, volunteer.pk, moderator.pk]).delete()
        User.objects.filter(email__startswith="invitee-").delete()
        AuditEvent.objects.filter(id__gt=last_audit).delete()


def sign_in(page, email: str, secret: str | None = None) -> None:  # type: ignore[no-untyped-def]
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    form = page.locator("form.login")
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    if secret is not None:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
        page.locator("input[name=code]").fill(totp_code(secret))
        page.get_by_role("button", name="Connexion").click()


def test_an_admin_manages_a_person(pages, url, crew):
    page = pages.new()
    page.goto(url("paris", "/gestion/personnes/"))
    sign_in(page, crew.admin.email, crew.totp_secret)
    expect(page.locator("h1")).to_have_text("Personnes")

    page.get_by_label("Nom ou adresse e-mail").fill("yasmine benali")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="Yasmine Benali").click()
    expect(page.locator("h1")).to_have_text("Yasmine Benali")
    expect(page.get_by_role("link", name=crew.organization.name)).to_be_visible()

    page.get_by_label("Modérateur").check()
    page.get_by_role("button", name="Changer le rôle").click()
    expect(page.locator(".messages")).to_contain_text("Yasmine Benali est maintenant : Modérateur")

    page.get_by_role("button", name="Suspendre le compte").click()
    expect(page.locator(".messages")).to_contain_text("est suspendu")
    page.get_by_role("button", name="Réactiver le compte").click()
    expect(page.locator(".messages")).to_contain_text("peut de nouveau se connecter")

    page.goto(url("paris", "/gestion/personnes/inviter/"))
    email = unique_email("invitee-")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Bénévole").check()
    page.get_by_role("button", name="Créer le compte et envoyer l’invitation").click()
    expect(page.locator(".messages")).to_contain_text(f"une invitation a été envoyée à {email}")
    expect(page.locator("[data-status=invited]")).to_be_visible()

    with tenant_context(crew.tenant):
        crew.volunteer.refresh_from_db()
        assert (crew.volunteer.role, crew.volunteer.is_active) == (User.Role.MODERATOR, True)
        assert User.objects.filter(email=email, role=User.Role.VOLUNTEER).exists()
    assert pages.errors == []


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
def test_the_people_pages_have_no_accessibility_violation(pages, url, crew, phone):
    page = pages.new(phone=phone)
    page.goto(url("paris", "/gestion/personnes/"))
    sign_in(page, crew.admin.email, crew.totp_secret)
    expect(page.locator("h1")).to_be_visible()
    found = {}
    for path in (
        "/gestion/personnes/",
        f"/gestion/personnes/{crew.volunteer.pk}/",
        f"/gestion/personnes/{crew.admin.pk}/",
        "/gestion/personnes/inviter/",
        "/gestion/organisations/",
        f"/gestion/organisations/{crew.organization.pk}/",
    ):
        page.goto(url("paris", path))
        found[path] = axe_violations(page, impacts=EVERY_IMPACT)
        if phone:
            found[f"{path} (width)"] = (
                []
                if page.evaluate("() => document.documentElement.scrollWidth") <= 390
                else ["wider than the phone"]
            )

    # The same pages with their errors shown.
    page.goto(url("paris", "/gestion/personnes/inviter/"))
    page.get_by_role("button", name="Créer le compte et envoyer l’invitation").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    found["invite, errors"] = axe_violations(page, impacts=EVERY_IMPACT)
    page.goto(url("paris", f"/gestion/personnes/{crew.admin.pk}/"))
    page.get_by_label("Bénévole").check()
    page.get_by_role("button", name="Changer le rôle").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    found["own role, errors"] = axe_violations(page, impacts=EVERY_IMPACT)
    page.goto(url("paris", f"/gestion/organisations/{crew.organization.pk}/"))
    page.locator("li[data-membership] button[type=submit]").first.click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    found["last organization admin, errors"] = axe_violations(page, impacts=EVERY_IMPACT)

    assert found == {key: [] for key in found}
    assert [error for error in pages.errors if "status of 4" not in error] == []


def test_a_moderator_gets_the_403_page(pages, url, crew):
    page = pages.new()
    page.goto(url("paris", "/gestion/personnes/"))
    sign_in(page, crew.moderator.email)

    expect(page.locator("h1")).to_be_visible()
    assert "/gestion/personnes/" in page.url
    assert page.get_by_role("link", name="Personnes").count() == 0
    assert axe_violations(page, impacts=EVERY_IMPACT) == []

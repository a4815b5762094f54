"""Place suggestions in a real browser, with the offline gazetteer (the tenants' default): the
resident's place search and the mission form's address, each a WAI-ARIA combobox driven from
the keyboard. The suggestions come from the live server; nothing leaves the machine."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from accounts.models import User
from engagement.missions.models import Mission
from engagement.organizations.models import Organization, OrganizationMembership
from tenants.legal.services import terms_accept_current
from tenants.models import Tenant
from tests.browser.conftest import axe_violations, unique_email
from tests.engagement.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "Un-mot-de-passe-2024"
BIKES = "Atelier vélo solidaire à Montreuil"


@dataclass
class Organizer:
    tenant: Tenant
    organization: Organization
    admin: User


@pytest.fixture
def organizer(live_site) -> Iterator[Organizer]:  # type: ignore[no-untyped-def]
    paris = Tenant.objects.get(slug="paris")
    with tenant_context(paris):
        admin = UserFactory(email=unique_email("lieux"), password=PASSWORD)
        organization = OrganizationFactory(name=f"Repair café {admin.pk}")
        MembershipFactory(organization=organization, user=admin)
        terms_accept_current(user=admin)
    yield Organizer(tenant=paris, organization=organization, admin=admin)
    with tenant_context(paris):
        Mission.objects.filter(organization=organization).delete()
        OrganizationMembership.objects.filter(organization=organization).delete()
        Organization.objects.filter(pk=organization.pk).delete()
        User.objects.filter(pk=admin.pk).delete()


def _requests_outside(page) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    page.on(
        "request",
        lambda request: seen.append(request.url)
        if request.resource_type in {"fetch", "xhr"}
        and not re.match(r"^https?://[a-z0-9-]+\.entraide\.test[:/]", request.url)
        else None,
    )
    return seen


def test_a_resident_picks_a_suggested_place_with_the_keyboard(pages, url, world):
    page = pages.new()
    outside = _requests_outside(page)
    page.goto(url("paris", "/"))
    where = page.locator("#id_where")

    where.click()
    where.press_sequentially("Montreu", delay=30)

    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(where).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option").first).to_have_text("Montreuil (93100)")
    expect(page.get_by_role("status").filter(has_text="suggestion")).to_have_count(1)

    where.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(where).to_have_attribute("aria-activedescendant", first.get_attribute("id") or "")
    where.press("Enter")

    expect(where).to_have_value("Montreuil (93100)")
    expect(where).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#results .mission-card h3 a").first).to_have_text(BIKES)
    expect(page.locator("#results")).to_contain_text("Autour de : Montreuil (93100)")
    assert outside == []
    assert pages.errors == [], "\n".join(pages.errors)


def test_escape_closes_the_suggestions_and_the_search_still_works_by_typing(pages, url, world):
    page = pages.new()
    page.goto(url("paris", "/"))
    where = page.locator("#id_where")

    where.click()
    where.press_sequentially("Paris 16", delay=30)
    expect(page.get_by_role("option").first).to_have_text("Paris 16e (75016)")
    where.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()

    # Enter without a chosen option submits what was typed, located by the server.
    where.press("Enter")
    expect(page.locator("#results")).to_contain_text("Autour de : Paris 16e (75016)")
    expect(page.locator("#results .mission-card h3 a").first).to_have_text(
        "Visites de convivialité aux aînés"
    )


def test_the_open_combobox_has_no_serious_accessibility_violations(pages, url, world):
    page = pages.new()
    page.goto(url("paris", "/"))
    page.locator("#id_where").press_sequentially("Paris 1", delay=30)
    expect(page.get_by_role("listbox")).to_be_visible()
    page.locator("#id_where").press("ArrowDown")

    assert axe_violations(page) == []


def test_the_mission_address_suggests_places_and_moves_the_pin(pages, url, organizer):
    page = pages.new()
    outside = _requests_outside(page)
    page.goto(url("paris", "/accounts/login/?password=1"))
    page.locator("input[name=login]").fill(organizer.admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(url("paris", f"/organisation/{organizer.organization.pk}/missions/new/"))

    page.locator("#id_title").fill("Réparation de vélos")
    address = page.locator("#id_address")
    address.press_sequentially("Paris 4", delay=30)
    expect(page.get_by_role("option").first).to_have_text("Paris 4e (75004)")
    address.press("ArrowDown")
    address.press("Enter")

    expect(page.locator("#id_latitude")).to_have_value("48.8543")
    expect(page.locator("#id_longitude")).to_have_value("2.3576")
    expect(page.locator("[data-map-picker-status]")).to_contain_text("48.85430")
    page.locator("form:has(#id_title) button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/organisation/missions/\d+/"))
    with tenant_context(organizer.tenant):
        mission = Mission.objects.get(
            organization=organizer.organization, title="Réparation de vélos"
        )
    assert (mission.location.y, mission.location.x) == (48.8543, 2.3576)
    assert mission.address == "Paris 4e (75004)"
    assert outside == []

"""The organization side in a real browser: an organization admin creates a mission, places its
pin on the map, adds a date and submits it; a moderator publishes it (Paris moderates); a
resident then finds it on the home page. Also: the mission form without JavaScript, and an axe
scan of the registration page and the mission editor."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from accounts.models import User
from engagement.missions.models import Mission
from engagement.organizations.models import Organization, OrganizationMembership
from engagement.taxonomy.models import Cause
from tenants.legal.services import terms_accept_current
from tenants.models import Tenant
from tests.browser.conftest import axe_violations, unique_email
from tests.engagement.factories import (
    MembershipFactory,
    ModeratorFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

PASSWORD = "Un-mot-de-passe-2024"


@dataclass
class Cast:
    tenant: Tenant
    organization: Organization
    admin: User
    moderator: User


@pytest.fixture
def cast(live_site) -> Iterator[Cast]:  # type: ignore[no-untyped-def]
    """A verified organization with its admin, and a moderator, committed in Paris; removed with
    everything the test made, so the resident tests of the same session see the seed only."""
    paris = Tenant.objects.get(slug="paris")
    with tenant_context(paris):
        admin = UserFactory(email=unique_email("orga"), password=PASSWORD)
        organization = OrganizationFactory(name=f"Ludothèque du Marais {admin.pk}")
        MembershipFactory(organization=organization, user=admin)
        moderator = ModeratorFactory(email=unique_email("moderation"), password=PASSWORD)
        # People who signed up accepted the terms of use then.
        for person in (admin, moderator):
            terms_accept_current(user=person)
    yield Cast(tenant=paris, organization=organization, admin=admin, moderator=moderator)
    with tenant_context(paris):
        Mission.objects.filter(organization=organization).delete()
        OrganizationMembership.objects.filter(organization=organization).delete()
        Organization.objects.filter(pk=organization.pk).delete()
        User.objects.filter(pk__in=[admin.pk, moderator.pk]).delete()


def unexpected(errors: list[str]) -> list[str]:
    """Console errors, except the 400 status of a form sent back with its errors (on purpose)."""
    return [error for error in errors if "status of 400" not in error]


def sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    form = page.locator("form.login")
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()


def test_an_organization_admin_publishes_a_mission_that_a_resident_then_finds(pages, url, cast):
    organization = cast.organization
    title = f"Collecte de jouets {organization.pk}"
    with tenant_context(cast.tenant):
        food_aid = Cause.objects.get(slug="alimentation")

    # The admin signs in and opens the mission editor of the organization.
    page = pages.new()
    page.goto(url("paris", "/organisation/"))
    sign_in(page, cast.admin.email)
    page.locator(f"a[href='/organisation/{organization.pk}/']").first.click()
    page.locator(f"a[href='/organisation/{organization.pk}/missions/new/']").click()

    page.locator("#id_title").fill(title)
    page.locator("#id_summary").fill("Trier des jouets donnés pour les familles du quartier.")
    page.locator("#id_description").fill("Tri, nettoyage, emballage.\n\nGoûter offert !")
    page.locator(f"input[name=causes][value='{food_aid.pk}']").check()
    page.locator("#id_address").fill("Place des Vosges")
    page.locator("#id_postcode").fill("75004")
    page.locator("#id_city").fill("Paris")

    # With JavaScript the coordinates are hidden and the pin is placed on the map.
    expect(page.locator("[data-map-picker]")).to_be_visible()
    expect(page.locator("[data-coordinates]")).to_be_hidden()
    page.locator("[data-map-picker-map]").click(position={"x": 260, "y": 90})
    expect(page.locator("[data-map-picker-status]")).to_contain_text("48.")
    latitude = float(page.locator("#id_latitude").input_value())
    longitude = float(page.locator("#id_longitude").input_value())
    assert 48.80 < latitude < 48.92 and 2.25 < longitude < 2.45
    page.locator("form:has(#id_title) button[type=submit]").click()

    # The draft's page: add a date, then submit.
    expect(page).to_have_url(re.compile(r"/organisation/missions/\d+/"))
    mission_id = int(re.search(r"/missions/(\d+)/", page.url).group(1))
    day = (timezone.now() + timedelta(days=9)).astimezone(ZoneInfo("Europe/Paris")).date()
    slot_form = page.locator("form[data-slot-form]")
    slot_form.locator("input[name=day]").fill(day.isoformat())
    slot_form.locator("input[name=start_time]").fill("14:00")
    slot_form.locator("input[name=end_time]").fill("17:00")
    slot_form.locator("input[name=capacity]").fill("6")
    slot_form.locator("button[type=submit]").click()
    expect(page.locator("article[id^=slot-]")).to_have_count(1)
    page.locator(f"form[action='/organisation/missions/{mission_id}/submit/'] button").click()

    with tenant_context(cast.tenant):
        mission = Mission.objects.get(pk=mission_id)
        causes = list(mission.causes.values_list("slug", flat=True))
        slots = list(mission.slots.values_list("capacity", flat=True))
    moderated = cast.tenant.moderation_enabled
    assert (mission.title, causes, slots) == (title, ["alimentation"], [6])
    assert (round(mission.location.y, 5), round(mission.location.x, 5)) == (
        round(latitude, 5),
        round(longitude, 5),
    )
    if moderated:
        expect(page.locator("[data-mission-status]")).to_have_attribute(
            "data-mission-status", "in_review"
        )

        # A moderator publishes it from the queue.
        moderation = pages.new()
        moderation.goto(url("paris", "/organisation/moderation/"))
        sign_in(moderation, cast.moderator.email)
        item = moderation.locator(f"#mission-{mission_id}")
        expect(item.locator("h3")).to_have_text(title)
        item.locator("form:has(input[name=decision][value=approve]) button").click()
        expect(moderation.locator(f"#mission-{mission_id}")).to_have_count(0)

    page.reload()
    expect(page.locator("[data-mission-status]")).to_have_attribute(
        "data-mission-status", "published"
    )

    # A resident finds it on the home page, in the list and by a text search.
    resident = pages.new()
    resident.goto(url("paris"))
    expect(resident.locator(f"#results a[href='/missions/{mission_id}/']")).to_have_text(title)
    resident.locator("#id_q").fill("jouets")
    resident.locator("#id_q").press("Enter")
    expect(resident).to_have_url(re.compile(r"[?&]q=jouets"))
    expect(resident.locator("#results .mission-card h3 a")).to_have_text([title])
    resident.wait_for_load_state("networkidle")
    resident.locator(f"#results a[href='/missions/{mission_id}/']").click()
    expect(resident).to_have_url(re.compile(rf"/missions/{mission_id}/$"))
    expect(resident.locator("h1")).to_have_text(title)

    assert pages.errors == [], "\n".join(pages.errors)


def test_the_mission_form_works_without_javascript(pages, url, cast):
    organization = cast.organization
    page = pages.new(java_script_enabled=False)
    page.goto(url("paris", f"/organisation/{organization.pk}/missions/new/"))
    sign_in(page, cast.admin.email)

    # No map: the coordinates are plain inputs.
    expect(page.locator("[data-map-picker]")).to_be_hidden()
    expect(page.locator("#id_latitude")).to_be_visible()
    page.locator("#id_title").fill("Lecture aux enfants")
    page.locator("#id_latitude").fill("48.8606")
    page.locator("#id_longitude").fill("2.3376")
    page.locator("form:has(#id_title) button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/organisation/missions/\d+/"))
    with tenant_context(cast.tenant):
        mission = Mission.objects.get(organization=organization, title="Lecture aux enfants")
    assert (mission.location.y, mission.location.x) == (48.8606, 2.3376)

    # Errors come back as a linked summary at the top of the form.
    page.goto(url("paris", f"/organisation/{organization.pk}/missions/new/"))
    page.locator("form:has(#id_title) button[type=submit]").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#id_title']")).to_have_count(1)
    assert unexpected(pages.errors) == []


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
@pytest.mark.parametrize("path", ["/organisation/register/", "/organisation/{id}/missions/new/"])
def test_organization_pages_have_no_serious_accessibility_violations(pages, url, cast, path, phone):
    page = pages.new(phone=phone)
    page.goto(url("paris", path.format(id=cast.organization.pk)))
    sign_in(page, cast.admin.email)
    expect(page.locator("h1")).to_be_visible()

    assert axe_violations(page) == []
    if phone:
        # Mobile first: nothing wider than the phone's screen.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    # The same page with every error shown.
    page.locator("main form[method=post] button[type=submit]").last.click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert axe_violations(page) == []
    assert unexpected(pages.errors) == []

"""Screenshots of the key resident pages, desktop and phone, into docs/screenshots/.

Not part of the test suite (the file name does not match `test_*.py`); run it on demand with the
browser harness:

    ENTRAIDE_TEST_RUN=browser .venv/bin/pytest -m browser tests/browser/screenshots.py -q

Map tiles are not fetched (no network in tests): the map shows plain placeholder tiles.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from billing.services import plan_assign
from engagement.missions.models import Mission, Slot
from engagement.participations.models import Participation
from tenants.dns import challenge_name
from tenants.models import Domain, Tenant
from tests.browser.conftest import REPOSITORY, confirm_sign_up, unique_email
from tests.browser.test_backoffice import sign_in_as_admin
from tests.engagement.factories import ParticipationFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.browser

OUTPUT = REPOSITORY / "docs" / "screenshots"
PASSWORD = "Un-mot-de-passe-2024"
GARDEN = "Jardin partagé de la Folie-Méricourt"


def shoot(page, name: str, *, full_page: bool = False) -> Path:  # type: ignore[no-untyped-def]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_screenshots(pages, url, world, device):
    phone = device == "phone"
    page = pages.new(
        phone=phone,
        geolocation={"latitude": world.paris_position[0], "longitude": world.paris_position[1]},
        permissions=["geolocation"],
    )

    page.goto(url("paris"))
    page.get_by_role("button", name="Me localiser").click()
    expect(page.locator("#map .leaflet-interactive").first).to_be_visible()
    page.locator("#map").evaluate("element => element.scrollIntoView({block: 'start'})")
    page.evaluate("() => window.scrollTo(0, 0)")
    shoot(page, f"home-{device}", full_page=not phone)

    page.get_by_role("link", name=GARDEN).click()
    expect(page.locator("#mission-map .leaflet-interactive").first).to_be_visible()
    shoot(page, f"mission-{device}", full_page=not phone)

    page.locator("input[name=slot]").first.check()
    page.get_by_role("button", name="Je participe").click()
    expect(page.locator("form.signup")).to_be_visible()
    shoot(page, f"signup-{device}", full_page=not phone)

    form = page.locator("form.signup")
    email = unique_email("capture")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password1]").fill(PASSWORD)
    form.locator("input[name=password2]").fill(PASSWORD)
    form.locator("input[name=accept_terms]").check()
    form.locator("button[type=submit]").click()
    confirm_sign_up(page, email)
    expect(page.locator("main > .messages")).to_be_visible()
    shoot(page, f"participation-confirmed-{device}")

    page.goto(url("paris", "/mes-engagements/"))
    shoot(page, f"mes-engagements-{device}", full_page=not phone)

    if not phone:
        page.goto(url("montreal"))
        page.get_by_role("button", name="English").click()
        shoot(page, "montreal-english-desktop")
        page.goto(url("acme"))
        shoot(page, "acme-desktop")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_custom_domain_screenshots(pages, url, world, dns_zone, device):
    """The custom domain page in Paris: one domain verified, one waiting with what the check
    found (the DNS answers from the loopback server)."""
    paris = Tenant.objects.get(slug="paris")
    previous = paris.billing_plan
    plan_assign(tenant=paris, plan_code="city_premium")
    try:
        page = sign_in_as_admin(pages, url, phone=device == "phone")
        page.goto(url("paris", "/gestion/domaines/"))
        for name in ("jemengage.paris.example", "bénévolat.paris.example"):
            page.get_by_label("Nom de domaine").fill(name)
            page.get_by_role("button", name="Ajouter le domaine").click()
        verified = Domain.objects.get(domain="jemengage.paris.example")
        dns_zone.add(verified.domain, "CNAME", "ingress.entraide.test")
        dns_zone.add(challenge_name(verified.domain), "TXT", verified.verification_token)
        dns_zone.add("xn--bnvolat-byab.paris.example", "CNAME", "ancien-site.paris.example")
        for card in page.locator(".custom-domain").all():
            card.get_by_role("button", name="Vérifier maintenant").click()
        expect(page.locator("[data-status=verified]")).to_have_count(1)
        if device == "phone":  # the domain waiting for its records, as a phone shows it
            page.locator(".custom-domain").nth(1).evaluate("card => card.scrollIntoView()")
        else:
            page.evaluate("() => window.scrollTo(0, 0)")
        shoot(page, f"backoffice-domains-{device}", full_page=device == "desktop")
    finally:
        Domain.objects.filter(tenant=paris).exclude(domain=paris.primary_host).delete()
        plan_assign(tenant=paris, plan_code=previous)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_statistics_screenshots(pages, url, world, device):
    """The statistics page of Paris over the last 12 months, with the breakdowns a plan with
    advanced reports shows: participations spread over the year on the session's missions."""
    paris = Tenant.objects.get(slug="paris")
    previous = paris.billing_plan
    plan_assign(tenant=paris, plan_code="city_premium")
    statuses = [Participation.Status.CONFIRMED] * 5 + [
        Participation.Status.WAITLISTED,
        Participation.Status.CANCELLED,
    ]
    with tenant_context(paris):
        missions = Mission.objects.filter(status=Mission.Status.PUBLISHED).order_by("pk")
        slots = [SlotFactory(mission=mission, capacity=40) for mission in missions]
        made = []
        for index in range(42):
            participation = ParticipationFactory(
                slot=slots[index % len(slots)],
                volunteer=UserFactory(),
                status=statuses[index % len(statuses)],
            )
            months_ago = (index * 5) % 12
            Participation.objects.filter(pk=participation.pk).update(
                created_at=timezone.now() - timedelta(days=30 * months_ago + index % 7)
            )
            made.append(participation.pk)
    try:
        page = sign_in_as_admin(pages, url, phone=device == "phone")
        page.goto(url("paris", "/gestion/statistiques/?period=12-months"))
        expect(page.locator("h1")).to_be_visible()
        shoot(page, f"backoffice-statistics-{device}", full_page=device == "desktop")
    finally:
        with tenant_context(paris):
            Participation.objects.filter(pk__in=made).delete()
            Slot.objects.filter(pk__in=[slot.pk for slot in slots]).delete()
        plan_assign(tenant=paris, plan_code=previous)

"""Friends in a real browser: Léa shares her invitation link, Sam opens it signed out, signs in,
comes back and accepts; Léa joins a mission; Sam sees "Léa y va" on its card and on its page.
And the whole walk: they become friends, Léa signs up with a seat held for Sam, Sam sees her
going and takes the seat."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from accounts.models import User
from engagement.friends.models import Friendship
from engagement.groups.models import SeatHold
from engagement.missions.models import Mission, Slot
from engagement.participations.models import Participation
from tenants.legal.services import terms_accept_current
from tenants.models import Tenant
from tests.accounts.conftest import PASSWORD, make_user
from tests.browser.conftest import axe_violations, menu_link, unique_email
from tests.engagement.factories import MissionFactory, SlotFactory

pytestmark = pytest.mark.browser

MISSION = "Maraude du soir – Gare du Nord"


def _volunteer(first_name: str) -> tuple[str, User]:
    tenant = Tenant.objects.get(slug="paris")
    email = unique_email(first_name.lower().replace("é", "e"))
    user = make_user(tenant, email, first_name=first_name, last_name="")
    with tenant_context(tenant):
        terms_accept_current(user=user)
    return email, user


def _sign_in(page: Any, email: str) -> None:
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login button[type=submit]").click()


def test_two_volunteers_become_friends_and_one_sees_the_other_going(pages, url, world):  # type: ignore[no-untyped-def]
    lea_email, lea = _volunteer("Léa")
    sam_email, sam = _volunteer("Sam")
    mission_id = world.paris_missions[MISSION]

    # Léa signs in, opens "Mes ami·es" from the menu and makes her link (with its QR code).
    lea_page = pages.new()
    lea_page.goto(url("paris", "/accounts/login/?next=/"))
    _sign_in(lea_page, lea_email)
    menu_link(lea_page, "Mes ami·es").click()
    expect(lea_page.locator("h1")).to_have_text("Mes ami·es")
    lea_page.get_by_role("button", name="Créer mon lien d'invitation").click()
    expect(lea_page.locator(".qr-code svg")).to_be_visible()
    link = lea_page.locator("#invitation-link").input_value()
    assert re.search(r"/amis/invitation/[\w-]+/$", link)
    assert axe_violations(lea_page) == []

    # Sam opens the link signed out: sign in, then back on the invitation, and accepts.
    sam_page = pages.new()
    sam_page.goto(link)
    expect(sam_page).to_have_url(re.compile(r"/accounts/login/\?next=/amis/invitation/"))
    _sign_in(sam_page, sam_email)
    expect(sam_page.locator("main")).to_contain_text("Léa vous invite à devenir ami·es")
    assert axe_violations(sam_page) == []
    sam_page.get_by_role("button", name="Accepter").click()
    expect(sam_page).to_have_url(url("paris", "/amis/"))
    expect(sam_page.locator("#friends-title + ul")).to_contain_text("Léa")
    with tenant_context(Tenant.objects.get(slug="paris")):
        assert Friendship.objects.get(requester=lea, addressee=sam).status == "accepted"

    # Léa joins the mission.
    lea_page.goto(url("paris", f"/missions/{mission_id}/"))
    slots = lea_page.locator("input[name=slot]")
    if slots.count() and slots.first.is_visible():
        slots.first.check()
    lea_page.get_by_role("button", name="Je participe").click()
    with tenant_context(Tenant.objects.get(slug="paris")):
        assert Participation.objects.get(volunteer=lea).status == "confirmed"

    # Sam sees her going, on the card of the list and on the mission page.
    sam_page.goto(url("paris", "/"))
    card = sam_page.locator(f'.mission-card[data-mission-id="{mission_id}"]')
    expect(card.locator(".friends-going")).to_have_text("Léa y va")
    sam_page.goto(url("paris", f"/missions/{mission_id}/"))
    expect(sam_page.locator(".friends-going")).to_have_text("Léa y va")
    assert axe_violations(sam_page) == []


@pytest.fixture
def one_date_mission() -> Iterator[Mission]:
    """A remote mission with one date of 5 seats (committed; removed afterwards)."""
    paris = Tenant.objects.get(slug="paris")
    with tenant_context(paris):
        mission = MissionFactory(title="Atelier vélo entre ami·es", is_remote=True)
        slot = SlotFactory(mission=mission, capacity=5)
    yield mission
    with tenant_context(paris):
        SeatHold.objects.filter(slot=slot).delete()
        Participation.objects.filter(slot=slot).delete()
        Slot.objects.filter(pk=slot.pk).delete()
        Mission.objects.filter(pk=mission.pk).delete()


def test_two_volunteers_become_friends_see_each_other_going_and_go_as_a_group(  # type: ignore[no-untyped-def]
    pages, url, one_date_mission
):
    lea_email, lea = _volunteer("Léa")
    sam_email, sam = _volunteer("Sam")
    mission_path = f"/missions/{one_date_mission.pk}/"

    # Léa makes her link; Sam opens it, signs in and accepts.
    lea_page = pages.new()
    lea_page.goto(url("paris", "/accounts/login/?next=/amis/"))
    _sign_in(lea_page, lea_email)
    lea_page.get_by_role("button", name="Créer mon lien d'invitation").click()
    link = lea_page.locator("#invitation-link").input_value()
    sam_page = pages.new()
    sam_page.goto(link)
    _sign_in(sam_page, sam_email)
    sam_page.get_by_role("button", name="Accepter").click()
    expect(sam_page.locator("#friends-title + ul")).to_contain_text("Léa")

    # Léa goes with Sam: she signs up and holds a seat for him.
    lea_page.goto(url("paris", mission_path))
    lea_page.get_by_role("link", name="Y aller entre amis").click()
    # Exactly: on a Saturday the date offered reads "samedi …", which "Sam" also matches.
    lea_page.get_by_label("Sam", exact=True).check()
    lea_page.get_by_role("button", name="M’inscrire et garder les places").click()
    expect(lea_page.locator("main")).to_contain_text("Pour Sam")

    # Sam sees Léa going, then takes the seat held for him.
    sam_page.goto(url("paris", mission_path))
    expect(sam_page.locator(".friends-going")).to_have_text("Léa y va")
    sam_page.goto(url("paris", "/mes-engagements/"))
    sam_page.get_by_role("link", name=f"Prendre ou refuser — {one_date_mission.title}").click()
    sam_page.get_by_role("button", name="Prendre ma place").click()
    expect(sam_page.locator("main > .messages")).to_contain_text("la place est à vous")

    with tenant_context(Tenant.objects.get(slug="paris")):
        slot = Slot.objects.get(mission=one_date_mission)
        assert (slot.confirmed_count, slot.held_count) == (2, 0)
        assert {p.volunteer_id for p in Participation.objects.filter(slot=slot)} == {
            lea.pk,
            sam.pk,
        }

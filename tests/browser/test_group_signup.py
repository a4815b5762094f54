"""Going with a friend in a real browser: A and B are already friends; A opens a mission, chooses
"Go with friends", picks B and signs up; B signs in, finds the seat held for them in "Mes
engagements", claims it; the mission page then shows the right number of seats left."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
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
from tests.browser.conftest import axe_violations, unique_email
from tests.engagement.factories import MissionFactory, SlotFactory

pytestmark = pytest.mark.browser

TITLE = "Sortie nature entre amis"


@pytest.fixture
def friends_and_mission(world) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Two volunteers who are friends, and a mission with one date of 5 seats (committed)."""
    paris = Tenant.objects.get(slug="paris")
    a_email, b_email = unique_email("groupe-a"), unique_email("groupe-b")
    a = make_user(paris, a_email, first_name="Alix")
    b = make_user(paris, b_email, first_name="Bastien")
    with tenant_context(paris):
        for user in (a, b):
            terms_accept_current(user=user)
        Friendship.objects.create(
            requester=a, addressee=b, status=Friendship.Status.ACCEPTED, answered_at=timezone.now()
        )
        mission = MissionFactory(title=TITLE, is_remote=True)
        slot = SlotFactory(mission=mission, capacity=5)
    yield {"a": a, "b": b, "mission": mission, "slot": slot, "tenant": paris}
    with tenant_context(paris):
        SeatHold.objects.filter(slot=slot).delete()
        Participation.objects.filter(slot=slot).delete()
        Slot.objects.filter(pk=slot.pk).delete()
        Mission.objects.filter(pk=mission.pk).delete()
        Friendship.objects.filter(requester=a).delete()
        User.objects.filter(pk__in=[a.pk, b.pk]).delete()


def sign_in(page, url, email: str, next_path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url("paris", f"/accounts/login/?next={next_path}"))
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login button[type=submit]").click()


def test_two_friends_sign_up_as_a_group(pages, url, friends_and_mission):
    data = friends_and_mission
    mission_path = f"/missions/{data['mission'].pk}/"

    # A signs up with B as a group from the mission page.
    page_a = pages.new()
    sign_in(page_a, url, data["a"].email, mission_path)
    expect(page_a.locator("h1")).to_have_text(TITLE)
    page_a.get_by_role("link", name="Y aller entre amis").click()
    expect(page_a.locator("h1")).to_have_text("Y aller entre amis")
    expect(page_a.locator(f"[data-slot-seats='{data['slot'].pk}']")).to_have_text(
        "5 places restantes"
    )
    assert axe_violations(page_a) == []
    page_a.get_by_label("Bastien").check()
    page_a.get_by_role("button", name="M’inscrire et garder les places").click()
    expect(page_a.locator("h1")).to_have_text("Mes engagements")
    expect(page_a.locator("main")).to_contain_text("Places que vous gardez pour vos amis")
    expect(page_a.locator("main")).to_contain_text("Pour Bastien")
    # What a visitor sees: A's seat and the one held for B are taken.
    visitor = pages.new()
    visitor.goto(url("paris", mission_path))
    expect(visitor.locator(".mission-participate .seats")).to_have_text("3 places restantes")

    # B finds the seat held for them and claims it.
    page_b = pages.new()
    sign_in(page_b, url, data["b"].email, "/mes-engagements/")
    expect(page_b.locator("main")).to_contain_text("Places gardées pour vous")
    page_b.get_by_role("link", name=f"Prendre ou refuser — {TITLE}").click()
    expect(page_b.locator("h1")).to_have_text("Une place gardée pour vous")
    expect(page_b.locator("main")).to_contain_text("Alix y va et vous a gardé cette place.")
    assert axe_violations(page_b) == []
    page_b.get_by_role("button", name="Prendre ma place").click()
    expect(page_b.locator("main > .messages")).to_contain_text("la place est à vous")

    # Two confirmed, nothing held: 3 seats left, as before the claim.
    visitor.reload()
    expect(visitor.locator(".mission-participate .seats")).to_have_text("3 places restantes")
    with tenant_context(data["tenant"]):
        slot = Slot.objects.get(pk=data["slot"].pk)
        assert (slot.confirmed_count, slot.held_count, slot.seats_left) == (2, 0, 3)
        assert Participation.objects.get(volunteer=data["b"]).status == "confirmed"

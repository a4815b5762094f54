"""A volunteer chooses their e-mails and how organizations see them, in a real browser, with
axe-core on both pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.test_accessibility import signed_up_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("phone", [False, True], ids=["computer", "phone"])
def test_a_volunteer_chooses_a_weekly_digest_and_a_display_name(pages, url, world, phone):
    page = signed_up_page(pages, url, phone=phone)

    page.goto(url("paris", "/profil/notifications/"))
    expect(page.locator("h1")).to_have_text("Mes e-mails")
    assert axe_violations(page) == []
    page.get_by_label("Un e-mail par semaine").check()
    page.get_by_label("Les alertes de mes recherches enregistrées").uncheck()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("body")).to_contain_text("Vos préférences d’e-mails sont enregistrées.")
    expect(page.get_by_label("Un e-mail par semaine")).to_be_checked()
    expect(page.get_by_label("Les alertes de mes recherches enregistrées")).not_to_be_checked()

    page.goto(url("paris", "/profil/"))
    page.get_by_label("Mon nom tel que le voient les organisations et mes amis").fill("Lili")
    page.get_by_label("Mon téléphone (facultatif)").fill("12")
    page.get_by_role("button", name="Enregistrer mon profil").click()
    expect(page.locator(".error-summary")).to_contain_text("Saisissez un numéro de téléphone")
    assert axe_violations(page) == []
    page.get_by_label("Mon téléphone (facultatif)").fill("06 12 34 56 78")
    page.get_by_role("button", name="Enregistrer mon profil").click()
    page.goto(url("paris", "/profil/"))
    expect(page.get_by_label("Mon téléphone (facultatif)")).to_have_value("+33 6 12 34 56 78")
    expect(
        page.get_by_label("Mon nom tel que le voient les organisations et mes amis")
    ).to_have_value("Lili")

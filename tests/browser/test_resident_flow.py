"""The three-click resident flow in a real browser: locate yourself, filter, "Je participe", sign
up, land back on the mission with the participation made, find it in "Mes engagements" — on a
computer, on a phone, and without JavaScript."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from engagement.participations.models import Participation
from tenants.models import Tenant
from tests.browser.conftest import confirm_sign_up, menu_link, unique_email

pytestmark = pytest.mark.browser

PASSWORD = "Un-mot-de-passe-2024"
NEAREST = "Distribution de repas à Bastille"
GARDEN = "Jardin partagé de la Folie-Méricourt"
BIKES = "Atelier vélo solidaire à Montreuil"


def flash(page):  # type: ignore[no-untyped-def]
    """The messages shown after an action (top of the page)."""
    return page.locator("main > .messages")


def result_titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("#results .mission-card h3 a").all_inner_texts()


def sign_up(page, email: str) -> None:  # type: ignore[no-untyped-def]
    expect(page).to_have_url(re.compile(r"/accounts/signup/\?next="))
    form = page.locator("form.signup")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password1]").fill(PASSWORD)
    form.locator("input[name=password2]").fill(PASSWORD)
    form.locator("input[name=accept_terms]").check()
    form.locator("button[type=submit]").click()
    confirm_sign_up(page, email)


def participation_of(email: str) -> Participation:
    with tenant_context(Tenant.objects.get(slug="paris")):
        return Participation.objects.select_related("slot__mission").get(volunteer__email=email)


def run_three_click_flow(page, url, world, *, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url("paris"))
    expect(page.locator("h1")).to_have_text("Paris")

    # 1. Locate me: nearest missions first.
    page.get_by_role("button", name="Me localiser").click()
    expect(page.locator("#locate-status")).to_contain_text("Position trouvée")
    expect(page).to_have_url(re.compile(r"/\?lat=48\.8535\d*&lng=2\.369\d*&sort=distance$"))
    expect(page.locator("#results .mission-card h3 a").first).to_have_text(NEAREST)
    titles = result_titles(page)
    assert titles.index(NEAREST) < titles.index(GARDEN) < titles.index(BIKES)
    expect(page.locator("#results .distance").first).to_contain_text("m")

    # 2. Filter by a cause, without a reload: the URL carries the filter.
    page.locator("details.filters > summary").click()
    page.get_by_label("Environnement et nature").check()
    expect(page.locator("#results .mission-card h3 a")).to_have_text([GARDEN, BIKES])
    expect(page).to_have_url(
        re.compile(r"/\?lat=[\d.]+&lng=[\d.]+&cause=environnement&sort=distance$")
    )
    expect(page.locator("#results-status")).to_have_text("2 missions")

    # 3. "Je participe" on the mission page (two dates: choose the first).
    page.get_by_role("link", name=GARDEN).click()
    expect(page.locator("h1")).to_have_text(GARDEN)
    page.locator("input[name=slot]").first.check()
    page.get_by_role("button", name="Je participe").click()

    # 4. Sign up by form, then back on the mission with the participation made.
    sign_up(page, email)
    expect(page).to_have_url(re.compile(rf"/missions/{world.paris_missions[GARDEN]}/"))
    expect(flash(page)).to_contain_text("votre participation est confirmée")
    participation = participation_of(email)
    assert participation.status == Participation.Status.CONFIRMED
    assert participation.slot.mission.title == GARDEN

    # 5. Listed in "Mes engagements".
    menu_link(page, "Mes engagements").click()
    upcoming = page.locator("section[aria-labelledby=upcoming-title]")
    expect(upcoming.locator(".engagement h3")).to_have_text([GARDEN])
    expect(upcoming.locator(".badge").first).to_have_text("Confirmée")


def test_three_click_flow_on_a_computer(pages, url, world):
    page = pages.new(
        geolocation={"latitude": world.paris_position[0], "longitude": world.paris_position[1]},
        permissions=["geolocation"],
    )

    run_three_click_flow(page, url, world, email=unique_email("ordinateur"))

    assert pages.errors == []


def test_three_click_flow_on_a_phone(pages, url, world):
    page = pages.new(
        phone=True,
        geolocation={"latitude": world.paris_position[0], "longitude": world.paris_position[1]},
        permissions=["geolocation"],
    )

    run_three_click_flow(page, url, world, email=unique_email("telephone"))

    # Nothing wider than the phone's screen; the menu folds behind its button.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator(".site-nav")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".site-nav").get_by_role("link", name="Mon profil")).to_be_visible()
    assert pages.errors == []


def test_refused_geolocation_falls_back_to_a_postcode(pages, url, world):
    page = pages.new()  # no geolocation permission
    page.goto(url("paris"))

    page.get_by_role("button", name="Me localiser").click()
    expect(page.locator("#locate-status")).to_contain_text("Saisissez plutôt une adresse")
    page.get_by_label("Adresse, code postal ou arrondissement").fill("75016")
    page.get_by_role("button", name="Rechercher").click()

    expect(page.locator("#results .mission-card h3 a").first).to_have_text(
        "Visites de convivialité aux aînés"
    )
    expect(page.locator("#results")).to_contain_text("Autour de : Paris 16e (75016)")


def test_a_shared_filtered_link_shows_the_same_results(pages, url, world):
    page = pages.new()

    page.goto(url("paris", "/?where=75011&cause=environnement"))

    expect(page.locator("#results .mission-card h3 a")).to_have_text([GARDEN, BIKES])
    expect(page.get_by_label("Environnement et nature")).to_be_checked()
    expect(page.get_by_label("Adresse, code postal ou arrondissement")).to_have_value("75011")


def test_map_shows_the_listed_missions(pages, url, world):
    page = pages.new()
    page.goto(url("paris", "/?where=75011"))

    expect(page.locator("#map")).to_be_visible()
    expect(page.locator("#map .leaflet-interactive")).to_have_count(len(world.paris_missions) + 1)
    attribution = page.locator("#map .leaflet-control-attribution")
    expect(attribution).to_contain_text("OpenStreetMap")


def test_core_flow_works_without_javascript(pages, url, world):
    email = unique_email("sansjs")
    page = pages.new(java_script_enabled=False)
    page.goto(url("paris"))
    expect(page.get_by_role("button", name="Me localiser")).to_be_hidden()

    page.get_by_label("Adresse, code postal ou arrondissement").fill("75004")
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"where=75004"))
    expect(page.locator("#results .mission-card h3 a").first).to_have_text(NEAREST)

    page.get_by_role("link", name=NEAREST).click()
    page.get_by_role("button", name="Je participe").click()
    sign_up(page, email)

    expect(flash(page)).to_contain_text("votre participation est confirmée")
    assert participation_of(email).slot.mission.title == NEAREST
    menu_link(page, "Mes engagements").click()
    page.locator("details.confirm-cancel > summary").click()
    page.get_by_role("button", name="Oui, annuler ma participation").click()
    expect(flash(page)).to_contain_text("Votre participation est annulée.")
    assert participation_of(email).status == Participation.Status.CANCELLED


def test_a_signed_in_volunteer_participates_in_one_click(pages, url, world):
    email = unique_email("connecte")
    page = pages.new()
    page.goto(url("paris", "/accounts/signup/?next=/"))
    sign_up(page, email)

    page.goto(url("paris", f"/missions/{world.paris_missions['Soutien scolaire à Belleville']}/"))
    page.get_by_role("button", name="Je participe").click()

    expect(flash(page)).to_contain_text("votre participation est confirmée")
    assert participation_of(email).slot.mission.title == "Soutien scolaire à Belleville"


def test_calendar_download(pages, url, world):
    email = unique_email("agenda")
    page = pages.new()
    page.goto(url("paris", f"/missions/{world.paris_missions[NEAREST]}/"))
    page.get_by_role("button", name="Je participe").click()
    sign_up(page, email)
    menu_link(page, "Mes engagements").click()

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Ajouter à mon agenda")).click()

    download = download_info.value
    assert download.suggested_filename == f"mission-{participation_of(email).pk}.ics"
    assert f"SUMMARY:{NEAREST}" in open(download.path(), encoding="utf-8").read()


def test_profile_onboarding_feeds_missions_for_me(pages, url, world):
    email = unique_email("profil")
    page = pages.new()
    page.goto(url("paris", "/accounts/signup/?next=/"))
    sign_up(page, email)
    expect(
        page.get_by_role("heading", name="Bienvenue ! Dites-nous ce qui compte pour vous")
    ).to_be_visible()

    page.get_by_role("link", name="Compléter mon profil").click()
    page.get_by_label("Environnement et nature").check()
    for day in range(7):
        for period in range(3):
            page.locator(f"#id_availability_{day * 3 + period}").check()
    page.get_by_label("Mon quartier : adresse, code postal ou arrondissement").fill("75011")
    page.get_by_label("Jusqu'où je peux me déplacer").select_option("2")
    page.get_by_role("button", name="Enregistrer mon profil").click()
    expect(flash(page)).to_contain_text("Votre profil est enregistré.")

    page.get_by_role("link", name="Voir les missions pour moi").click()
    expect(page.locator("#results .mission-card h3 a")).to_have_text([GARDEN])

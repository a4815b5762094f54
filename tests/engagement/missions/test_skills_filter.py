"""The skills filter of "Autour de moi" works in the page, as in the API: any of the chosen
skills matches, it combines with the other filters, unknown slugs are ignored, and it counts as
an active filter."""

from __future__ import annotations

import pytest

from tests.engagement.factories import MissionFactory, SlotFactory
from tests.engagement.test_resident_pages import html, titles_in_order

pytestmark = pytest.mark.django_db

TITLES = ["Atelier cuisine", "Cours de français", "Tri de vêtements"]


@pytest.fixture
def skilled_missions(in_paris):
    cooking = MissionFactory(title="Atelier cuisine", skills=["cuisine"], causes=["alimentation"])
    french = MissionFactory(title="Cours de français", skills=["langues", "soutien-scolaire"])
    sorting = MissionFactory(title="Tri de vêtements", skills=["logistique"])
    for mission in (cooking, french, sorting):
        SlotFactory(mission=mission)
    return cooking, french, sorting


def test_the_page_filters_by_one_skill(client_for, paris, skilled_missions):
    page = html(client_for(paris).get("/", {"skill": "cuisine"}))

    assert titles_in_order(page, TITLES) == ["Atelier cuisine"]
    assert 'value="cuisine" id="id_skill_0" checked' in page
    assert "1 active" in page or "1 actif" in page


def test_any_of_several_skills_matches(client_for, paris, skilled_missions):
    page = html(client_for(paris).get("/", {"skill": ["cuisine", "langues"]}))

    assert sorted(titles_in_order(page, TITLES)) == ["Atelier cuisine", "Cours de français"]


def test_skills_combine_with_causes(client_for, paris, skilled_missions):
    page = html(
        client_for(paris).get("/", {"skill": ["cuisine", "langues"], "cause": "alimentation"})
    )

    assert titles_in_order(page, TITLES) == ["Atelier cuisine"]


def test_an_unknown_skill_is_ignored_not_an_error(client_for, paris, skilled_missions):
    response = client_for(paris).get("/", {"skill": "no-such-skill"})

    assert response.status_code == 200
    assert sorted(titles_in_order(html(response), TITLES)) == TITLES


def test_the_htmx_partial_honours_the_skill_too(client_for, paris, skilled_missions):
    response = client_for(paris).get("/", {"skill": "logistique"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert titles_in_order(html(response), TITLES) == ["Tri de vêtements"]
    assert "<form" not in html(response)


def test_every_offered_skill_is_a_checkbox_in_the_filters(client_for, paris, in_paris):
    page = html(client_for(paris).get("/"))

    assert page.count('name="skill"') == 12
    assert "Cuisine" in page and "Premiers secours" in page

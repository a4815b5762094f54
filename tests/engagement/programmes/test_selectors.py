from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engagement.programmes import selectors
from engagement.programmes.models import TeamMembership
from tests.engagement.factories import ParticipationFactory, UserFactory
from tests.engagement.programmes.conftest import attended, declared

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "today,month,expected",
    [
        (date(2026, 12, 3), 1, (date(2026, 1, 1), date(2026, 12, 31))),
        (date(2026, 12, 3), 9, (date(2026, 9, 1), date(2027, 8, 31))),
        (date(2026, 3, 3), 9, (date(2025, 9, 1), date(2026, 8, 31))),
    ],
)
def test_the_programme_year_starts_on_the_chosen_month(today, month, expected):
    period = selectors.programme_year(starts_month=month, today=today)
    assert (period.starts_on, period.ends_on) == expected


def _year():  # type: ignore[no-untyped-def]
    return selectors.programme_year(starts_month=1)


def test_a_team_page_shows_activity_only_of_those_who_show_it(company):
    attended(company.past_slot, company.alice, "3")
    attended(company.past_slot, company.bruno, "2.5")
    declared(company.bruno, "4")
    ParticipationFactory(slot=company.next_slot, volunteer=company.alice)

    page = selectors.team_page(team=company.finance, period=_year())

    alice, bruno = page.members
    assert (alice.name, alice.membership.is_lead, alice.hours, alice.participations) == (
        "Alice Arnaud",
        True,
        Decimal("3"),
        2,
    )
    assert [recent.title for recent in alice.recent] == ["Maraude du soir", "Maraude du soir"]
    assert (bruno.name, bruno.shows_activity, bruno.hours, bruno.participations, bruno.recent) == (
        "Bruno Blanc",
        False,
        Decimal("0"),
        0,
        [],
    )
    assert (page.total_hours, page.total_participations, page.active_members) == (
        Decimal("9.5"),
        3,
        2,
    )


def test_a_team_page_costs_the_same_queries_for_one_or_many_members(
    company, django_assert_num_queries
):
    attended(company.past_slot, company.alice, "3")
    with django_assert_num_queries(4):
        selectors.team_page(team=company.finance, period=_year())
    for index in range(6):
        person = UserFactory()
        TeamMembership.objects.create(team=company.finance, user=person)
        attended(company.past_slot, person, "1")
    with django_assert_num_queries(4):
        page = selectors.team_page(team=company.finance, period=_year())
    assert len(page.members) == 8


def test_standings_count_each_volunteer_for_their_teams(company):
    attended(company.past_slot, company.alice, "3")
    attended(company.past_slot, company.chloe, "1")
    declared(company.chloe, "5")
    ParticipationFactory(slot=company.next_slot, volunteer=company.bruno)
    # Chloé is in both teams: her hours count for each.
    TeamMembership.objects.create(team=company.finance, user=company.chloe)

    standings = selectors.year_standings(period=_year())

    assert [(s.rank, s.name, s.hours, s.participations) for s in standings] == [
        (1, "Finance", Decimal("9"), 3),
        (2, "Marketing", Decimal("6"), 1),
    ]
    by_participations = selectors.year_standings(period=_year(), order_by="participations")
    assert [s.name for s in by_participations] == ["Finance", "Marketing"]


def test_people_search_finds_by_name_or_address_and_leaves_members_out(company):
    found = {
        p.email for p in selectors.people_search(query="acme.example", exclude_team=company.finance)
    }
    assert {"rh@acme.example", "chloe@acme.example", "olga@acme.example"} <= found
    assert not {"alice@acme.example", "bruno@acme.example"} & found
    assert [p.email for p in selectors.people_search(query="Ours")] == ["olga@acme.example"]
    assert selectors.people_search(query="o") == []

"""The employees' team pages, on Acme (as a signed-in member: Acme is a private tenant) and on
Paris (a city: no teams)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from engagement.programmes.models import EmployeeProfile, Team, TeamMembership
from tests.engagement.factories import UserFactory
from tests.engagement.programmes.conftest import attended, get, leaderboards, post, signed_in

pytestmark = pytest.mark.django_db


def test_the_teams_page_lists_my_teams_and_all_teams(company):
    client = signed_in(company.tenant, company.chloe)

    response = get(client, reverse("team-list"))

    page = response.content.decode()
    assert response.status_code == 200
    mine = page.split('id="my-teams-title"')[1].split("</section>")[0]
    assert "Marketing" in mine and "Finance" not in mine
    assert "Finance" in page and "2 members" in page
    assert reverse("team-leaderboard") not in page  # leaderboards are off


def test_the_teams_page_costs_the_same_queries_for_one_or_many_teams(
    company, django_assert_max_num_queries
):
    client = signed_in(company.tenant, company.chloe)
    get(client, reverse("team-list"))
    with django_assert_max_num_queries(12) as few:
        get(client, reverse("team-list"))
    few_count = len(few.captured_queries)
    for index in range(8):
        team = Team.objects.create(name=f"Équipe {index}")
        TeamMembership.objects.create(team=team, user=UserFactory())
    with django_assert_max_num_queries(few_count):
        response = get(client, reverse("team-list"))
    assert response.content.decode().count('href="/equipes/') >= 10


def test_a_team_page_shows_the_activity_of_those_who_show_it(company):
    attended(company.past_slot, company.alice, "3")
    attended(company.past_slot, company.bruno, "2")
    client = signed_in(company.tenant, company.chloe)

    response = get(client, reverse("team-detail", args=[company.finance.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Alice Arnaud" in page and "Bruno Blanc" in page
    assert page.count("Maraude du soir") == 1  # Alice's mission; Bruno hides his
    assert "5</dd>" in page  # the team's hours count both
    assert "alice@acme.example" not in page


def test_a_team_page_costs_the_same_queries_for_one_or_many_members(
    company, django_assert_max_num_queries
):
    client = signed_in(company.tenant, company.alice)
    url = reverse("team-detail", args=[company.finance.pk])
    get(client, url)
    with django_assert_max_num_queries(16) as few:
        get(client, url)
    few_count = len(few.captured_queries)
    for _ in range(6):
        person = UserFactory()
        TeamMembership.objects.create(team=company.finance, user=person)
        attended(company.past_slot, person, "1")
    with django_assert_max_num_queries(few_count):
        response = get(client, url)
    assert response.content.decode().count('class="team-member"') == 8


def test_the_leaderboard_exists_only_where_the_company_turned_it_on(company):
    client = signed_in(company.tenant, company.alice)
    assert get(client, reverse("team-leaderboard")).status_code == 404

    leaderboards(True)
    attended(company.past_slot, company.chloe, "4")
    response = get(client, reverse("team-leaderboard"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Marketing") < page.index("Finance")
    assert reverse("team-leaderboard") in get(client, reverse("team-list")).content.decode()


def test_the_profile_page_switches_my_activity_off(company):
    client = signed_in(company.tenant, company.alice)
    assert 'id="team-visibility"' in get(client, reverse("profile")).content.decode()

    response = post(client, reverse("team-activity-visibility"), {"next": "/profil/"})

    assert response.status_code == 302 and response["Location"] == "/profil/"
    assert EmployeeProfile.objects.get(user=company.alice).shows_activity_to_team is False
    post(
        client,
        reverse("team-activity-visibility"),
        {"shows_activity_to_team": "on", "next": "https://evil.example/"},
    )
    assert EmployeeProfile.objects.get(user=company.alice).shows_activity_to_team is True


def test_someone_in_no_programme_sees_no_switch(company):
    client = signed_in(company.tenant, company.outsider)
    assert 'id="team-visibility"' not in get(client, reverse("profile")).content.decode()


def test_the_team_pages_need_a_sign_in(company, client_for):
    client = client_for(company.tenant)
    for url in (reverse("team-list"), reverse("team-detail", args=[company.finance.pk])):
        response = get(client, url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_city_has_no_teams_and_another_tenants_team_is_not_found(company, paris):
    team_id = company.finance.pk
    connection.set_tenant(paris)
    resident = UserFactory(email="resident@paris.example")
    client = signed_in(paris, resident)

    listing = get(client, reverse("team-list"))
    assert listing.status_code == 200
    assert "Finance" not in listing.content.decode()
    assert get(client, reverse("team-detail", args=[team_id])).status_code == 404
    assert get(client, reverse("team-leaderboard")).status_code == 404
    assert 'id="team-visibility"' not in get(client, reverse("profile")).content.decode()


def test_a_paris_session_is_nobody_on_acme(company, paris):
    connection.set_tenant(paris)
    resident = UserFactory(email="alice@acme.example")  # the same address, another account
    client = signed_in(paris, resident)
    client.defaults["HTTP_HOST"] = company.tenant.primary_host
    connection.set_tenant(company.tenant)

    response = get(client, reverse("team-detail", args=[company.finance.pk]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_menu_links_the_teams_on_a_company_only(company, paris):
    page = get(signed_in(company.tenant, company.outsider), reverse("profile")).content.decode()
    assert f'href="{reverse("team-list")}"' in page
    connection.set_tenant(paris)
    resident = UserFactory(email="resident-menu@paris.example")
    page = get(signed_in(paris, resident), reverse("profile")).content.decode()
    assert f'href="{reverse("team-list")}"' not in page

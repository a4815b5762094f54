from __future__ import annotations

import pytest
from django.db import connection

from engagement.programmes.models import Team, TeamMembership
from tests.engagement.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_my_teams_lists_the_teams_i_am_in(company, api_for):
    response = api_for(company.tenant, company.alice).get("me/teams/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": company.finance.pk,
            "name": "Finance",
            "source": "manual",
            "site": None,
            "member_count": 2,
            "is_lead": True,
        }
    ]


def test_my_teams_costs_the_same_queries_for_one_or_many(
    company, api_for, django_assert_max_num_queries
):
    TeamMembership.objects.create(team=company.marketing, user=company.outsider)
    api = api_for(company.tenant, company.outsider)
    api.get("me/teams/")
    with django_assert_max_num_queries(12) as few:
        api.get("me/teams/")
    few_count = len(few.captured_queries)
    for index in range(5):
        team = Team.objects.create(name=f"Équipe {index}")
        TeamMembership.objects.create(team=team, user=company.outsider)
        TeamMembership.objects.create(team=team, user=UserFactory())
    with django_assert_max_num_queries(few_count):
        response = api.get("me/teams/")
    assert [team["member_count"] for team in response.json()["results"]] == [2] * 6


def test_my_teams_needs_a_sign_in_and_a_paris_token_is_nobody_on_acme(company, api_for, paris):
    assert api_for(company.tenant).get("me/teams/").status_code == 401
    connection.set_tenant(paris)
    resident = UserFactory(email="resident-api@paris.example")
    response = api_for(paris, resident, token=True).on(company.tenant).get("me/teams/")
    assert response.status_code == 401

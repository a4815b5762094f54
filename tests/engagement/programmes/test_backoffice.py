"""The programme's back-office pages: settings, sites, teams (tenant admins only)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from engagement.programmes.models import ProgrammeSettings, Site, Team, TeamMembership
from tests.engagement.conftest import audit_actions
from tests.engagement.factories import ModeratorFactory, TenantAdminFactory, UserFactory
from tests.engagement.programmes.conftest import admin_client, get, post, signed_in

pytestmark = pytest.mark.django_db


def test_the_programme_settings_page_saves_every_setting(company):
    client = admin_client(company.tenant, company.admin)
    assert get(client, reverse("backoffice:programme")).status_code == 200

    response = post(
        client,
        reverse("backoffice:programme"),
        {
            "leaderboards_enabled": "on",
            "work_hours_per_year": "16",
            "year_starts_month": "4",
        },
    )

    assert response.status_code == 302
    row = ProgrammeSettings.objects.get(pk=1)
    assert (
        row.leaderboards_enabled,
        str(row.work_hours_per_year),
        row.manager_approval_required,
        row.year_starts_month,
    ) == (
        True,
        "16.00",
        False,
        4,
    )
    assert audit_actions() == ["programme.settings_updated"]


def test_bad_settings_are_shown_with_their_field_and_nothing_changes(company):
    client = admin_client(company.tenant, company.admin)

    response = post(
        client,
        reverse("backoffice:programme"),
        {"work_hours_per_year": "-3", "year_starts_month": "13"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_work_hours_per_year"' in page and 'href="#id_year_starts_month"' in page
    assert not ProgrammeSettings.objects.filter(leaderboards_enabled=True).exists()
    assert audit_actions() == []


def test_members_and_moderators_are_refused(company):
    moderator = ModeratorFactory()
    for client in (
        signed_in(company.tenant, company.alice),
        admin_client(company.tenant, moderator),
    ):
        for url in (
            reverse("backoffice:programme"),
            reverse("backoffice:teams"),
            reverse("backoffice:sites"),
        ):
            assert get(client, url).status_code == 403, url


def test_sites_are_added_edited_and_deactivated(company):
    client = admin_client(company.tenant, company.admin)
    response = post(
        client,
        reverse("backoffice:site-create"),
        {
            "name": "Lyon Part-Dieu",
            "address": "129 rue Servient",
            "latitude": "45.7606",
            "longitude": "4.8566",
        },
    )
    assert response.status_code == 302
    site = Site.objects.get()
    refused = post(
        client, reverse("backoffice:site", args=[site.pk]), {"name": "Lyon", "latitude": "45"}
    )
    assert refused.status_code == 400
    site.refresh_from_db()
    assert site.name == "Lyon Part-Dieu"

    post(
        client,
        reverse("backoffice:site", args=[site.pk]),
        {"name": "Lyon", "address": "", "latitude": "", "longitude": ""},
    )
    post(client, reverse("backoffice:site-activation", args=[site.pk]), {"is_active": "0"})

    site.refresh_from_db()
    assert (site.name, site.point, site.is_active) == ("Lyon", None, False)
    listing = get(client, reverse("backoffice:sites")).content.decode()
    assert "Lyon" in listing and "Reactivate" in listing


def test_the_teams_list_costs_the_same_queries_for_one_or_many_teams(
    company, django_assert_max_num_queries
):
    client = admin_client(company.tenant, company.admin)
    get(client, reverse("backoffice:teams"))
    with django_assert_max_num_queries(20) as few:
        get(client, reverse("backoffice:teams"))
    few_count = len(few.captured_queries)
    for index in range(8):
        team = Team.objects.create(name=f"Équipe {index}")
        TeamMembership.objects.create(team=team, user=UserFactory())
    with django_assert_max_num_queries(few_count):
        response = get(client, reverse("backoffice:teams"))
    page = response.content.decode()
    assert page.count("data-team=") == 10
    assert "Company directory (SCIM)" in page


def test_an_admin_builds_a_team_from_a_search(company):
    client = admin_client(company.tenant, company.admin)
    response = post(client, reverse("backoffice:team-create"), {"name": "Juridique", "site": ""})
    team = Team.objects.get(name="Juridique")
    assert response["Location"] == reverse("backoffice:team", args=[team.pk])

    found = get(
        client, reverse("backoffice:team", args=[team.pk]), data={"q": "Ours"}
    ).content.decode()
    assert "olga@acme.example" in found and "alice@acme.example" not in found
    post(
        client, reverse("backoffice:team-member-add", args=[team.pk]), {"user": company.outsider.pk}
    )
    post(
        client,
        reverse("backoffice:team-lead", args=[team.pk, company.outsider.pk]),
        {"is_lead": "1"},
    )
    assert TeamMembership.objects.get(team=team, user=company.outsider).is_lead is True
    post(
        client,
        reverse("backoffice:team", args=[team.pk]),
        {"name": "Juridique et conformité", "site": ""},
    )
    post(client, reverse("backoffice:team-member-remove", args=[team.pk, company.outsider.pk]))
    assert not TeamMembership.objects.filter(team=team).exists()
    post(client, reverse("backoffice:team-delete", args=[team.pk]))

    assert not Team.objects.filter(pk=team.pk).exists()
    assert audit_actions() == [
        "programme.team_created",
        "programme.team_member_added",
        "programme.team_lead_set",
        "programme.team_updated",
        "programme.team_member_removed",
        "programme.team_deleted",
    ]


def test_a_directory_team_is_read_only_but_takes_leads(company):
    client = admin_client(company.tenant, company.admin)
    url = reverse("backoffice:team", args=[company.marketing.pk])

    page = get(client, url).content.decode()
    assert "comes from the company directory" in page
    assert (
        f'action="{reverse("backoffice:team-member-add", args=[company.marketing.pk])}"' not in page
    )

    renamed = post(client, url, {"name": "Growth", "site": ""})
    assert renamed.status_code == 400
    post(
        client,
        reverse("backoffice:team-member-add", args=[company.marketing.pk]),
        {"user": company.outsider.pk},
    )
    post(
        client,
        reverse("backoffice:team-lead", args=[company.marketing.pk, company.chloe.pk]),
        {"is_lead": "1"},
    )

    company.marketing.refresh_from_db()
    assert company.marketing.name == "Marketing"
    assert list(company.marketing.memberships.values_list("user_id", "is_lead")) == [
        (company.chloe.pk, True)
    ]


def test_another_tenants_team_and_site_are_not_found(company, paris):
    site = Site.objects.create(name="Paris La Défense")
    ids = (company.finance.pk, site.pk)
    connection.set_tenant(paris)
    paris_admin = TenantAdminFactory(email="admin-bo@paris.example")
    client = admin_client(paris, paris_admin)
    team_id, site_id = ids

    for url in (
        reverse("backoffice:team", args=[team_id]),
        reverse("backoffice:site", args=[site_id]),
    ):
        assert get(client, url).status_code == 404
    for url in (
        reverse("backoffice:team-delete", args=[team_id]),
        reverse("backoffice:team-member-add", args=[team_id]),
        reverse("backoffice:site-activation", args=[site_id]),
    ):
        assert post(client, url, {"user": 1, "is_active": "0"}).status_code == 404
    connection.set_tenant(company.tenant)
    assert Team.objects.filter(pk=team_id).exists() and Site.objects.get(pk=site_id).is_active

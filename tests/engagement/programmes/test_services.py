from __future__ import annotations

from decimal import Decimal

import pytest

from engagement.errors import EngagementError
from engagement.programmes import services
from engagement.programmes.models import (
    EmployeeProfile,
    ProgrammeSettings,
    Site,
    Team,
    TeamMembership,
)
from tests.engagement.conftest import audit_actions

pytestmark = pytest.mark.django_db


def _settings(company, **changes):  # type: ignore[no-untyped-def]
    values = {
        "leaderboards_enabled": True,
        "work_hours_per_year": Decimal("16"),
        "manager_approval_required": False,
        "year_starts_month": 9,
        **changes,
    }
    return services.programme_settings_update(actor=company.admin, **values)


def test_the_settings_change_together_and_are_audited(company):
    row = _settings(company)

    row.refresh_from_db()
    assert (
        row.leaderboards_enabled,
        row.work_hours_per_year,
        row.manager_approval_required,
        row.year_starts_month,
    ) == (
        True,
        Decimal("16.00"),
        False,
        9,
    )
    assert audit_actions() == ["programme.settings_updated"]
    _settings(company)
    assert audit_actions() == ["programme.settings_updated"]  # nothing changed, nothing recorded


@pytest.mark.parametrize(
    "changes",
    [{"year_starts_month": 13}, {"work_hours_per_year": Decimal("2001")}, {"year_starts_month": 0}],
)
def test_settings_out_of_range_are_refused_and_nothing_changes(company, changes):
    with pytest.raises(Exception):  # noqa: B017 - the model's ValidationError
        _settings(company, **changes)

    row, _ = ProgrammeSettings.objects.get_or_create(pk=1)
    assert (row.leaderboards_enabled, row.work_hours_per_year, row.year_starts_month) == (
        False,
        Decimal("0"),
        1,
    )
    assert audit_actions() == []


def test_only_admins_change_the_programme(company):
    with pytest.raises(EngagementError) as refused:
        services.team_create(actor=company.alice, name="Pirates")
    assert refused.value.code == "not_allowed"
    assert not Team.objects.filter(name="Pirates").exists()


def test_a_site_has_a_position_from_latitude_and_longitude(company):
    site = services.site_create(
        actor=company.admin,
        name="Lyon Part-Dieu",
        address="129 rue Servient",
        latitude=45.7606,
        longitude=4.8566,
    )

    assert (round(site.point.y, 4), round(site.point.x, 4)) == (45.7606, 4.8566)
    assert audit_actions() == ["programme.site_created"]


@pytest.mark.parametrize(
    "position,field",
    [((91.0, 2.0), "latitude"), ((48.0, 181.0), "longitude"), ((48.0, None), "latitude")],
)
def test_a_position_out_of_range_is_refused(company, position, field):
    latitude, longitude = position
    with pytest.raises(EngagementError) as refused:
        services.site_create(
            actor=company.admin, name="Nulle part", latitude=latitude, longitude=longitude
        )
    assert list(refused.value.fields) == [field]
    assert Site.objects.count() == 0


def test_two_sites_cannot_share_a_name_and_a_site_is_deactivated_not_deleted(company):
    site = services.site_create(actor=company.admin, name="Paris La Défense")
    with pytest.raises(EngagementError) as refused:
        services.site_create(actor=company.admin, name="Paris La Défense")
    assert list(refused.value.fields) == ["name"]

    services.site_set_active(actor=company.admin, site=site, is_active=False)

    site.refresh_from_db()
    assert site.is_active is False
    assert audit_actions() == ["programme.site_created", "programme.site_deactivated"]


def test_a_manual_team_is_renamed_filled_and_deleted(company):
    team = services.team_create(actor=company.admin, name="Juridique")
    services.team_update(actor=company.admin, team=team, name="Juridique et conformité")
    services.team_member_add(actor=company.admin, team=team, user_id=company.outsider.pk)
    services.team_lead_set(
        actor=company.admin, team=team, user_id=company.outsider.pk, is_lead=True
    )

    assert TeamMembership.objects.get(team=team).is_lead is True
    with pytest.raises(EngagementError):
        services.team_member_add(actor=company.admin, team=team, user_id=company.outsider.pk)
    with pytest.raises(EngagementError):
        services.team_update(actor=company.admin, team=team, name="Finance")  # taken
    team.refresh_from_db()
    assert team.name == "Juridique et conformité"

    services.team_member_remove(actor=company.admin, team=team, user_id=company.outsider.pk)
    services.team_delete(actor=company.admin, team=team)

    assert not Team.objects.filter(pk=team.pk).exists()
    assert audit_actions() == [
        "programme.team_created",
        "programme.team_updated",
        "programme.team_member_added",
        "programme.team_lead_set",
        "programme.team_member_removed",
        "programme.team_deleted",
    ]


def test_a_directory_team_keeps_its_name_and_members_but_takes_leads(company):
    marketing = company.marketing
    for change in (
        lambda: services.team_update(actor=company.admin, team=marketing, name="Growth"),
        lambda: services.team_member_add(
            actor=company.admin, team=marketing, user_id=company.outsider.pk
        ),
        lambda: services.team_member_remove(
            actor=company.admin, team=marketing, user_id=company.chloe.pk
        ),
        lambda: services.team_delete(actor=company.admin, team=marketing),
    ):
        with pytest.raises(EngagementError) as refused:
            change()
        assert refused.value.code == "invalid_transition"
    marketing.refresh_from_db()
    assert marketing.name == "Marketing"
    assert list(marketing.memberships.values_list("user_id", flat=True)) == [company.chloe.pk]

    services.team_lead_set(
        actor=company.admin, team=marketing, user_id=company.chloe.pk, is_lead=True
    )

    assert marketing.memberships.get().is_lead is True


def test_an_employee_turns_their_activity_off_and_on(company):
    services.employee_activity_visibility_set(user=company.alice, shows_activity_to_team=False)
    assert EmployeeProfile.objects.get(user=company.alice).shows_activity_to_team is False
    services.employee_activity_visibility_set(user=company.alice, shows_activity_to_team=True)
    assert EmployeeProfile.objects.get(user=company.alice).shows_activity_to_team is True

"""The CSR report's figures against the hand-computed company of conftest.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from engagement.participations.models import Participation
from engagement.reports import selectors
from engagement.reports.selectors import (
    ReportRow,
    SharedMissionHours,
    csr_report,
    report_scope_for_campaign,
    report_scope_for_year,
)
from engagement.sharing.models import SharedParticipation
from engagement.worktime.models import HoursDeclaration, WorkTimeRequest
from tests.engagement.factories import MissionFactory, ParticipationFactory, SlotFactory
from tests.engagement.reports.conftest import YEAR, ReportWorld, at

pytestmark = pytest.mark.django_db

D = Decimal
# The hours of shared city missions, the temporary table (dropped, created), its seven
# aggregates and the approved work time, in a savepoint (two more).
QUERIES = 13


def figures(rows: list[ReportRow]) -> dict[str, tuple[Decimal, int, int]]:
    return {row.key: (row.hours, row.participations, row.volunteers) for row in rows}


def test_year_totals(report_world: ReportWorld) -> None:
    report = csr_report(scope=report_scope_for_year(YEAR))
    totals = report.totals
    assert totals.hours == D("14")
    assert totals.participation_hours == D("9.5")
    assert totals.declared_hours == D("4.5")
    assert totals.shared_mission_hours == D("0")
    assert totals.work_time_hours == D("0")
    assert totals.participations == 4
    assert totals.volunteers == 4
    assert totals.organizations == 3
    assert totals.active_members == User.objects.filter(is_active=True).count()
    assert totals.average_hours == D("3.50")


def test_pending_and_refused_declarations_never_count(report_world: ReportWorld) -> None:
    before = csr_report(scope=report_scope_for_year(YEAR)).totals
    HoursDeclaration.objects.filter(status=HoursDeclaration.Status.PENDING).update(hours=D("20"))
    HoursDeclaration.objects.filter(volunteer=report_world.carol).update(
        status=HoursDeclaration.Status.CONFIRMED, decided_at=timezone.now()
    )
    after = csr_report(scope=report_scope_for_year(YEAR)).totals
    assert before.declared_hours == D("4.5")
    assert after.declared_hours == D("24.5")


def test_year_by_cause_and_goal(report_world: ReportWorld) -> None:
    world = report_world
    report = csr_report(scope=report_scope_for_year(YEAR))
    assert [row.key for row in report.by_cause] == [
        str(world.env.pk),
        str(world.edu.pk),
        str(world.soli.pk),
        "",
    ]
    assert figures(report.by_cause) == {
        str(world.env.pk): (D("7"), 2, 2),
        str(world.edu.pk): (D("5.5"), 2, 2),
        str(world.soli.pk): (D("5"), 2, 2),
        "": (D("2"), 0, 1),
    }
    assert report.by_cause[0].sdg_goals == (10, 13)
    # Goal 10 is reached through two causes of M1: each participation counts once.
    assert figures(report.by_sdg) == {
        "1": (D("5"), 2, 2),
        "4": (D("5.5"), 2, 2),
        "10": (D("12"), 4, 3),
        "13": (D("7"), 2, 2),
    }


def test_year_by_team_site_month_organization(report_world: ReportWorld) -> None:
    world = report_world
    report = csr_report(scope=report_scope_for_year(YEAR))
    assert figures(report.by_team) == {
        str(world.finance.pk): (D("12"), 3, 2),
        str(world.tech.pk): (D("7.5"), 3, 2),
        "": (D("2"), 0, 1),
    }
    assert [row.members for row in report.by_team] == [2, 2, None]
    by_site = figures(report.by_site)
    assert by_site == {
        str(world.lyon.pk): (D("4.5"), 1, 1),
        str(world.hq.pk): (D("7.5"), 2, 1),
        "": (D("2"), 1, 2),
    }
    assert [row.key for row in report.by_month] == [f"{YEAR}-{month:02d}" for month in range(1, 13)]
    assert {key: value for key, value in figures(report.by_month).items() if value[2]} == {
        f"{YEAR}-03": (D("5.5"), 2, 2),
        f"{YEAR}-06": (D("5"), 2, 2),
        f"{YEAR}-09": (D("1.5"), 0, 1),
        f"{YEAR}-11": (D("2"), 0, 1),
    }
    assert [
        (row.label, row.hours, row.participations, row.volunteers) for row in report.by_organization
    ] == [
        ("Beta Green", D("6.5"), 2, 3),
        ("Alpha Restos", D("5.5"), 2, 2),
        ("Croix-Rouge", D("2"), 0, 1),
    ]


def test_campaign_follows_the_campaign_rule(report_world: ReportWorld) -> None:
    report = csr_report(scope=report_scope_for_campaign(report_world.campaign))
    totals = report.totals
    # S2 on the featured mission (Bob attended 4 h, Carol confirmed) and Bob's confirmed hour
    # for the partner Beta Green; not S3 (Alpha Restos), not Alice's September declaration.
    assert (totals.hours, totals.participations, totals.volunteers, totals.organizations) == (
        D("5"),
        2,
        2,
        1,
    )
    assert [row.key for row in report.by_month] == [f"{YEAR}-06"]
    assert figures(report.by_sdg) == {"1": (D("5"), 2, 2), "10": (D("5"), 2, 2)}


def test_hourly_rate_values_the_time(report_world: ReportWorld) -> None:
    report = csr_report(scope=report_scope_for_year(YEAR), hourly_rate=D("30"))
    assert report.valued_hours == D("420.00")
    assert csr_report(scope=report_scope_for_year(YEAR)).valued_hours is None


def test_empty_year(in_acme: Any) -> None:
    report = csr_report(scope=report_scope_for_year(2001))
    assert report.is_empty
    assert report.totals.volunteers == 0
    assert report.totals.average_hours == D("0")


def test_report_costs_the_same_queries_for_1_and_many_participations(
    report_world: ReportWorld, django_assert_num_queries: Any
) -> None:
    scope = report_scope_for_year(YEAR)
    with django_assert_num_queries(QUERIES):
        csr_report(scope=scope)
    mission = MissionFactory(organization=report_world.alpha, causes=[report_world.edu])
    for day in range(1, 21):
        slot = SlotFactory(
            mission=mission, starts_at=at(date(YEAR, 4, day)), ends_at=at(date(YEAR, 4, day), 15)
        )
        ParticipationFactory(slot=slot, status=Participation.Status.ATTENDED, hours=D("1"))
    with django_assert_num_queries(QUERIES):
        report = csr_report(scope=scope)
    assert report.totals.participations == 24


def test_shared_city_mission_hours_are_counted(
    report_world: ReportWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    def shared(*, starts_on: date, ends_on: date) -> list[SharedMissionHours]:
        assert (starts_on, ends_on) == (date(YEAR, 1, 1), date(YEAR, 12, 31))
        return [
            SharedMissionHours(report_world.carol.pk, "Ville de Lyon", date(YEAR, 7, 2), D("2"))
        ]

    monkeypatch.setattr(selectors, "SHARED_MISSION_HOURS_SOURCE", shared)
    report = csr_report(scope=report_scope_for_year(YEAR))
    assert report.totals.shared_mission_hours == D("2")
    assert report.totals.hours == D("16")
    assert report.totals.participations == 5
    assert report.totals.organizations == 4
    assert figures(report.by_site)[""] == (D("4"), 2, 2)


def test_attended_shared_city_missions_of_the_year_count_with_their_city(
    report_world: ReportWorld,
) -> None:
    """The real source: the company's copy of its employees' participations on the cities'
    missions (engagement.sharing), attended ones within the year only."""

    def shared(day: date, status: str, hours: str | None) -> None:
        SharedParticipation.objects.create(
            volunteer=report_world.carol,
            city_tenant_id=1,
            city_name="Paris",
            source_participation_id=day.toordinal(),
            source_mission_id=1,
            source_slot_id=1,
            mission_title="Maraude",
            organization_name="Les Restos",
            starts_at=at(day),
            ends_at=at(day, 15),
            status=status,
            hours=D(hours) if hours else None,
            synced_at=timezone.now(),
        )

    shared(date(YEAR, 7, 2), SharedParticipation.Status.ATTENDED, "2.5")
    shared(date(YEAR, 8, 2), SharedParticipation.Status.CONFIRMED, None)
    shared(date(YEAR + 1, 1, 3), SharedParticipation.Status.ATTENDED, "4")
    report = csr_report(scope=report_scope_for_year(YEAR))
    assert report.totals.shared_mission_hours == D("2.5")
    assert report.totals.hours == D("16.5")
    assert report.totals.organizations == 4
    assert "Les Restos (Paris)" in {row.label for row in report.by_organization}


def test_approved_work_time_of_counted_participations_is_told_apart(
    report_world: ReportWorld,
) -> None:
    counted = list(
        Participation.objects.filter(
            status__in=("confirmed", "attended"), slot__starts_at__year=YEAR
        ).order_by("id")[:2]
    )
    cancelled = Participation.objects.filter(status="cancelled").first()
    assert len(counted) == 2 and cancelled is not None
    for participation, status, hours in (
        (counted[0], "approved", "3"),
        (counted[1], "requested", "2"),
        (cancelled, "approved", "4"),
    ):
        WorkTimeRequest.objects.create(
            participation=participation,
            employee=participation.volunteer,
            hours=D(hours),
            year=YEAR,
            status=status,
            decided_at=timezone.now() if status == "approved" else None,
        )
    totals = csr_report(scope=report_scope_for_year(YEAR)).totals
    assert totals.work_time_hours == D("3")
    assert totals.hours == D("14")  # the time itself is counted once, as before

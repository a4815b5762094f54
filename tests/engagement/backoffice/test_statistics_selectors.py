"""The statistics selectors on controlled data: exact figures, the periods' bounds in the tenant's
time zone, and the change against the previous period.

The data sit in 2021, where the session's tenants have nothing, so every figure is exact.
The custom period is March 2021 (31 days); its previous period is 29 January – 28 February.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import User
from engagement.backoffice.periods import (
    Change,
    DateRange,
    PeriodKind,
    period_custom,
    period_last_12_months,
    period_this_month,
)
from engagement.backoffice.statistics import (
    AreaGrouping,
    area_grouping_for,
    statistics_by_cause_and_area,
    statistics_hours,
    statistics_missions,
    statistics_monthly,
    statistics_organizations,
    statistics_participations,
    statistics_people,
)
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.taxonomy.models import Cause
from tests.engagement.factories import (
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
TORONTO = ZoneInfo("America/Toronto")
UTC = ZoneInfo("UTC")
Status = Participation.Status


def march_2021(zone: ZoneInfo = PARIS):  # type: ignore[no-untyped-def]
    return period_custom(start=date(2021, 3, 1), end=date(2021, 3, 31), zone=zone)


def at(day: date, hour: int = 12, zone: ZoneInfo = PARIS) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone)


MID_MARCH = date(2021, 3, 15)
MID_FEBRUARY = date(2021, 2, 15)
MID_APRIL = date(2021, 4, 15)


def user_joined(when: datetime, *, is_active: bool = True) -> User:
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(date_joined=when, is_active=is_active)
    user.refresh_from_db()
    return user


def participation(slot: Slot, *, created: datetime, status: str = Status.CONFIRMED, **fields):  # type: ignore[no-untyped-def]
    made = ParticipationFactory(slot=slot, status=status, **fields)
    Participation.objects.filter(pk=made.pk).update(created_at=created)
    return made


def dated_slot(mission: Mission, day: date, *, capacity: int = 10, hours: int = 3) -> Slot:
    start = at(day, 10)
    return SlotFactory(
        mission=mission, starts_at=start, ends_at=start + timedelta(hours=hours), capacity=capacity
    )


# --- Periods ------------------------------------------------------------------------------------


def test_this_month_runs_to_today_against_the_same_days_of_last_month():
    period = period_this_month(today=date(2025, 1, 15), zone=PARIS)

    assert period.kind == PeriodKind.MONTH
    assert period.current == DateRange(date(2025, 1, 1), date(2025, 1, 15))
    assert period.previous == DateRange(date(2024, 12, 1), date(2024, 12, 15))


def test_this_month_on_the_31st_is_compared_with_a_shorter_month_cut_at_its_end():
    period = period_this_month(today=date(2024, 3, 31), zone=PARIS)

    assert period.current == DateRange(date(2024, 3, 1), date(2024, 3, 31))
    assert period.previous == DateRange(date(2024, 2, 1), date(2024, 2, 29))


def test_last_12_months_start_eleven_months_back_and_compare_with_a_year_earlier():
    period = period_last_12_months(today=date(2024, 2, 29), zone=PARIS)

    assert period.current == DateRange(date(2023, 3, 1), date(2024, 2, 29))
    assert period.previous == DateRange(date(2022, 3, 1), date(2023, 2, 28))


def test_a_custom_period_is_compared_with_as_many_days_just_before():
    period = march_2021()

    assert period.current.days == 31
    assert period.previous == DateRange(date(2021, 1, 29), date(2021, 2, 28))
    assert period.previous.days == 31
    with pytest.raises(ValueError):
        period_custom(start=date(2021, 3, 2), end=date(2021, 3, 1), zone=PARIS)


def test_bounds_are_midnights_in_the_tenant_time_zone():
    start, end = DateRange(date(2021, 3, 1), date(2021, 3, 31)).bounds(PARIS)

    assert start.astimezone(UTC) == datetime(2021, 2, 28, 23, tzinfo=UTC)
    # Summer time began on 28 March: the last midnight is two hours ahead of UTC.
    assert end.astimezone(UTC) == datetime(2021, 3, 31, 22, tzinfo=UTC)


def test_a_change_gives_the_difference_the_percentage_or_new():
    assert (Change(15, 10).difference, Change(15, 10).percent) == (5, Decimal("50.0"))
    assert Change(2, 3).percent == Decimal("-33.3")
    assert (Change(4, 0).is_new, Change(4, 0).percent) == (True, None)
    assert (Change(0, 0).is_new, Change(0, 0).difference) == (False, 0)
    assert Change(Decimal("7.50"), Decimal("5.00")).percent == Decimal("50.0")


# --- Base figures -------------------------------------------------------------------------------


def test_people_counts_active_accounts_at_the_end_and_sign_ups_during(in_paris):
    user_joined(at(date(2020, 6, 1)))
    user_joined(at(MID_FEBRUARY))
    user_joined(at(MID_FEBRUARY), is_active=False)
    user_joined(at(MID_MARCH))
    user_joined(at(MID_MARCH))
    user_joined(at(MID_APRIL))

    figures = statistics_people(period=march_2021())

    assert figures.active_accounts == Change(current=4, previous=2)
    assert figures.new_sign_ups == Change(current=2, previous=2)


def test_participations_by_status_now_on_the_day_they_were_requested(in_paris):
    slot = dated_slot(MissionFactory(), date(2021, 5, 1), capacity=20)
    for status in (Status.CONFIRMED, Status.CONFIRMED, Status.WAITLISTED, Status.CANCELLED):
        participation(slot, created=at(MID_MARCH), status=status)
    participation(slot, created=at(MID_MARCH), status=Status.NO_SHOW)
    volunteer = UserFactory()
    participation(slot, created=at(MID_FEBRUARY), status=Status.CONFIRMED, volunteer=volunteer)
    participation(slot, created=at(MID_FEBRUARY), status=Status.DECLINED, volunteer=volunteer)
    participation(slot, created=at(MID_APRIL), status=Status.CONFIRMED)

    figures = statistics_participations(period=march_2021())

    by_status = {row.status: row.change for row in figures.by_status}
    assert [row.status for row in figures.by_status] == [
        "confirmed",
        "attended",
        "no_show",
        "waitlisted",
        "requested",
        "cancelled",
        "declined",
    ]
    assert by_status["confirmed"] == Change(2, 1)
    assert by_status["waitlisted"] == Change(1, 0)
    assert by_status["cancelled"] == Change(1, 0)
    assert by_status["no_show"] == Change(1, 0)
    assert by_status["declined"] == Change(0, 1)
    assert by_status["attended"] == Change(0, 0)
    assert figures.total == Change(5, 2)
    assert figures.volunteers == Change(5, 1)


def test_the_period_starts_and_ends_at_midnight_in_the_tenant_time_zone(in_paris):
    slot = dated_slot(MissionFactory(), date(2021, 5, 1), capacity=20)
    # 23:30 UTC on 28 February is 00:30 on 1 March in Paris: March.
    participation(slot, created=datetime(2021, 2, 28, 23, 30, tzinfo=UTC))
    # 22:30 UTC on 28 February is 23:30 in Paris: still February.
    participation(slot, created=datetime(2021, 2, 28, 22, 30, tzinfo=UTC))
    # 22:30 UTC on 31 March is 00:30 on 1 April in Paris (summer time): April.
    participation(slot, created=datetime(2021, 3, 31, 22, 30, tzinfo=UTC))

    figures = statistics_participations(period=march_2021())

    assert figures.total == Change(current=1, previous=1)


def test_montreal_counts_in_its_own_time_zone(in_montreal):
    slot = dated_slot(MissionFactory(), date(2021, 5, 1), capacity=20)
    # 03:00 UTC on 1 March is 22:00 on 28 February in Montréal: the previous period there.
    participation(slot, created=datetime(2021, 3, 1, 3, tzinfo=UTC))
    # 04:30 UTC on 1 April is 00:30 on 1 April in Montréal (summer time): out of March.
    participation(slot, created=datetime(2021, 4, 1, 4, 30, tzinfo=UTC))
    # 03:30 UTC on 1 April is 23:30 on 31 March in Montréal: March.
    participation(slot, created=datetime(2021, 4, 1, 3, 30, tzinfo=UTC))

    figures = statistics_participations(period=march_2021(TORONTO))

    assert figures.total == Change(current=1, previous=1)


def test_hours_are_the_recorded_hours_on_the_day_of_the_activity(in_paris):
    mission = MissionFactory()
    march_slot = dated_slot(mission, MID_MARCH, hours=4)
    february_slot = dated_slot(mission, MID_FEBRUARY, hours=4)
    ongoing = SlotFactory(mission=mission, ongoing=True)
    attended = {"status": Status.ATTENDED}
    # Requested in February, done in March: March's hours.
    participation(march_slot, created=at(MID_FEBRUARY), hours=Decimal("2.5"), **attended)
    participation(march_slot, created=at(MID_MARCH), hours=Decimal("4"), **attended)
    participation(march_slot, created=at(MID_MARCH), status=Status.NO_SHOW)
    participation(february_slot, created=at(MID_FEBRUARY), hours=Decimal("3"), **attended)
    # Undated: the day attendance was recorded.
    participation(
        ongoing,
        created=at(MID_FEBRUARY),
        hours=Decimal("1.25"),
        decided_at=at(MID_MARCH),
        **attended,
    )
    participation(
        ongoing, created=at(MID_MARCH), hours=Decimal("6"), decided_at=at(MID_APRIL), **attended
    )

    hours = statistics_hours(period=march_2021()).total

    assert hours == Change(current=Decimal("7.75"), previous=Decimal("3.00"))
    assert hours.percent == Decimal("158.3")


def test_no_hours_in_either_period_is_zero_and_no_change(in_paris):
    hours = statistics_hours(period=march_2021()).total

    assert hours == Change(Decimal("0.00"), Decimal("0.00"))
    assert (hours.is_new, hours.percent) == (False, None)


def test_missions_published_full_and_expired(in_paris):
    now = timezone.now()
    MissionFactory(published_at=at(MID_MARCH))
    MissionFactory(published_at=at(MID_FEBRUARY))
    MissionFactory(status=Mission.Status.DRAFT, published_at=None)

    # Full in March: both dates full (a confirmed, an attended and a no-show take seats).
    full = MissionFactory(published_at=at(date(2020, 1, 1)))
    for day in (date(2021, 3, 10), date(2021, 3, 20)):
        slot = dated_slot(full, day, capacity=2)
        participation(slot, created=at(MID_FEBRUARY), status=Status.ATTENDED, hours=Decimal(1))
        participation(slot, created=at(MID_FEBRUARY), status=Status.NO_SHOW)
    # A cancelled date does not count.
    Slot.objects.filter(pk=dated_slot(full, date(2021, 3, 25), capacity=5).pk).update(
        status=Slot.Status.CANCELLED
    )
    # One date full, one with a seat left: not full. Cancelled and waitlisted hold no seat.
    half = MissionFactory(published_at=at(date(2020, 1, 1)))
    first = dated_slot(half, date(2021, 3, 10), capacity=1)
    participation(first, created=at(MID_FEBRUARY), status=Status.CONFIRMED)
    second = dated_slot(half, date(2021, 3, 11), capacity=2)
    participation(second, created=at(MID_FEBRUARY), status=Status.CONFIRMED)
    participation(second, created=at(MID_FEBRUARY), status=Status.CANCELLED)
    participation(second, created=at(MID_FEBRUARY), status=Status.WAITLISTED, waitlisted_at=now)
    # Full in February, and closed since: still counted there.
    closed = MissionFactory(published_at=at(date(2020, 1, 1)), status=Mission.Status.CLOSED)
    participation(dated_slot(closed, MID_FEBRUARY, capacity=1), created=at(date(2021, 2, 1)))
    # A cancelled mission is never full.
    cancelled = MissionFactory(published_at=at(date(2020, 1, 1)), status=Mission.Status.CANCELLED)
    participation(dated_slot(cancelled, MID_MARCH, capacity=1), created=at(date(2021, 2, 1)))

    # Expired in March: still published, last date in March. Not: one with an ongoing slot too,
    # one closed, one with a later date.
    expired = MissionFactory(published_at=at(date(2020, 1, 1)))
    dated_slot(expired, date(2021, 3, 5))
    with_ongoing = MissionFactory(published_at=at(date(2020, 1, 1)))
    dated_slot(with_ongoing, date(2021, 3, 5))
    SlotFactory(mission=with_ongoing, ongoing=True)
    later = MissionFactory(published_at=at(date(2020, 1, 1)))
    dated_slot(later, date(2021, 3, 5))
    dated_slot(later, date(2021, 5, 5))

    figures = statistics_missions(period=march_2021(), now=now)

    # `full` also expired in March (its last open date, the 20th, passed); `half` on the 11th.
    assert figures.published == Change(current=1, previous=1)
    assert figures.full == Change(current=1, previous=1)
    assert figures.expired == Change(current=3, previous=0)


def test_organizations_existing_and_verified_at_the_end_of_each_period(in_paris):
    def organization(created: date, verified: date | None, status: str) -> Organization:
        made = OrganizationFactory(verification_status=status)
        Organization.objects.filter(pk=made.pk).update(
            created_at=at(created), verified_at=at(verified) if verified else None
        )
        return made

    verified = Organization.Verification.VERIFIED
    organization(date(2020, 1, 1), date(2020, 2, 1), verified)
    organization(date(2020, 1, 1), MID_MARCH, verified)
    organization(MID_FEBRUARY, None, Organization.Verification.PENDING)
    organization(MID_MARCH, None, Organization.Verification.REJECTED)
    organization(MID_APRIL, MID_APRIL, verified)

    figures = statistics_organizations(period=march_2021())

    assert figures.total == Change(current=4, previous=3)
    assert figures.verified == Change(current=2, previous=1)


# --- Breakdowns ---------------------------------------------------------------------------------


def test_by_cause_counts_a_mission_for_each_of_its_causes(in_paris):
    solidarity, environment = (
        Cause.objects.get(slug="solidarite"),
        Cause.objects.get(slug="environnement"),
    )
    both = MissionFactory(causes=[solidarity, environment])
    only_solidarity = MissionFactory(causes=[solidarity])
    without = MissionFactory()
    participation(dated_slot(both, date(2021, 5, 1)), created=at(MID_MARCH))
    participation(dated_slot(only_solidarity, date(2021, 5, 1)), created=at(MID_MARCH))
    participation(dated_slot(only_solidarity, date(2021, 5, 2)), created=at(MID_FEBRUARY))
    participation(
        dated_slot(only_solidarity, MID_MARCH),
        created=at(MID_FEBRUARY),
        status=Status.ATTENDED,
        hours=Decimal("2"),
    )
    # Undated: its hours count on the day attendance was recorded (March, not February's).
    ongoing = SlotFactory(mission=only_solidarity, ongoing=True)
    for recorded, hours in ((MID_MARCH, "1.5"), (MID_FEBRUARY, "4")):
        participation(
            ongoing,
            created=at(date(2020, 6, 1)),
            status=Status.ATTENDED,
            hours=Decimal(hours),
            decided_at=at(recorded),
        )
    participation(dated_slot(without, date(2021, 5, 1)), created=at(MID_MARCH))

    breakdowns = statistics_by_cause_and_area(period=march_2021(), grouping=AreaGrouping.POSTCODE)
    rows = {row.key: row for row in breakdowns.by_cause}

    assert rows[str(solidarity.pk)].participations == Change(current=2, previous=2)
    assert rows[str(solidarity.pk)].hours == Decimal("3.50")
    assert rows[str(environment.pk)].participations == Change(current=1, previous=0)
    assert rows["none"].participations == Change(current=1, previous=0)
    assert rows["none"].label == "Sans cause"
    # Active causes without a participation are listed with zeros, after the others.
    active = Cause.objects.filter(is_active=True).count()
    assert len(rows) == active + 1
    assert rows[str(Cause.objects.get(slug="sport").pk)].participations == Change(0, 0)
    # Most participations first, then most hours, then by name.
    assert [row.key for row in breakdowns.by_cause[:3]] == [
        str(solidarity.pk),
        str(environment.pk),
        "none",
    ]


def test_by_area_groups_postcodes_and_keeps_remote_missions_apart(in_paris):
    eleventh = MissionFactory(postcode="75011", city="Paris")
    eleventh_again = MissionFactory(postcode=" 75011 ", city="Paris")
    boulogne = MissionFactory(postcode="92100", city="Boulogne-Billancourt")
    remote = MissionFactory(is_remote=True, location=None, postcode="", city="")
    for mission in (eleventh, eleventh_again, boulogne, remote):
        participation(dated_slot(mission, date(2021, 5, 1)), created=at(MID_MARCH))
    participation(dated_slot(boulogne, date(2021, 5, 2)), created=at(MID_FEBRUARY))

    rows = statistics_by_cause_and_area(period=march_2021(), grouping=AreaGrouping.POSTCODE).by_area

    assert [(row.key, row.label, row.participations) for row in rows] == [
        ("75011", "75011 Paris", Change(2, 0)),
        ("92100", "92100 Boulogne-Billancourt", Change(1, 1)),
        ("remote", "À distance", Change(1, 0)),
    ]


def test_canadian_neighbourhoods_are_forward_sortation_areas(in_montreal):
    assert area_grouping_for("CA") is AreaGrouping.POSTCODE_DISTRICT
    assert area_grouping_for("FR") is AreaGrouping.POSTCODE
    plateau = MissionFactory(postcode="H2X 1Y4", city="Montréal")
    plateau_again = MissionFactory(postcode="h2x3v2", city="Montréal")
    nowhere = MissionFactory(postcode="", city="")
    for mission in (plateau, plateau_again, nowhere):
        participation(dated_slot(mission, date(2021, 5, 1)), created=at(MID_MARCH, zone=TORONTO))

    rows = statistics_by_cause_and_area(
        period=march_2021(TORONTO), grouping=AreaGrouping.POSTCODE_DISTRICT
    ).by_area

    assert [(row.key, row.label, row.participations.current) for row in rows] == [
        ("H2X", "H2X Montréal", 2),
        ("unknown", "Sans code postal", 1),
    ]


def test_monthly_series_fills_every_month_of_the_period(in_paris):
    period = period_custom(start=date(2021, 1, 15), end=date(2021, 3, 31), zone=PARIS)
    mission = MissionFactory()
    user_joined(at(date(2021, 1, 20)))
    user_joined(at(date(2021, 3, 2)))
    user_joined(at(date(2021, 1, 10)))  # before the period
    participation(dated_slot(mission, date(2021, 5, 1)), created=at(date(2021, 1, 16)))
    participation(dated_slot(mission, date(2021, 5, 2)), created=at(date(2021, 3, 30)))
    # 23:30 UTC on 28 February is 1 March in Paris.
    participation(
        dated_slot(mission, date(2021, 5, 3)), created=datetime(2021, 2, 28, 23, 30, tzinfo=UTC)
    )
    participation(
        dated_slot(mission, date(2021, 2, 3)),
        created=at(date(2021, 1, 16)),
        status=Status.ATTENDED,
        hours=Decimal("1.5"),
    )

    months = statistics_monthly(period=period, hours=statistics_hours(period=period))

    assert [(row.month, row.new_sign_ups, row.participations, row.hours) for row in months] == [
        (date(2021, 1, 1), 1, 2, Decimal("0.00")),
        (date(2021, 2, 1), 0, 0, Decimal("1.50")),
        (date(2021, 3, 1), 1, 2, Decimal("0.00")),
    ]

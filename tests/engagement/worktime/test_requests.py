"""Work-time requests: what may be asked, the balance, the manager's decision, the e-mails, and
what a cancelled participation frees."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.inbox.models import Notification
from engagement.participations.models import Participation
from engagement.participations.services import participation_cancel
from engagement.programmes.models import EmployeeProfile
from engagement.programmes.selectors import programme_settings
from engagement.worktime.models import WorkTimeRequest
from engagement.worktime.selectors import (
    allowance_year,
    effective_status,
    pending_requests_for_approver,
    work_time_balance,
)
from engagement.worktime.services import (
    work_time_request_cancel,
    work_time_request_create,
    work_time_request_decide,
)
from tenants.audit.models import AuditEvent
from tests.engagement.factories import ParticipationFactory, SlotFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

Status = WorkTimeRequest.Status


def _state() -> tuple:
    return (
        list(WorkTimeRequest.objects.order_by("pk").values_list("pk", "status", "hours")),
        AuditEvent.objects.count(),
    )


def test_a_request_asks_the_slot_length_in_the_year_of_its_start(company):
    participation = company.participation(hours=3)

    created = work_time_request_create(employee=company.employee, participation=participation)

    assert (created.hours, created.status, created.employee_id) == (
        Decimal("3.00"),
        Status.REQUESTED,
        company.employee.pk,
    )
    assert created.year == participation.slot.starts_at.astimezone(ZoneInfo("Europe/Paris")).year
    balance = work_time_balance(employee=company.employee, year=created.year)
    assert (balance.allowance, balance.approved, balance.pending, balance.left) == (
        Decimal("10"),
        Decimal("0"),
        Decimal("3"),
        Decimal("7"),
    )
    assert AuditEvent.objects.filter(action="work_time.requested").count() == 1


def test_the_default_is_the_length_down_to_a_quarter_of_an_hour(company):
    participation = company.participation(hours=1 + 10 / 60)  # 1 h 10

    created = work_time_request_create(employee=company.employee, participation=participation)

    assert created.hours == Decimal("1.00")


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("3.25", "Ask for more than 0 and at most 3 hours (the length of the date)."),
        ("0", "Ask for more than 0 and at most 3 hours (the length of the date)."),
        ("-1", "Ask for more than 0 and at most 3 hours (the length of the date)."),
        ("1.1", "Give the hours in quarters of an hour (0.25, 0.5, 0.75…)."),
        ("deux", "Give a number of hours, such as 2.5."),
        ("NaN", "Give a number of hours, such as 2.5."),
    ],
)
def test_hours_are_quarters_up_to_the_slot_length(company, hours, message):
    participation = company.participation(hours=3)
    before = _state()

    with pytest.raises(EngagementError) as refused:
        work_time_request_create(
            employee=company.employee, participation=participation, hours=hours
        )

    assert refused.value.code == EngagementErrorCode.HOURS_INVALID
    assert refused.value.fields == {"hours": [message]}
    assert _state() == before


def test_fewer_hours_can_be_asked(company):
    created = work_time_request_create(
        employee=company.employee, participation=company.participation(hours=3), hours="1.75"
    )

    assert created.hours == Decimal("1.75")


def test_over_the_balance_is_refused_with_the_hours_left_and_nothing_written(company):
    work_time_request_create(
        employee=company.employee, participation=company.participation(hours=4)
    )
    work_time_request_create(
        employee=company.employee, participation=company.participation(hours=4)
    )
    third = company.participation(hours=3)
    before = _state()

    with pytest.raises(EngagementError) as refused:
        work_time_request_create(employee=company.employee, participation=third)

    year = allowance_year(third.slot.starts_at, policy=programme_settings())
    message = f"You have 2 h of work time left for {year}: ask for at most that."
    assert refused.value.code == EngagementErrorCode.WORK_TIME_BALANCE_EXCEEDED
    assert refused.value.status_code == 400
    assert (refused.value.detail, refused.value.fields) == (message, {"hours": [message]})
    assert _state() == before
    # What is left can still be asked.
    assert work_time_request_create(
        employee=company.employee, participation=third, hours="2"
    ).hours == Decimal("2")


def test_without_manager_approval_a_request_is_approved_at_once(
    company, policy, smtp_inbox, django_capture_on_commit_callbacks
):
    policy.manager_approval_required = False
    policy.save()

    with django_capture_on_commit_callbacks(execute=True):
        created = work_time_request_create(
            employee=company.employee, participation=company.participation()
        )

    assert (created.status, created.approver_id) == (Status.APPROVED, None)
    assert created.decided_at is not None
    assert work_time_balance(employee=company.employee, year=created.year).approved == Decimal(3)
    assert len(smtp_inbox) == 0


def test_only_own_confirmed_or_attended_dated_participations_not_asked_yet(company):
    colleague_participation = company.participation(company.colleague)
    waitlisted = ParticipationFactory(
        volunteer=company.employee, status=Participation.Status.WAITLISTED
    )
    ongoing = ParticipationFactory(volunteer=company.employee, slot=SlotFactory(ongoing=True))
    asked = company.participation()
    work_time_request_create(employee=company.employee, participation=asked)
    before = _state()

    cases = [
        (colleague_participation, EngagementErrorCode.NOT_OWN_PARTICIPATION),
        (waitlisted, EngagementErrorCode.INVALID_TRANSITION),
        (ongoing, EngagementErrorCode.MISSION_WITHOUT_DATES),
        (asked, EngagementErrorCode.WORK_TIME_ALREADY_REQUESTED),
    ]
    for participation, code in cases:
        with pytest.raises(EngagementError) as refused:
            work_time_request_create(employee=company.employee, participation=participation)
        assert refused.value.code == code

    assert _state() == before


def test_an_attended_participation_can_be_asked_after_the_date(company):
    participation = company.participation(days=-3, hours=2)
    Participation.objects.filter(pk=participation.pk).update(
        status=Participation.Status.ATTENDED, hours=2
    )
    participation.refresh_from_db()

    created = work_time_request_create(employee=company.employee, participation=participation)

    assert created.hours == Decimal("2.00")


def test_the_allowance_year_follows_the_month_it_starts(company, policy):
    policy.year_starts_month = 9
    zone = ZoneInfo("Europe/Paris")

    assert allowance_year(datetime(2026, 9, 1, 0, 30, tzinfo=zone), policy=policy) == 2026
    assert allowance_year(datetime(2027, 8, 31, 23, 30, tzinfo=zone), policy=policy) == 2026
    # 31 August 23:30 UTC is already 1 September in Paris.
    assert (
        allowance_year(datetime(2026, 8, 31, 23, 30, tzinfo=ZoneInfo("UTC")), policy=policy) == 2026
    )
    assert allowance_year(datetime(2026, 8, 31, 12, tzinfo=zone), policy=policy) == 2025


def test_cancelling_the_participation_frees_the_hours(company):
    participation = company.participation(hours=3)
    created = work_time_request_create(employee=company.employee, participation=participation)

    participation_cancel(participation=participation, actor=company.employee)

    created.refresh_from_db()
    assert effective_status(created) == Status.CANCELLED
    assert work_time_balance(employee=company.employee, year=created.year).pending == 0
    assert list(pending_requests_for_approver(approver=company.manager)) == []
    with pytest.raises(EngagementError) as refused:
        work_time_request_decide(work_time_request=created, actor=company.manager, approve=True)
    assert refused.value.code == EngagementErrorCode.INVALID_TRANSITION
    assert WorkTimeRequest.objects.get(pk=created.pk).status == Status.REQUESTED


def test_a_withdrawn_request_frees_its_hours_and_can_be_asked_again(company):
    participation = company.participation(hours=3)
    created = work_time_request_create(employee=company.employee, participation=participation)

    work_time_request_cancel(work_time_request=created, actor=company.employee)

    assert WorkTimeRequest.objects.get(pk=created.pk).status == Status.CANCELLED
    assert work_time_balance(employee=company.employee, year=created.year).used == 0
    again = work_time_request_create(employee=company.employee, participation=participation)
    assert again.status == Status.REQUESTED


def test_the_manager_is_emailed_signed_links_and_the_employee_the_decision(
    company, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = work_time_request_create(
            employee=company.employee, participation=company.participation()
        )

    [to_manager] = smtp_inbox.all()
    assert to_manager.envelope_to == ["manon.manager@acme.example"]
    assert "Emma Petit" in to_manager.text
    links = re.findall(r"https?://\S+/temps-benevole/decision/\S+/", to_manager.text)
    assert len(links) == 2
    smtp_inbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        decided = work_time_request_decide(
            work_time_request=created, actor=company.manager, approve=False, reason="Inventaire"
        )

    assert (decided.status, decided.approver_id, decided.reason) == (
        Status.REFUSED,
        company.manager.pk,
        "Inventaire",
    )
    [to_employee] = smtp_inbox.all()
    assert to_employee.envelope_to == ["emma.employee@acme.example"]
    assert "Inventaire" in to_employee.text
    assert AuditEvent.objects.filter(action="work_time.refused").count() == 1
    assert list(
        Notification.objects.filter(recipient=company.employee).values_list("kind", "actor_id")
    ) == [("work_time_refused", company.manager.pk)]


def test_nobody_but_the_manager_decides(company):
    created = work_time_request_create(
        employee=company.employee, participation=company.participation()
    )
    before = _state()

    for actor, message in (
        (company.employee, "You cannot decide on your own request: your manager does."),
        (company.colleague, "Only the employee's manager can decide on this request."),
        (company.other_manager, "Only the employee's manager can decide on this request."),
        (company.tenant_admin, "Only the employee's manager can decide on this request."),
    ):
        with pytest.raises(EngagementError) as refused:
            work_time_request_decide(work_time_request=created, actor=actor, approve=True)
        assert (refused.value.code, refused.value.detail) == (
            EngagementErrorCode.NOT_ALLOWED,
            message,
        )

    assert _state() == before


def test_without_a_manager_the_tenant_admins_decide(
    company, smtp_inbox, django_capture_on_commit_callbacks
):
    EmployeeProfile.objects.filter(user=company.employee).update(manager=None)
    with django_capture_on_commit_callbacks(execute=True):
        created = work_time_request_create(
            employee=company.employee, participation=company.participation()
        )
    admins = set(User.objects.filter(role=User.Role.ADMIN).values_list("email", flat=True))
    assert "rh.admin@acme.example" in admins
    assert {message.envelope_to[0] for message in smtp_inbox.all()} == admins
    assert len(smtp_inbox) == len(admins)
    with pytest.raises(EngagementError):
        work_time_request_decide(work_time_request=created, actor=company.manager, approve=True)
    assert list(pending_requests_for_approver(approver=company.tenant_admin)) == [created]
    assert list(pending_requests_for_approver(approver=company.manager)) == []

    decided = work_time_request_decide(
        work_time_request=created, actor=company.tenant_admin, approve=True
    )

    assert decided.status == Status.APPROVED


def test_a_decided_request_is_not_decided_again(company):
    created = work_time_request_create(
        employee=company.employee, participation=company.participation()
    )
    work_time_request_decide(work_time_request=created, actor=company.manager, approve=True)
    before = _state()

    with pytest.raises(EngagementError) as refused:
        work_time_request_decide(work_time_request=created, actor=company.manager, approve=False)

    assert refused.value.code == EngagementErrorCode.INVALID_TRANSITION
    assert _state() == before


def test_the_team_list_holds_only_the_managers_pending_reports(company):
    mine = work_time_request_create(
        employee=company.employee, participation=company.participation()
    )
    colleague = work_time_request_create(
        employee=company.colleague, participation=company.participation(company.colleague)
    )
    work_time_request_create(
        employee=company.outsider, participation=company.participation(company.outsider)
    )
    work_time_request_decide(work_time_request=colleague, actor=company.manager, approve=True)

    assert list(pending_requests_for_approver(approver=company.manager)) == [mine]
    assert list(pending_requests_for_approver(approver=company.tenant_admin)) == []
    assert list(pending_requests_for_approver(approver=company.employee)) == []

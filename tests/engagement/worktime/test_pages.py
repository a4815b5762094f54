"""The pages of volunteering time, as signed-in members of Acme: the employee's page, the team
page, the signed decision links (and everyone they must refuse), and their query bounds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from engagement.worktime.links import Decision, work_time_decision_token
from engagement.worktime.models import WorkTimeRequest
from engagement.worktime.services import work_time_request_create
from tenants.audit.models import AuditEvent
from tenants.signing import tenant_dumps
from tests.engagement.factories import UserFactory
from tests.engagement.worktime.conftest import queries_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

Status = WorkTimeRequest.Status


def _state() -> tuple:
    return (
        list(WorkTimeRequest.objects.order_by("pk").values_list("pk", "status", "reason")),
        AuditEvent.objects.count(),
    )


def _requested(company, user=None, **kwargs) -> WorkTimeRequest:
    user = user or company.employee
    return work_time_request_create(
        employee=user, participation=company.participation(user, **kwargs)
    )


def test_the_employee_page_shows_the_balance_and_the_requests(company, pages):
    _requested(company, hours=2)
    company.participation(hours=3)  # still to ask

    response = pages(company.tenant, company.employee).get("/temps-benevole/")

    assert response.status_code == 200
    content = response.content.decode()
    assert '<dd data-figure="allowance">10 h</dd>' in content
    assert '<dd data-figure="pending">2 h</dd>' in content
    assert '<dd data-figure="left">8 h</dd>' in content
    assert 'data-status="requested"' in content
    assert 'name="participation"' in content


def test_asking_from_the_page_and_over_the_balance(company, pages):
    first = company.participation(hours=4)
    second = company.participation(hours=4)
    third = company.participation(hours=4)
    browser = pages(company.tenant, company.employee)

    for participation in (first, second):
        response = browser.post("/temps-benevole/demander/", {"participation": participation.pk})
        assert response.status_code == 302
    before = _state()

    response = browser.post("/temps-benevole/demander/", {"participation": third.pk})

    assert response.status_code == 400
    assert "You have 2 h of work time left for" in response.content.decode()
    assert _state() == before


def test_another_persons_participation_is_not_a_choice(company, pages):
    theirs = company.participation(company.colleague)
    before = _state()

    response = pages(company.tenant, company.employee).post(
        "/temps-benevole/demander/", {"participation": theirs.pk}
    )

    assert response.status_code == 400
    assert _state() == before


def test_the_employee_page_costs_the_same_queries_for_1_and_6_requests(company, pages):
    _requested(company, hours=1)
    browser = pages(company.tenant, company.employee)
    browser.get("/temps-benevole/")  # warm the host and session caches
    one = queries_of(lambda: browser.get("/temps-benevole/"))
    for _ in range(5):
        _requested(company, hours=1)
    company.participation(hours=1)
    six = queries_of(lambda: browser.get("/temps-benevole/"))

    assert six == one


def test_the_team_page_lists_the_reports_pending_requests_with_fixed_queries(company, pages):
    _requested(company)
    browser = pages(company.tenant, company.manager)
    browser.get("/temps-benevole/equipe/")
    one = queries_of(lambda: browser.get("/temps-benevole/equipe/"))
    for _ in range(3):
        _requested(company, company.colleague, hours=1)
    four = queries_of(lambda: browser.get("/temps-benevole/equipe/"))

    response = browser.get("/temps-benevole/equipe/")
    assert response.content.decode().count("data-request=") == 4
    assert four == one
    other = pages(company.tenant, company.other_manager).get("/temps-benevole/equipe/")
    assert "data-request=" not in other.content.decode()


def test_the_manager_approves_and_refuses_from_the_team_page(company, pages):
    approved, refused = _requested(company, hours=2), _requested(company, hours=2)
    browser = pages(company.tenant, company.manager)

    assert browser.post(f"/temps-benevole/equipe/{approved.pk}/approuver/").status_code == 302
    response = browser.post(f"/temps-benevole/equipe/{refused.pk}/refuser/", {"reason": "Clôture"})

    assert response.status_code == 302
    assert WorkTimeRequest.objects.get(pk=approved.pk).status == Status.APPROVED
    assert WorkTimeRequest.objects.filter(pk=refused.pk).values_list("status", "reason").get() == (
        Status.REFUSED,
        "Clôture",
    )


def test_nobody_else_decides_from_the_team_page(company, pages):
    pending = _requested(company)
    before = _state()

    own = pages(company.tenant, company.employee).post(
        f"/temps-benevole/equipe/{pending.pk}/approuver/"
    )
    assert own.status_code == 403
    assert "You cannot decide on your own request" in own.content.decode()
    for user in (company.colleague, company.other_manager, company.tenant_admin):
        response = pages(company.tenant, user).post(f"/temps-benevole/equipe/{pending.pk}/refuser/")
        assert response.status_code == 404
    assert _state() == before


def test_the_signed_link_asks_on_get_and_decides_once_on_post(company, pages):
    pending = _requested(company)
    token = work_time_decision_token(work_time_request=pending, decision=Decision.APPROVE)
    browser = pages(company.tenant, company.manager)
    before = _state()

    page = browser.get(f"/temps-benevole/decision/{token}/")
    assert page.status_code == 200
    assert "Confirm: approve" in page.content.decode()
    assert _state() == before

    assert browser.post(f"/temps-benevole/decision/{token}/").status_code == 302
    assert WorkTimeRequest.objects.get(pk=pending.pk).status == Status.APPROVED
    decided = _state()

    again = browser.post(f"/temps-benevole/decision/{token}/")
    assert again.status_code == 409
    assert _state() == decided
    refuse = work_time_decision_token(work_time_request=pending, decision=Decision.REFUSE)
    assert browser.post(f"/temps-benevole/decision/{refuse}/").status_code == 409
    assert _state() == decided
    shown = browser.get(f"/temps-benevole/decision/{token}/")
    assert 'data-status="approved"' in shown.content.decode()


def test_the_signed_link_refuses_everyone_but_the_manager(company, pages):
    pending = _requested(company)
    token = work_time_decision_token(work_time_request=pending, decision=Decision.REFUSE)
    path = f"/temps-benevole/decision/{token}/"
    before = _state()

    anonymous = pages(company.tenant).post(path)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    own = pages(company.tenant, company.employee).post(path)
    assert own.status_code == 403
    assert "You cannot decide on your own request" in own.content.decode()
    for user in (company.colleague, company.other_manager, company.tenant_admin):
        for method in ("get", "post"):
            response = getattr(pages(company.tenant, user), method)(path)
            assert response.status_code == 403
            assert "Only the employee&#x27;s manager can decide" in response.content.decode()
    assert _state() == before


def test_a_copied_link_means_nothing_on_another_tenant(company, pages, paris):
    pending = _requested(company)
    token = work_time_decision_token(work_time_request=pending, decision=Decision.APPROVE)
    with tenant_context(paris):
        paris_manager = UserFactory(email=company.manager.email)
    before = _state()

    response = pages(paris, paris_manager).post(f"/temps-benevole/decision/{token}/")

    assert response.status_code == 404
    assert _state() == before


def test_forged_and_expired_links(company, pages, settings):
    pending = _requested(company)
    browser = pages(company.tenant, company.manager)
    forged = tenant_dumps("work_time_decision", {"r": pending.pk, "a": "delete"})

    assert browser.get(f"/temps-benevole/decision/{forged}/").status_code == 404
    assert browser.get("/temps-benevole/decision/not-a-token/").status_code == 404
    token = work_time_decision_token(work_time_request=pending, decision=Decision.APPROVE)
    settings.WORKTIME_DECISION_LINK_SECONDS = -1
    assert browser.post(f"/temps-benevole/decision/{token}/").status_code == 410
    assert WorkTimeRequest.objects.get(pk=pending.pk).status == Status.REQUESTED


def test_withdrawing_a_request_from_the_page(company, pages):
    pending = _requested(company)

    response = pages(company.tenant, company.colleague).post(
        f"/temps-benevole/demandes/{pending.pk}/retirer/"
    )
    assert response.status_code == 404
    response = pages(company.tenant, company.employee).post(
        f"/temps-benevole/demandes/{pending.pk}/retirer/"
    )

    assert response.status_code == 302
    assert WorkTimeRequest.objects.get(pk=pending.pk).status == Status.CANCELLED


def test_an_old_approved_request_cannot_be_withdrawn(company, pages, policy):
    policy.manager_approval_required = False
    policy.save()
    participation = company.participation(days=-2, hours=2)
    participation.status = "attended"
    participation.hours = Decimal(2)
    participation.save()
    approved = work_time_request_create(employee=company.employee, participation=participation)
    assert approved.participation.slot.starts_at < approved.created_at - timedelta(days=1)

    pages(company.tenant, company.employee).post(f"/temps-benevole/demandes/{approved.pk}/retirer/")

    assert WorkTimeRequest.objects.get(pk=approved.pk).status == Status.APPROVED


def test_my_commitments_leads_to_work_time_on_a_company(company, pages):
    participation = company.participation()

    content = pages(company.tenant, company.employee).get("/mes-engagements/").content.decode()

    assert f'href="/temps-benevole/?participation={participation.pk}"' in content
    page = pages(company.tenant, company.employee).get(
        "/temps-benevole/", participation=str(participation.pk)
    )
    assert f'<option value="{participation.pk}" selected>' in page.content.decode()


def test_the_employee_finds_the_decision_in_their_notifications(company, pages):
    pending = _requested(company)
    pages(company.tenant, company.manager).post(f"/temps-benevole/equipe/{pending.pk}/approuver/")

    content = pages(company.tenant, company.employee).get("/notifications/").content.decode()

    assert "Your work time for “Atelier réparation” is approved." in content

"""Volunteering time in the API: balance, requests, the manager's decision, declared hours; bad
input, other people and other tenants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_tenants.utils import tenant_context

from engagement.worktime.models import HoursDeclaration, WorkTimeRequest
from engagement.worktime.services import work_time_request_create
from tenants.audit.models import AuditEvent
from tests.engagement.conftest import error_body
from tests.engagement.factories import TenantAdminFactory
from tests.engagement.worktime.conftest import queries_of
from tests.tenancy import tenant_today

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def _state() -> tuple:
    return (
        list(WorkTimeRequest.objects.order_by("pk").values_list("pk", "status", "hours")),
        HoursDeclaration.objects.count(),
        AuditEvent.objects.count(),
    )


def test_balance_and_requests(company, api_for):
    client = api_for(company.tenant, company.employee)
    participation = company.participation(hours=3)

    created = client.post(
        "me/work-time/requests/", {"participation": participation.pk, "hours": "2.5"}
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["hours"], body["status"], body["mission"]["title"]) == (
        "2.50",
        "requested",
        "Atelier réparation",
    )
    balance = client.get("me/work-time/", {"year": body["year"]}).json()
    assert (balance["allowance"], balance["pending"], balance["left"]) == ("10.00", "2.50", "7.50")
    listed = client.get("me/work-time/requests/").json()
    assert [item["id"] for item in listed["results"]] == [body["id"]]


def test_over_the_balance_is_a_400_with_the_hours_left(company, api_for):
    client = api_for(company.tenant, company.employee)
    for _ in range(3):
        assert (
            client.post(
                "me/work-time/requests/", {"participation": company.participation(hours=3).pk}
            ).status_code
            == 201
        )
    before = _state()

    response = client.post(
        "me/work-time/requests/", {"participation": company.participation(hours=3).pk}
    )

    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "work_time_balance_exceeded"
    assert body["detail"].startswith("You have 1 h of work time left for ")
    assert body["fields"] == {"hours": [body["detail"]]}
    assert _state() == before


@pytest.mark.parametrize(
    "payload",
    [{}, {"participation": "x"}, {"participation": 1, "hours": "beaucoup"}, [1, 2]],
)
def test_bad_request_bodies_are_400s(company, api_for, payload):
    before = _state()

    response = api_for(company.tenant, company.employee).post("me/work-time/requests/", payload)

    assert response.status_code == 400
    error_body(response)
    assert _state() == before


def test_someone_elses_participation_is_a_404(company, api_for):
    theirs = company.participation(company.colleague)
    before = _state()

    response = api_for(company.tenant, company.employee).post(
        "me/work-time/requests/", {"participation": theirs.pk}
    )

    assert response.status_code == 404
    assert _state() == before


def test_the_manager_approves_and_refuses(company, api_for):
    first = work_time_request_create(
        employee=company.employee, participation=company.participation()
    )
    second = work_time_request_create(
        employee=company.colleague, participation=company.participation(company.colleague)
    )
    client = api_for(company.tenant, company.manager)

    approved = client.post(f"work-time/requests/{first.pk}/approve/")
    refused = client.post(f"work-time/requests/{second.pk}/refuse/", {"reason": "Période chargée"})

    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    assert (refused.status_code, refused.json()["status"], refused.json()["reason"]) == (
        200,
        "refused",
        "Période chargée",
    )
    again = client.post(f"work-time/requests/{first.pk}/refuse/")
    assert again.status_code == 409
    assert error_body(again)["code"] == "invalid_transition"


def test_nobody_else_approves(company, api_for):
    pending = work_time_request_create(
        employee=company.employee, participation=company.participation()
    )
    before = _state()

    own = api_for(company.tenant, company.employee).post(
        f"work-time/requests/{pending.pk}/approve/"
    )
    assert own.status_code == 403
    assert error_body(own)["detail"] == "You cannot decide on your own request: your manager does."
    for user in (company.colleague, company.other_manager, company.tenant_admin):
        response = api_for(company.tenant, user).post(f"work-time/requests/{pending.pk}/approve/")
        assert response.status_code == 404
        assert error_body(response)["code"] == "not_found"
    assert (
        api_for(company.tenant).post(f"work-time/requests/{pending.pk}/approve/").status_code == 401
    )
    assert _state() == before


def test_an_acme_request_id_is_a_404_on_paris(company, api_for, paris):
    pending = work_time_request_create(
        employee=company.employee, participation=company.participation()
    )
    with tenant_context(paris):
        paris_admin = TenantAdminFactory(email="admin.worktime@paris.example")
    before = _state()

    for path in (
        f"work-time/requests/{pending.pk}/approve/",
        f"work-time/requests/{pending.pk}/refuse/",
    ):
        response = api_for(paris, paris_admin).post(path)
        assert response.status_code == 404
    # The employee's own session is nobody on Paris.
    session = api_for(company.tenant, company.employee)
    assert session.on(paris).get("me/work-time/requests/").status_code == 401
    assert _state() == before


def test_declarations(company, api_for):
    client = api_for(company.tenant, company.employee)
    yesterday = (tenant_today(company.tenant) - timedelta(days=1)).isoformat()

    created = client.post(
        "me/hours-declarations/",
        {
            "organization_name": "Restos",
            "description": "Service du soir",
            "date": yesterday,
            "hours": "3",
        },
    )

    assert created.status_code == 201, created.content
    assert (created.json()["status"], created.json()["organization_name"]) == ("pending", "Restos")
    assert client.get("me/hours-declarations/").json()["count"] == 1
    before = _state()
    tomorrow = (tenant_today(company.tenant) + timedelta(days=1)).isoformat()
    for payload in (
        {"organization_name": "Restos", "description": "x", "date": tomorrow, "hours": "3"},
        {"organization_name": "Restos", "description": "x", "date": yesterday, "hours": "25"},
        {"organization": 987654, "description": "x", "date": yesterday, "hours": "1"},
        {"description": "x", "date": yesterday, "hours": "1"},
    ):
        response = client.post("me/hours-declarations/", payload)
        assert response.status_code == 400, payload
        error_body(response)
    assert _state() == before


def test_the_lists_cost_the_same_queries_for_1_and_5_rows(company, api_for):
    client = api_for(company.tenant, company.employee)
    work_time_request_create(
        employee=company.employee, participation=company.participation(hours=1)
    )
    declaration = {
        "organization_name": "A",
        "description": "x",
        "date": tenant_today(company.tenant).isoformat(),
        "hours": "1",
    }
    client.post("me/hours-declarations/", declaration)
    client.get("me/work-time/requests/")
    one = (
        queries_of(lambda: client.get("me/work-time/requests/")),
        queries_of(lambda: client.get("me/hours-declarations/")),
    )
    for _ in range(4):
        work_time_request_create(
            employee=company.employee, participation=company.participation(hours=1)
        )
        client.post("me/hours-declarations/", declaration)

    five = (
        queries_of(lambda: client.get("me/work-time/requests/")),
        queries_of(lambda: client.get("me/hours-declarations/")),
    )

    assert five == one
    assert client.get("me/work-time/requests/").json()["count"] == 5
    assert client.get("me/hours-declarations/").json()["count"] == 5

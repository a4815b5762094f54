"""Hours volunteered outside the platform: declared by an employee, confirmed or refused by an
admin of the organization (its space) or a tenant admin (the back office); only confirmed ones
count."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from engagement.errors import EngagementError, EngagementErrorCode
from engagement.organizations.models import Organization, OrganizationMembership
from engagement.worktime.models import HoursDeclaration
from engagement.worktime.selectors import confirmed_declared_hours
from engagement.worktime.services import hours_declaration_create, hours_declaration_decide
from tenants.audit.models import AuditEvent
from tests.engagement.factories import MembershipFactory, OrganizationFactory
from tests.engagement.worktime.conftest import queries_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

Status = HoursDeclaration.Status


@pytest.fixture
def association(company):
    return OrganizationFactory(name="Repair Café Acme")


@pytest.fixture
def association_admin(association):
    return MembershipFactory(organization=association).user


def _declare(volunteer, organization=None, **overrides) -> HoursDeclaration:
    values = {
        "description": "Réparation de vélos",
        "day": timezone.localdate() - timedelta(days=2),
        "hours": "2.5",
        "organization": organization,
        "organization_name": "" if organization else "Secours populaire",
    }
    values.update(overrides)
    return hours_declaration_create(volunteer=volunteer, **values)


def _state() -> tuple:
    return (
        list(HoursDeclaration.objects.order_by("pk").values_list("pk", "status", "hours")),
        AuditEvent.objects.count(),
    )


def test_a_declaration_for_an_organization_of_the_site(company, association):
    declaration = _declare(company.employee, association)

    assert (declaration.status, declaration.hours, declaration.organization_id) == (
        Status.PENDING,
        Decimal("2.5"),
        association.pk,
    )
    assert declaration.organization_name == ""
    assert confirmed_declared_hours(volunteer=company.employee) == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"hours": "0.1"}, "hours", "Declare from 0.25 to 24 hours."),
        ({"hours": "24.25"}, "hours", "Declare from 0.25 to 24 hours."),
        ({"hours": "1.3"}, "hours", "Give the hours in quarters of an hour (0.25, 0.5, 0.75…)."),
        # Days from today, counted when the test runs (not when it is collected: a run that
        # crosses midnight would otherwise declare today).
        ({"day": 1}, "date", "The date cannot be in the future."),
        (
            {"organization_name": ""},
            "organization_name",
            "Choose the organization or write its name.",
        ),
        ({"description": "<b></b>"}, "description", "Say what you did."),
    ],
)
def test_bad_declarations_are_refused_and_nothing_written(company, overrides, field, message):
    if "day" in overrides:
        overrides = {**overrides, "day": timezone.localdate() + timedelta(days=overrides["day"])}
    before = _state()

    with pytest.raises(EngagementError) as refused:
        _declare(company.employee, **overrides)

    assert refused.value.code == EngagementErrorCode.INVALID
    assert refused.value.fields == {field: [message]}
    assert _state() == before


def test_an_unverified_organization_is_refused(company):
    pending = OrganizationFactory(
        verification_status=Organization.Verification.PENDING, verified_at=None
    )

    with pytest.raises(EngagementError) as refused:
        _declare(company.employee, pending)

    assert "organization" in refused.value.fields


def test_the_organizations_admin_or_a_tenant_admin_confirms(
    company, association, association_admin
):
    first = _declare(company.employee, association, hours="2")
    second = _declare(company.employee, hours="3")

    hours_declaration_decide(declaration=first, actor=association_admin, confirm=True)
    hours_declaration_decide(declaration=second, actor=company.tenant_admin, confirm=True)

    assert HoursDeclaration.objects.get(pk=first.pk).decided_by == association_admin
    assert confirmed_declared_hours(volunteer=company.employee) == Decimal("5")
    assert AuditEvent.objects.filter(action="hours_declaration.confirmed").count() == 2


def test_nobody_else_confirms_and_never_their_own(company, association, association_admin):
    outside_declaration = _declare(company.employee)
    editor = MembershipFactory(
        organization=association, role=OrganizationMembership.Role.EDITOR
    ).user
    own = _declare(company.tenant_admin, association)
    declaration = _declare(company.employee, association)
    before = _state()

    for actor, target in (
        (company.manager, declaration),
        (editor, declaration),
        (MembershipFactory().user, declaration),
        (association_admin, outside_declaration),
        (company.tenant_admin, own),
    ):
        with pytest.raises(EngagementError) as refused:
            hours_declaration_decide(declaration=target, actor=actor, confirm=True)
        assert refused.value.code == EngagementErrorCode.NOT_ALLOWED

    assert _state() == before


def test_a_refusal_needs_a_reason_the_volunteer_sees(company, pages):
    declaration = _declare(company.employee)
    with pytest.raises(EngagementError) as refused:
        hours_declaration_decide(declaration=declaration, actor=company.tenant_admin, confirm=False)
    assert refused.value.fields == {"reason": ["Say why the hours are refused."]}

    hours_declaration_decide(
        declaration=declaration, actor=company.tenant_admin, confirm=False, reason="Pas de trace"
    )

    page = pages(company.tenant, company.employee).get("/temps-benevole/").content.decode()
    assert 'data-status="refused"' in page
    assert "Pas de trace" in page
    assert confirmed_declared_hours(volunteer=company.employee) == 0
    with pytest.raises(EngagementError) as again:
        hours_declaration_decide(declaration=declaration, actor=company.tenant_admin, confirm=True)
    assert again.value.code == EngagementErrorCode.INVALID_TRANSITION


def test_declaring_from_the_page(company, association, pages):
    browser = pages(company.tenant, company.employee)
    response = browser.post(
        "/temps-benevole/declarer/",
        {
            "organization": association.pk,
            "description": "Inventaire",
            "day": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "hours": "1.5",
        },
    )
    assert response.status_code == 302
    before = _state()

    future = browser.post(
        "/temps-benevole/declarer/",
        {
            "organization_name": "Ailleurs",
            "description": "Inventaire",
            "day": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "hours": "1.5",
        },
    )

    assert future.status_code == 400
    assert "The date cannot be in the future." in future.content.decode()
    assert _state() == before


def test_the_organization_space_lists_and_confirms(company, association, association_admin, pages):
    declaration = _declare(company.employee, association)
    _declare(company.employee)  # for a tenant admin, not for this organization
    browser = pages(company.tenant, association_admin)
    path = f"/organisation/{association.pk}/heures-declarees/"

    page = browser.get(path)
    assert page.status_code == 200
    assert page.content.decode().count("data-declaration=") == 1

    response = browser.post(f"{path}{declaration.pk}/confirmer/")

    assert response.status_code == 302
    assert HoursDeclaration.objects.get(pk=declaration.pk).status == Status.CONFIRMED


def test_the_organization_space_is_its_admins_only(company, association, pages):
    declaration = _declare(company.employee, association)
    editor = MembershipFactory(
        organization=association, role=OrganizationMembership.Role.EDITOR
    ).user
    path = f"/organisation/{association.pk}/heures-declarees/"
    before = _state()

    for user in (company.employee, editor, company.manager):
        browser = pages(company.tenant, user)
        assert browser.get(path).status_code == 404
        assert browser.post(f"{path}{declaration.pk}/confirmer/").status_code == 404
    assert _state() == before


def test_the_back_office_lists_every_pending_declaration_with_fixed_queries(
    company, association, pages
):
    _declare(company.employee, association)
    browser = pages(company.tenant, company.tenant_admin)
    browser.get("/gestion/heures-declarees/")
    one = queries_of(lambda: browser.get("/gestion/heures-declarees/"))
    for index in range(4):
        _declare(company.colleague, association if index % 2 else None)
    five = queries_of(lambda: browser.get("/gestion/heures-declarees/"))

    page = browser.get("/gestion/heures-declarees/")
    assert page.content.decode().count("data-declaration=") == 5
    assert five == one
    assert "/gestion/heures-declarees/" in page.content.decode()  # its navigation entry


def test_the_back_office_refuses_with_a_reason_and_refuses_non_admins(company, pages):
    declaration = _declare(company.employee)
    before = _state()
    for user in (company.employee, company.manager):
        response = pages(company.tenant, user).post(
            f"/gestion/heures-declarees/{declaration.pk}/refuser/", {"reason": "Non"}
        )
        assert response.status_code == 403
    assert _state() == before

    response = pages(company.tenant, company.tenant_admin).post(
        f"/gestion/heures-declarees/{declaration.pk}/refuser/", {"reason": "Non"}
    )

    assert response.status_code == 302
    assert HoursDeclaration.objects.filter(pk=declaration.pk).values_list(
        "status", "refusal_reason"
    ).get() == (Status.REFUSED, "Non")

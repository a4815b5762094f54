"""A company programme in a real browser, end to end on Acme (a private instance):

an employee signs in through the company's identity provider (a real OpenID provider on
loopback), joins a mission of the running campaign, asks for work time; their manager approves
from the link of the e-mail; the CSR report shows the hours. Someone from outside sees nothing of
Acme: not its pages, not its API, not its name on the public site.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from accounts.models import User
from accounts.sso.services import oidc_connection_save
from engagement.campaigns.models import Campaign
from engagement.campaigns.selectors import campaign_progress
from engagement.campaigns.services import campaign_create, campaign_set_published
from engagement.programmes.models import EmployeeProfile, ProgrammeSettings
from engagement.programmes.services import programme_settings_update
from engagement.worktime.models import WorkTimeRequest
from tenants.legal.services import terms_accept_current
from tenants.models import Tenant
from tests.accounts.conftest import PASSWORD, make_user
from tests.accounts.idp.oidc_provider import OidcProvider, running_provider
from tests.browser.conftest import sign_in_member, unique_email
from tests.browser.test_backoffice import sign_in_as_admin

pytestmark = pytest.mark.browser

MISSION = "Mentoring young jobseekers"


@dataclass
class Programme:
    tenant: Tenant
    provider: OidcProvider
    campaign: Campaign
    manager_email: str
    employee_email: str
    employee_subject: str


def _acme_email(prefix: str) -> str:
    return unique_email(prefix).replace("@example.org", "@acme.example")


@pytest.fixture
def programme(world, url) -> Iterator[Programme]:  # type: ignore[no-untyped-def]
    """Acme's connection to a real OpenID provider, a manager, a running campaign featuring the
    mentoring mission, 16 h of work time a year approved by managers (committed: the live server
    reads them; undone afterwards)."""
    acme = Tenant.objects.get(slug="acme")
    admin = make_user(acme, _acme_email("rh"), role=User.Role.ADMIN)
    manager_email = _acme_email("manager")
    manager = make_user(acme, manager_email)
    employee_email = _acme_email("employee")
    with running_provider() as provider:
        client_id, client_secret = provider.register_client(
            url("acme", "/accounts/oidc/sso/login/callback/")
        )
        subject = f"sub-{employee_email}"
        provider.set_user(
            subject,
            {
                "email": employee_email,
                "email_verified": True,
                "given_name": "Inès",
                "family_name": "Garnier",
                "department": "Finance",
                "manager_email": manager_email,
            },
        )
        with tenant_context(acme):
            terms_accept_current(user=manager)
            oidc_connection_save(
                tenant=acme,
                actor=admin,
                name="Acme Login",
                issuer=provider.issuer,
                client_id=client_id,
                client_secret=client_secret,
                allowed_email_domains=["acme.example"],
            )
            programme_settings_update(
                actor=admin,
                leaderboards_enabled=True,
                work_hours_per_year=Decimal("16"),
                manager_approval_required=True,
                year_starts_month=1,
            )
            today = timezone.localdate()
            campaign = campaign_create(
                actor=admin,
                title="Semaine de l'engagement",
                description="<p>Une semaine pour s'engager.</p>",
                starts_on=today - timedelta(days=1),
                ends_on=today + timedelta(days=10),
                goal_kind=Campaign.GoalKind.HOURS,
                goal_value=20,
                featured_mission_ids=[world.acme_missions[MISSION]],
            )
            campaign_set_published(actor=admin, campaign=campaign, is_published=True)
        try:
            yield Programme(acme, provider, campaign, manager_email, employee_email, subject)
        finally:
            with tenant_context(acme):
                Campaign.objects.filter(pk=campaign.pk).delete()
                SocialApp.objects.all().delete()
                ProgrammeSettings.objects.all().delete()


def _origin(page: Any) -> str:
    found = re.match(r"https?://[^/]+", page.url)
    assert found is not None
    return found.group(0)


def test_an_employee_signs_in_with_the_company_joins_asks_for_work_time_and_the_report_shows_it(
    pages, url, world, programme
):
    employee = pages.new()
    # The private instance sends the visitor to its sign-in page, the company's button first.
    employee.goto(url("acme", f"/campagnes/{programme.campaign.slug}/"))
    expect(employee).to_have_url(re.compile(r"/accounts/login/\?next="))
    # The provider's pages are the only outside origin this test lets the browser reach.
    employee.context.route(f"{programme.provider.issuer}/**", lambda route: route.continue_())
    # Its page links a stylesheet on a CDN: answered locally, empty (nothing leaves the machine).
    employee.context.route(
        "https://cdn.jsdelivr.net/**",
        lambda route: route.fulfill(status=200, content_type="text/css", body=""),
    )
    employee.get_by_role("button", name=re.compile("Acme Corp")).click()

    # At the company's identity provider: pick the account.
    expect(employee).to_have_url(re.compile(re.escape(programme.provider.issuer)))
    employee.locator("input[name=sub]").fill(programme.employee_subject)
    employee.get_by_role("button", name="Authorize").click()

    # Back on Acme, signed in: the terms of use once, then the campaign asked for first.
    expect(employee).to_have_url(re.compile(r"/conditions/accepter/"))
    employee.locator("input[name=accept]").check()
    employee.locator("form[action*='/conditions/accepter/'] button[type=submit]").click()
    expect(employee).to_have_url(url("acme", f"/campagnes/{programme.campaign.slug}/"))
    expect(employee.locator("h1")).to_have_text("Semaine de l'engagement")
    with tenant_context(programme.tenant):
        person = User.objects.get(email=programme.employee_email)
        # The identity provider's attributes filled the profile: department and manager.
        profile = EmployeeProfile.objects.select_related("manager").get(user=person)
        assert (profile.department, profile.manager.email) == ("Finance", programme.manager_email)

    # The campaign's featured mission: "I'm in" (Acme speaks English).
    employee.get_by_role("link", name=MISSION).first.click()
    expect(employee.locator("h1")).to_have_text(MISSION)
    employee.get_by_role("button", name="I'm in").click()
    expect(employee.locator("main > .messages")).to_contain_text("your participation is confirmed")

    # Work time for it: one hour of the 16 h allowance.
    employee.goto(url("acme", "/temps-benevole/"))
    expect(employee.locator("[data-figure=allowance]")).to_contain_text("16")
    asking = employee.locator("form[action$='/temps-benevole/demander/']")
    asking.locator("select[name=participation]").select_option(index=0)
    asking.locator("input[name=hours]").fill("1")
    asking.locator("button[type=submit]").click()
    expect(employee.locator("td[data-status]").first).to_have_attribute("data-status", "requested")

    # The manager approves from the e-mail's link (signed in with their password).
    message = next(m for m in reversed(mail.outbox) if programme.manager_email in m.to)
    approve = re.search(
        r"Approve: https?://[^/\s]+(/temps-benevole/decision/[^/\s]+/)", message.body
    )
    assert approve is not None, message.body
    manager = pages.new()
    manager.goto(url("acme", "/accounts/login/?password=1"))
    manager.locator("input[name=login]").fill(programme.manager_email)
    manager.locator("input[name=password]").fill(PASSWORD)
    manager.locator("form.login button[type=submit]").click()
    expect(manager).not_to_have_url(re.compile(r"/accounts/login/"))
    manager.goto(_origin(manager) + approve.group(1))
    manager.locator("form.card button[type=submit]").click()
    expect(manager.locator("[data-status]").first).to_be_visible()
    with tenant_context(programme.tenant):
        assert list(
            WorkTimeRequest.objects.filter(employee__email=programme.employee_email).values_list(
                "status", "hours"
            )
        ) == [("approved", Decimal("1.00"))]

    employee.goto(url("acme", "/temps-benevole/"))
    expect(employee.locator("td[data-status]").first).to_have_attribute("data-status", "approved")
    expect(employee.locator("[data-figure=left]")).to_contain_text("15")

    # The CSR report of the campaign: one participation, one hour of paid work time.
    admin = sign_in_as_admin(pages, url, slug="acme")
    admin.goto(url("acme", f"/gestion/rapports/?campaign={programme.campaign.pk}"))
    expect(admin.locator("tr[data-figure=participations] td.num")).to_have_text("1")
    expect(admin.locator("tr[data-figure=time_hours_work_time] td.num")).to_have_text("1")
    with tenant_context(programme.tenant):
        assert campaign_progress(programme.campaign).participations == 1
    assert not pages.errors


def test_an_outsider_sees_nothing_of_acme(pages, url, world):
    visitor = pages.new()
    visitor.goto(url("acme", f"/missions/{world.acme_missions[MISSION]}/"))
    expect(visitor).to_have_url(re.compile(r"/accounts/login/\?next="))
    assert MISSION not in visitor.content()
    # The API, asked from the page (same origin, the visitor's cookies): 401, nothing listed.
    status, body = visitor.evaluate(
        "async (path) => { const r = await fetch(path); return [r.status, await r.text()]; }",
        "/api/v1/missions/",
    )
    assert status == 401
    assert MISSION not in body
    # Chromium reports that refusal in the console: the one error this test expects.
    assert pages.errors == [
        "console: Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    ]
    pages.errors.clear()

    # The public site lists the public instances only (asked directly: Chromium here reaches
    # the tenants' hosts only).
    public = Client(HTTP_HOST=settings.BASE_DOMAIN).get("/")
    assert public.status_code == 200
    assert "Paris" in public.content.decode() and "Acme" not in public.content.decode()

    # A member of Paris is nobody on Acme.
    member = pages.new()
    sign_in_member(member, url, "paris")
    member.goto(url("acme", "/"))
    expect(member).to_have_url(re.compile(r"acme\..*/accounts/login/\?next=(/|%2F)$"))
    assert not pages.errors

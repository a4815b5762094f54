"""/gestion/: anonymous → sign in, a volunteer or an organization admin → 403, a moderator → the
moderation part, a tenant admin → everything; a fixed number of queries; nobody elsewhere."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from accounts.models import User
from engagement.missions.models import Mission
from tests.accounts.conftest import login, login_with_mfa, make_user, mfa_enable, set_password
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PATH = "/gestion/"


def _admin_client(tenant, client_for):  # type: ignore[no-untyped-def]
    admin = make_user(tenant, "admin@example.org", role=User.Role.ADMIN)
    set_password(tenant, admin)
    secret = mfa_enable(tenant, admin)
    client = client_for(tenant)
    login_with_mfa(client, admin.email, secret)
    return client


def test_an_anonymous_visitor_is_sent_to_sign_in_and_back(paris, client_for):
    response = client_for(paris).get(PATH)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/gestion/"


def test_a_volunteer_gets_a_403_page(paris, client_for):
    make_user(paris, "vol@paris.example")
    client = client_for(paris)
    login(client, "vol@paris.example")

    response = client.get(PATH)

    assert response.status_code == 403
    assert "Back office" not in client.get("/").content.decode()


def test_an_organization_admin_gets_a_403_page(paris, client_for):
    user = make_user(paris, "asso@paris.example")
    with tenant_context(paris):
        MembershipFactory(organization=OrganizationFactory(), user=user, role="admin")
    client = client_for(paris)
    login(client, "asso@paris.example")

    assert client.get(PATH).status_code == 403


def test_a_moderator_sees_the_moderation_part_only(paris, client_for):
    make_user(paris, "mod@paris.example", role=User.Role.MODERATOR)
    with tenant_context(paris):
        MissionFactory(status=Mission.Status.IN_REVIEW)
    client = client_for(paris)
    login(client, "mod@paris.example")

    response = client.get(PATH)
    page = response.content.decode()

    assert response.status_code == 200
    assert "Missions en relecture</dt><dd>1</dd>" in page
    assert 'href="/organisation/moderation/"' in page
    assert "/billing/" not in page
    assert "/accounts/settings/sign-in/" not in page
    assert "Comptes actifs" not in page
    assert 'href="/gestion/"' in client.get("/").content.decode()


def test_a_tenant_admin_sees_everything_in_french(paris, client_for):
    client = _admin_client(paris, client_for)

    response = client.get(PATH)
    page = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert "Gestion" in client.get("/").content.decode()
    for link in (
        "/organisation/moderation/",
        "/accounts/settings/sign-in/",
        "/billing/",
        "/admin/",
    ):
        assert f'href="{link}"' in page
    assert "Comptes actifs" in page


def test_a_tenant_admin_without_a_second_factor_sets_one_up_first(paris, client_for):
    admin = make_user(paris, "admin@example.org", role=User.Role.ADMIN)
    set_password(paris, admin)
    client = client_for(paris)
    login(client, admin.email)

    response = client.get(PATH)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_the_home_page_costs_the_same_queries_whatever_the_size(paris, client_for):
    client = _admin_client(paris, client_for)
    client.get(PATH)
    with CaptureQueriesContext(connection) as small:
        assert client.get(PATH).status_code == 200
    with tenant_context(paris):
        organization = OrganizationFactory()
        for _ in range(5):
            slot = SlotFactory(mission=MissionFactory(organization=organization), capacity=10)
            for _ in range(3):
                ParticipationFactory(slot=slot, volunteer=UserFactory())
    with CaptureQueriesContext(connection) as large:
        assert client.get(PATH).status_code == 200

    assert len(large.captured_queries) == len(small.captured_queries)
    # Session, user, MFA check and the five figures.
    assert len(small.captured_queries) <= 12


def test_an_admin_of_paris_is_nobody_on_montreal(paris, montreal, client_for):
    client = _admin_client(paris, client_for)
    elsewhere = client_for(montreal)
    elsewhere.cookies = client.cookies

    response = elsewhere.get(PATH)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/gestion/"


def test_the_company_tenant_reads_it_in_english(acme, client_for):
    client = _admin_client(acme, client_for)

    page = client.get(PATH).content.decode()
    with tenant_context(acme):
        active = User.objects.filter(is_active=True).count()

    assert f"Active accounts</dt><dd>{active}</dd>" in page
    assert ">Back office</a>" in client.get("/").content.decode()


def test_montreal_reads_it_in_canadian_french(montreal, client_for):
    client = _admin_client(montreal, client_for)

    response = client.get(PATH)

    assert response["Content-Language"] == "fr-ca"
    assert "Organisations à vérifier" in response.content.decode()

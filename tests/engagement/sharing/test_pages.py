"""Mission sharing's pages and API: the back office of each side, the company's list, joining
and cancelling, each against the other tenant and the wrong kind of tenant."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tenants.utils import tenant_context

from engagement.participations.models import Participation
from engagement.sharing.models import (
    CitySubscription,
    SharedMission,
    SharedParticipation,
    SharingSettings,
    SharingSubscriber,
)
from engagement.sharing.services import city_subscribe, shared_missions_refresh
from tests.accounts.conftest import mfa_enable

pytestmark = pytest.mark.usefixtures("english_messages")

BACKOFFICE = "/gestion/partage/"
SHARED = "/missions-des-villes/"


def signed_in(tenant, user) -> Client:
    """A client signed in as `user` (an admin's account has its second factor, which the back
    office requires of admins)."""
    if user.is_tenant_admin:
        mfa_enable(tenant, user)
    client = Client(HTTP_HOST=tenant.primary_host)
    with tenant_context(tenant):
        client.force_login(user)
    return client


def _subscribe(company, city, radius_km=5):
    with tenant_context(company.tenant):
        subscription = city_subscribe(
            actor=company.admin, city_tenant_id=city.tenant.pk, radius_km=radius_km
        )
        shared_missions_refresh(subscription_id=subscription.pk)
    return subscription


def said(tenant, text: str) -> str:
    """`text` as the tenant's pages say it (in its default language)."""
    with translation.override(tenant.default_language):
        return gettext(text)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_company_admin_sees_the_sharing_cities_and_subscribes(city, company):
    client = signed_in(company.tenant, company.admin)
    page = client.get(BACKOFFICE)
    assert page.status_code == 200
    assert said(company.tenant, "Missions from the cities") in page.content.decode()
    assert f'<option value="{city.tenant.pk}">{city.tenant.name}</option>' in page.content.decode()
    response = client.post(
        BACKOFFICE + "abonnement/",
        {"city": city.tenant.pk, "radius_km": "5", "all_sites": "on"},
    )
    assert response.status_code == 302
    with tenant_context(company.tenant):
        subscription = CitySubscription.objects.get()
        assert (subscription.radius_km, subscription.all_sites) == (5, True)
    with tenant_context(city.tenant):
        assert SharingSubscriber.objects.get().company_name == company.tenant.name


def test_a_bad_subscription_form_answers_400_and_writes_nothing(city, company):
    client = signed_in(company.tenant, company.admin)
    response = client.post(
        BACKOFFICE + "abonnement/", {"city": "999999", "radius_km": "500", "all_sites": "on"}
    )
    assert response.status_code == 400
    assert said(company.tenant, "Please correct the following") in response.content.decode()
    with tenant_context(company.tenant):
        assert CitySubscription.objects.count() == 0


def test_the_company_admin_stops_a_subscription(city, company):
    subscription = _subscribe(company, city)
    client = signed_in(company.tenant, company.admin)
    response = client.post(BACKOFFICE + "arreter-ville/", {"agreement": subscription.pk})
    assert response.status_code == 302
    with tenant_context(company.tenant):
        assert CitySubscription.objects.get().is_active is False
        assert SharedMission.objects.count() == 0


def test_the_city_admin_shares_and_stops_one_company(city, company):
    _subscribe(company, city)
    client = signed_in(city.tenant, city.admin)
    page = client.get(BACKOFFICE)
    assert page.status_code == 200
    body = page.content.decode()
    assert said(city.tenant, "Share missions with companies") in body
    assert company.tenant.name in body
    response = client.post(
        BACKOFFICE + "reglages/",
        {
            "is_sharing": "on",
            "organizations": [city.organization.pk],
        },
    )
    assert response.status_code == 302
    with tenant_context(city.tenant):
        settings_row = SharingSettings.objects.get()
        assert settings_row.all_verified_organizations is False
        assert list(settings_row.organizations.values_list("pk", flat=True)) == [
            city.organization.pk
        ]
        subscriber = SharingSubscriber.objects.get()
    response = client.post(BACKOFFICE + "arreter-entreprise/", {"agreement": subscriber.pk})
    assert response.status_code == 302
    with tenant_context(company.tenant):
        assert CitySubscription.objects.get().is_active is False


def test_each_kind_is_refused_the_other_kinds_forms(city, company):
    city_client = signed_in(city.tenant, city.admin)
    response = city_client.post(
        BACKOFFICE + "abonnement/", {"city": city.tenant.pk, "radius_km": "5"}
    )
    assert response.status_code == 302
    assert _messages(response) == [
        said(city.tenant, "Only a company subscribes to the missions of a city.")
    ]
    company_client = signed_in(company.tenant, company.admin)
    response = company_client.post(BACKOFFICE + "reglages/", {"is_sharing": "on"})
    assert _messages(response) == [
        said(company.tenant, "Only a city shares its missions with companies.")
    ]
    with tenant_context(company.tenant):
        assert SharingSettings.objects.count() == 0
    with tenant_context(city.tenant):
        assert SharingSubscriber.objects.count() == 0


def test_an_employee_cannot_open_the_back_office_page(company):
    assert signed_in(company.tenant, company.employee).get(BACKOFFICE).status_code == 403


def test_a_stop_form_naming_another_tenants_row_changes_nothing(city, company):
    subscription = _subscribe(company, city)
    with tenant_context(city.tenant):
        subscriber = SharingSubscriber.objects.get()
    # Acme's subscription id sent to Paris, Paris's subscriber id sent to Acme: not found.
    client = signed_in(city.tenant, city.admin)
    client.post(BACKOFFICE + "arreter-entreprise/", {"agreement": subscription.pk + 1000})
    client = signed_in(company.tenant, company.admin)
    client.post(BACKOFFICE + "arreter-ville/", {"agreement": subscriber.pk + 1000})
    with tenant_context(city.tenant):
        assert SharingSubscriber.objects.get().is_active is True
    with tenant_context(company.tenant):
        assert CitySubscription.objects.get().is_active is True


def test_the_employee_joins_and_cancels_from_the_company_site(city, company):
    _subscribe(company, city)
    client = signed_in(company.tenant, company.employee)
    page = client.get(SHARED)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Distribution de repas" in body
    assert f"from {city.tenant.name}" in body
    assert "Jardin à Versailles" not in body
    assert "Non vérifiée" not in body
    assert "Brouillon" not in body
    with tenant_context(company.tenant):
        shared_mission = SharedMission.objects.get()
    response = client.post(
        SHARED + "participer/", {"shared_mission": shared_mission.pk, "slot": city.slot.pk}
    )
    assert response.status_code == 302
    assert _messages(response) == [f"You are registered with {city.tenant.name}: Confirmed."]
    with tenant_context(company.tenant):
        shared = SharedParticipation.objects.get()
    with tenant_context(city.tenant):
        assert Participation.objects.get(pk=shared.source_participation_id).status == "confirmed"
    response = client.post(SHARED + "annuler/", {"participation": shared.pk})
    assert response.status_code == 302
    with tenant_context(city.tenant):
        assert Participation.objects.get(pk=shared.source_participation_id).status == "cancelled"


def test_a_colleague_cannot_cancel_someone_elses_participation(city, company):
    _subscribe(company, city)
    client = signed_in(company.tenant, company.employee)
    with tenant_context(company.tenant):
        shared_mission = SharedMission.objects.get()
    client.post(SHARED + "participer/", {"shared_mission": shared_mission.pk, "slot": city.slot.pk})
    with tenant_context(company.tenant):
        shared = SharedParticipation.objects.get()
    response = signed_in(company.tenant, company.colleague).post(
        SHARED + "annuler/", {"participation": shared.pk}
    )
    assert response.status_code == 404
    with tenant_context(company.tenant):
        assert SharedParticipation.objects.get().status == "confirmed"


def test_bad_join_input_writes_nothing(city, company):
    _subscribe(company, city)
    client = signed_in(company.tenant, company.employee)
    assert client.post(SHARED + "participer/", {"shared_mission": "x"}).status_code == 302
    assert (
        client.post(SHARED + "participer/", {"shared_mission": 999999, "slot": 1}).status_code
        == 404
    )
    with tenant_context(company.tenant):
        assert SharedParticipation.objects.count() == 0


def test_the_shared_pages_are_a_companys_only(city, company):
    client = signed_in(city.tenant, city.admin)
    assert client.get(SHARED).status_code == 404
    assert client.post(SHARED + "participer/", {"shared_mission": 1, "slot": 1}).status_code == 404


def test_a_city_session_is_nobody_on_the_company_site(city, company):
    _subscribe(company, city)
    client = signed_in(city.tenant, city.admin)
    client.defaults["HTTP_HOST"] = company.tenant.primary_host
    response = client.get(SHARED)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "connexion" in response["Location"]
    assert client.get(BACKOFFICE).status_code == 302


def test_the_search_page_shows_the_section_to_a_signed_in_employee(city, company):
    _subscribe(company, city)
    body = signed_in(company.tenant, company.employee).get("/").content.decode()
    assert said(company.tenant, "Near our offices, from the cities") in body
    # A city's search page has no such section.
    body = signed_in(city.tenant, city.admin).get("/").content.decode()
    assert said(city.tenant, "Near our offices, from the cities") not in body


def _more_mirror_rows(company, count):
    with tenant_context(company.tenant):
        subscription = CitySubscription.objects.get()
        template = SharedMission.objects.get()
        for number in range(count):
            SharedMission.objects.create(
                subscription=subscription,
                source_mission_id=100_000 + number,
                title=f"Copie {number}",
                organization_name="Restos",
                causes=[{"slug": "solidarite", "fr": "Solidarité", "en": "Solidarity"}],
                point=template.point,
                slots=template.slots,
                next_starts_at=timezone.now(),
                url=template.url,
                refreshed_at=timezone.now(),
            )


def test_the_list_page_costs_the_same_queries_for_1_and_10_missions(city, company):
    _subscribe(company, city)
    client = signed_in(company.tenant, company.employee)
    client.get(SHARED)  # warm the caches (tenant routing, session)
    with CaptureQueriesContext(connection) as one:
        assert client.get(SHARED).status_code == 200
    _more_mirror_rows(company, 9)
    with CaptureQueriesContext(connection) as ten:
        body = client.get(SHARED).content.decode()
    assert "Copie 8" in body
    assert len(ten.captured_queries) == len(one.captured_queries)


def test_the_api_lists_the_shared_missions(city, company, api_for):
    _subscribe(company, city)
    _more_mirror_rows(company, 2)
    api = api_for(company.tenant, company.employee)
    response = api.get("shared-missions/", {"cause": "solidarite"})
    assert response.status_code == 200
    assert [row["title"] for row in response.json()["results"]] == ["Copie 0", "Copie 1"]
    response = api.get("shared-missions/")
    body = response.json()
    assert body["count"] == 3
    first = next(row for row in body["results"] if row["title"] == "Distribution de repas")
    assert first["city"] == city.tenant.name
    assert [slot["id"] for slot in first["slots"]] == [city.slot.pk, city.other_slot.pk]


def test_the_api_costs_the_same_queries_for_1_and_10_missions(city, company, api_for):
    _subscribe(company, city)
    api = api_for(company.tenant, company.employee)
    api.get("shared-missions/")
    with CaptureQueriesContext(connection) as one:
        api.get("shared-missions/")
    _more_mirror_rows(company, 9)
    with CaptureQueriesContext(connection) as ten:
        assert api.get("shared-missions/").json()["count"] == 10
    assert len(ten.captured_queries) == len(one.captured_queries)


def test_the_api_refuses_anonymous_and_shows_a_city_nothing(city, company, api_for):
    _subscribe(company, city)
    assert api_for(company.tenant).get("shared-missions/").status_code in (401, 403)
    response = api_for(city.tenant, city.admin).get("shared-missions/")
    assert response.json()["count"] == 0


def test_the_section_follows_the_search_of_the_page(city, company):
    _subscribe(company, city)
    client = signed_in(company.tenant, company.employee)
    section = said(company.tenant, "Near our offices, from the cities")

    found = client.get("/", {"q": "repas"}).content.decode()
    assert section in found and "Distribution de repas" in found

    # Words no shared mission has: no section; a search by htmx renders it with the results.
    assert section not in client.get("/", {"q": "astronomie"}).content.decode()
    partial = client.get("/", {"q": "repas"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Distribution de repas" in partial

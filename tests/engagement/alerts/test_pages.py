"""Saved-search pages: saving the search of "Autour de moi" without JavaScript (anonymous
visitors sign in and come back), my saved searches, their results now, and the one-click
unsubscribe link (POST without cookies or CSRF token; GET only asks)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from engagement.alerts.models import SavedSearch
from engagement.alerts.services import saved_search_create
from engagement.missions.search import MissionSearchFilters
from tenants.audit.models import AuditEvent
from tests.engagement.factories import CauseFactory, MissionFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db

SEARCH = "where=75011&radius_km=5&cause=solidarite&day=5&period=0&q=repas"


class TenantClient(Client):
    """A client of the tenant's host that leaves the connection in that tenant after each
    request (the middleware goes back to the public schema), so tests read the rows after."""

    def __init__(self, tenant, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(HTTP_HOST=tenant.primary_host, **kwargs)
        self.tenant = tenant

    def request(self, **request):  # type: ignore[no-untyped-def]
        try:
            return super().request(**request)
        finally:
            connection.set_tenant(self.tenant)


def signed_in(tenant, user) -> Client:  # type: ignore[no-untyped-def]
    client = TenantClient(tenant)
    with tenant_context(tenant):
        client.force_login(user)
    connection.set_tenant(tenant)
    return client


def _saved(user, **kwargs):  # type: ignore[no-untyped-def]
    return saved_search_create(
        user=user,
        name=kwargs.pop("name", "Repas"),
        frequency="weekly",
        filters=MissionSearchFilters(**kwargs),
    )


def test_the_results_offer_to_save_the_search(in_paris):
    CauseFactory(slug="solidarite")
    client = TenantClient(in_paris)

    page = client.get(f"/?{SEARCH}").content.decode()

    assert f'href="/alertes/nouvelle/?{SEARCH.replace("&", "&amp;")}"' in page


def test_anonymous_visitors_sign_in_and_come_back(in_paris):
    response = TenantClient(in_paris).get(f"/alertes/nouvelle/?{SEARCH}")

    assert response.status_code == 302
    assert response["Location"].endswith(quote(f"/alertes/nouvelle/?{SEARCH}", safe="/"))


def test_saving_the_search_of_the_page(in_paris):
    CauseFactory(slug="solidarite", name_fr="Solidarité")
    user = UserFactory()
    client = signed_in(in_paris, user)

    confirm = client.get(f"/alertes/nouvelle/?{SEARCH}&page=3")
    page = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Solidarité" in page and "repas" in page
    search = confirm.context["form"].initial["search"]
    assert "page" not in search

    response = client.post(
        "/alertes/nouvelle/", {"name": "Repas du samedi", "frequency": "daily", "search": search}
    )

    assert response.status_code == 302 and response["Location"] == "/alertes/"
    saved = SavedSearch.objects.get(user=user)
    assert (saved.name, saved.frequency, saved.causes, saved.query) == (
        "Repas du samedi",
        "daily",
        ["solidarite"],
        "repas",
    )
    assert saved.radius_km == 5 and saved.location is not None and saved.place_label
    assert saved.availability_mask == 1 << (5 * 3 + 0)  # Saturday morning


def test_saving_with_an_unknown_cause_shows_the_form_again(in_paris):
    user = UserFactory()

    response = signed_in(in_paris, user).post(
        "/alertes/nouvelle/", {"name": "x", "frequency": "daily", "search": "cause=nope"}
    )

    # The page's form drops an unknown choice (as the search page does): nothing unknown is kept.
    assert response.status_code in (302, 400)
    assert all(saved.causes == [] for saved in SavedSearch.objects.filter(user=user))


def test_a_missing_name_is_a_readable_error(in_paris):
    user = UserFactory()

    response = signed_in(in_paris, user).post(
        "/alertes/nouvelle/", {"name": "", "frequency": "daily", "search": "q=repas"}
    )

    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_my_saved_searches_pause_change_and_delete(in_paris, django_assert_max_num_queries):
    user = UserFactory()
    saved = _saved(user)
    _saved(user, name="Jardins", q="jardin")
    client = signed_in(in_paris, user)
    client.get("/alertes/")

    with django_assert_max_num_queries(12):
        listing = client.get("/alertes/")
    assert listing.status_code == 200
    assert "Repas" in listing.content.decode() and "Jardins" in listing.content.decode()

    client.post(f"/alertes/{saved.pk}/reglages/", {"frequency": "daily"})
    saved.refresh_from_db()
    assert (saved.frequency, saved.is_active) == ("daily", False)
    client.post(f"/alertes/{saved.pk}/reglages/", {"frequency": "daily", "is_active": "on"})
    saved.refresh_from_db()
    assert saved.is_active is True

    client.post(f"/alertes/{saved.pk}/supprimer/")
    assert not SavedSearch.objects.filter(pk=saved.pk).exists()


def test_see_the_results_now(in_paris):
    user = UserFactory()
    saved = _saved(user, q="maraude")
    SlotFactory(mission=MissionFactory(title="Maraude du soir"))
    SlotFactory(mission=MissionFactory(title="Jardin partagé"))

    page = signed_in(in_paris, user).get(f"/alertes/{saved.pk}/").content.decode()

    assert "Maraude du soir" in page and "Jardin partagé" not in page


def test_another_persons_saved_search_pages_are_404(in_paris):
    saved = _saved(UserFactory())
    client = signed_in(in_paris, UserFactory())

    assert client.get(f"/alertes/{saved.pk}/").status_code == 404
    assert client.post(f"/alertes/{saved.pk}/reglages/", {"frequency": "daily"}).status_code == 404
    assert client.post(f"/alertes/{saved.pk}/supprimer/").status_code == 404
    assert SavedSearch.objects.filter(pk=saved.pk, frequency="weekly").exists()


def test_the_unsubscribe_get_only_asks(in_paris):
    saved = _saved(UserFactory())

    response = TenantClient(in_paris).get(f"/alertes/desabonnement/{saved.unsubscribe_token}/")

    assert response.status_code == 200
    assert '<form method="post"' in response.content.decode()
    saved.refresh_from_db()
    assert saved.is_active is True


def test_one_click_unsubscribe_needs_no_session_nor_csrf(in_paris):
    saved = _saved(UserFactory())
    client = TenantClient(in_paris, enforce_csrf_checks=True)

    response = client.post(
        f"/alertes/desabonnement/{saved.unsubscribe_token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    saved.refresh_from_db()
    assert saved.is_active is False
    assert AuditEvent.objects.filter(action="saved_search.unsubscribed").count() == 1
    # Twice: the same answer, nothing more written.
    assert client.post(f"/alertes/desabonnement/{saved.unsubscribe_token}/").status_code == 200
    assert AuditEvent.objects.filter(action="saved_search.unsubscribed").count() == 1


def test_an_unknown_unsubscribe_token_is_a_404(in_paris):
    client = TenantClient(in_paris, enforce_csrf_checks=True)

    assert client.post("/alertes/desabonnement/not-a-token/").status_code == 404


def test_an_unsubscribe_link_of_another_tenant_is_nothing_here(paris, montreal):
    connection.set_tenant(paris)
    saved = _saved(UserFactory())
    token = saved.unsubscribe_token

    response = TenantClient(montreal).post(f"/alertes/desabonnement/{token}/")

    assert response.status_code == 404
    connection.set_tenant(paris)
    saved.refresh_from_db()
    assert saved.is_active is True
    connection.set_schema_to_public()


def test_a_resumed_alert_starts_from_now(in_paris):
    user = UserFactory()
    saved = _saved(user)
    SavedSearch.objects.filter(pk=saved.pk).update(
        is_active=False, last_checked_at=timezone.now() - timedelta(days=30)
    )

    signed_in(in_paris, user).post(
        f"/alertes/{saved.pk}/reglages/", {"frequency": "weekly", "is_active": "on"}
    )

    saved.refresh_from_db()
    assert saved.last_checked_at > timezone.now() - timedelta(minutes=1)

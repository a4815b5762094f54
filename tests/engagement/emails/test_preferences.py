"""A person chooses which e-mails they get: the page, the API, the unsubscribe page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from engagement.emails.delivery import EmailCategory, unsubscribe_token
from engagement.emails.models import EmailDigestItem, EmailPreferences
from tenants.audit.models import AuditEvent
from tests.engagement.conftest import error_body
from tests.engagement.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/profil/notifications/"


def _preferences(tenant, user):
    with tenant_context(tenant):
        return EmailPreferences.objects.filter(user=user).first()


def test_the_page_shows_the_defaults_and_saves_the_choice(client_for, paris, in_paris):
    person = UserFactory()
    client = client_for(paris)
    client.force_login(person)
    page = client.get(PAGE)
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="reminders" checked' in content.replace('id="id_reminders" ', "")
    assert 'value="immediately"' in content

    response = client.post(PAGE, {"alerts": "on", "friends": "weekly"})
    assert response.status_code == 302
    saved = _preferences(paris, person)
    assert (saved.reminders, saved.alerts, saved.friends, saved.organization_messages) == (
        False,
        True,
        "weekly",
        False,
    )
    with tenant_context(paris):
        [event] = AuditEvent.objects.filter(action="email_preferences.updated")
        assert event.data["friends"] == "weekly"


def test_a_bad_frequency_is_shown_on_the_page_and_changes_nothing(client_for, paris, in_paris):
    person = UserFactory()
    client = client_for(paris)
    client.force_login(person)
    response = client.post(PAGE, {"friends": "hourly"})
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    assert _preferences(paris, person) is None


def test_the_page_needs_a_session(client_for, paris):
    response = client_for(paris).get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_api_reads_and_changes_preferences(api_for, paris, in_paris):
    person = UserFactory()
    api = api_for(paris, person)
    assert api.get("me/email-preferences/").json() == {
        "reminders": True,
        "alerts": True,
        "friends": "immediately",
        "organization_messages": True,
        "campaigns": True,
        "updated_at": None,
    }
    response = api.patch("me/email-preferences/", {"friends": "daily", "alerts": False})
    assert response.status_code == 200
    body = response.json()
    assert (body["friends"], body["alerts"], body["reminders"]) == ("daily", False, True)

    for bad in ({"friends": "hourly"}, {}, {"alerts": "maybe"}):
        refused = api.patch("me/email-preferences/", bad)
        assert refused.status_code == 400
        assert error_body(refused)["code"]
    assert _preferences(paris, person).friends == "daily"
    assert api_for(paris).get("me/email-preferences/").status_code == 401


def test_choosing_never_for_friends_drops_the_waiting_news(api_for, paris, in_paris):
    person = UserFactory()
    EmailPreferences.objects.create(user=person, friends=EmailPreferences.Frequency.DAILY)
    EmailDigestItem.objects.create(
        recipient=person, category=EmailCategory.FRIENDS, subject="s", text="t"
    )
    api_for(paris, person).patch("me/email-preferences/", {"friends": "never"})
    connection.set_tenant(paris)
    assert not EmailDigestItem.objects.filter(recipient=person).exists()


def test_the_unsubscribe_page_asks_before_it_acts_and_refuses_bad_tokens(paris, in_paris):
    person = UserFactory()
    token = unsubscribe_token(tenant=paris, user=person, category=EmailCategory.FRIENDS)
    client = Client(HTTP_HOST=paris.primary_host)
    page = client.get(f"/e-mails/desabonnement/{token}/")
    assert page.status_code == 200
    assert f'action="/e-mails/desabonnement/{token}/"' in page.content.decode()
    assert _preferences(paris, person) is None

    assert client.post(f"/e-mails/desabonnement/{token}/").status_code == 200
    assert _preferences(paris, person).friends == EmailPreferences.Frequency.NEVER
    # Twice: the same answer, nothing more changes.
    assert client.post(f"/e-mails/desabonnement/{token}/").status_code == 200

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(f"/e-mails/desabonnement/{tampered}/").status_code == 404
    assert client.get("/e-mails/desabonnement/not-a-token/").status_code == 404

"""How organizations see a person: one display-name rule, a phone only where they joined, and
the profile fields that feed them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import translation

from engagement.participations.models import Participation
from engagement.participations.selectors import participant_phone
from engagement.volunteers.models import VolunteerProfile
from engagement.volunteers.privacy import user_export_data
from engagement.volunteers.selectors import volunteer_display_name
from tests.engagement.conftest import error_body
from tests.engagement.factories import ParticipationFactory, UserFactory, VolunteerProfileFactory

pytestmark = pytest.mark.django_db


def test_the_display_name_rule(in_paris):
    named = VolunteerProfileFactory(
        display_name="  Lili  ", user=UserFactory(first_name="Léa", last_name="Martin")
    ).user
    assert volunteer_display_name(named) == "Lili"
    full = UserFactory(first_name="Léa", last_name="Martin", email="lea.m@example.org")
    assert volunteer_display_name(full) == "Léa Martin"
    anonymous = UserFactory(first_name="", last_name="", email="x@example.org")
    with translation.override("en"):
        assert volunteer_display_name(anonymous) == f"Volunteer #{anonymous.pk}"
        assert volunteer_display_name(None) == "Deleted account"
    assert "@" not in volunteer_display_name(anonymous)


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (Participation.Status.REQUESTED, True),
        (Participation.Status.CONFIRMED, True),
        (Participation.Status.WAITLISTED, True),
        (Participation.Status.ATTENDED, True),
        (Participation.Status.CANCELLED, False),
        (Participation.Status.DECLINED, False),
        (Participation.Status.NO_SHOW, False),
    ],
)
def test_the_phone_shows_only_for_a_joined_mission(in_paris, status, shown):
    participation = ParticipationFactory(status=status)
    VolunteerProfileFactory(user=participation.volunteer, phone="+33612345678")
    participation = Participation.objects.select_related("volunteer__volunteer_profile").get(
        pk=participation.pk
    )
    assert participant_phone(participation) == ("+33 6 12 34 56 78" if shown else "")


def test_the_profile_page_saves_the_name_and_a_national_phone(client_for, paris, in_paris):
    person = UserFactory()
    client = client_for(paris)
    client.force_login(person)
    response = client.post(
        "/profil/",
        {"radius_km": "5", "display_name": "Lili <b>B</b>", "phone": "06 12 34 56 78"},
    )
    assert response.status_code == 302
    connection.set_tenant(paris)
    profile = VolunteerProfile.objects.get(user=person)
    assert profile.display_name == "Lili B"
    assert profile.phone.as_e164 == "+33612345678"
    page = client.get("/profil/").content.decode()
    assert 'value="Lili B"' in page and "+33 6 12 34 56 78" in page


def test_a_bad_phone_is_refused_and_changes_nothing(client_for, api_for, paris, in_paris):
    person = UserFactory()
    client = client_for(paris)
    client.force_login(person)
    response = client.post("/profil/", {"radius_km": "5", "phone": "12"})
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    connection.set_tenant(paris)
    assert not VolunteerProfile.objects.filter(user=person).exists()

    api = api_for(paris, person)
    refused = api.patch("me/profile/", {"phone": "not a phone", "display_name": "Lili"})
    assert refused.status_code == 400
    assert "phone" in error_body(refused)["fields"]
    assert not VolunteerProfile.objects.filter(user=person).exists()


def test_the_phone_region_is_the_tenants_country(api_for, montreal, in_montreal):
    person = UserFactory()
    response = api_for(montreal, person).patch(
        "me/profile/", {"phone": "514 555 0123", "display_name": "Sam"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["phone"], body["display_name"]) == ("+15145550123", "Sam")
    assert api_for(montreal, person).patch("me/profile/", {"phone": ""}).json()["phone"] == ""


def test_the_organizer_api_shows_names_and_phones_never_addresses(api_for, paris, world):
    VolunteerProfileFactory(user=world.volunteer, display_name="Cam", phone="+33612345678")
    response = api_for(paris, world.editor).get(f"missions/{world.published.pk}/participations/")
    assert response.status_code == 200
    content = response.content.decode()
    assert world.volunteer.email not in content
    [own] = [
        item for item in response.json()["results"] if item["id"] == world.own_participation.pk
    ]
    assert own["volunteer"] == {
        "id": world.volunteer.pk,
        "name": "Cam",
        "phone": "+33 6 12 34 56 78",
    }
    # The public API never shows a phone.
    public = api_for(paris).get(f"missions/{world.published.pk}/")
    assert "+33" not in public.content.decode()


def test_the_gdpr_export_has_the_new_fields(in_paris):
    person = UserFactory()
    VolunteerProfileFactory(user=person, display_name="Lili", phone="+33612345678")
    data = user_export_data(user=person)
    profile = data["volunteer_profile"]
    assert (profile["display_name"], profile["phone"]) == ("Lili", "+33612345678")
    assert data["email_preferences"]["friends"] == "immediately"

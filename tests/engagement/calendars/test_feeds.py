"""Calendar feeds: secret, revocable addresses of a person's participations and of an
organization's dates; what they serve, their caching, their cost, their pages and API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from engagement.calendars.models import CalendarFeed
from engagement.calendars.selectors import calendar_feed_for_token
from engagement.calendars.services import calendar_feed_create, calendar_feed_revoke
from engagement.errors import EngagementError
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import OrganizationMembership
from engagement.participations.models import Participation
from tenants.audit.models import AuditEvent
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = Participation.Status
STARTS = datetime(2031, 6, 14, 8, 0, tzinfo=UTC)


def _client(tenant) -> Client:
    return Client(HTTP_HOST=tenant.primary_host)


def _get(tenant, path: str, **extra):
    response = _client(tenant).get(path, **extra)
    connection.set_tenant(tenant)
    return response


def _feed_path(token: str) -> str:
    return f"/agenda/{token}.ics"


def _events(response) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def volunteer(in_paris):
    return UserFactory(email="lea@example.org", first_name="Léa")


def _participation(volunteer, *, status=Status.CONFIRMED, days=7, **slot):
    return ParticipationFactory(
        volunteer=volunteer,
        status=status,
        slot=SlotFactory(
            starts_at=timezone.now() + timedelta(days=days),
            ends_at=timezone.now() + timedelta(days=days, hours=2),
            **slot,
        ),
    )


# --- services ---------------------------------------------------------------------------------


def test_a_new_address_replaces_the_previous_and_only_its_hash_is_kept(volunteer):
    first = calendar_feed_create(owner=volunteer)
    second = calendar_feed_create(owner=volunteer)

    assert len(second.token) == 43
    assert first.token != second.token
    rows = list(CalendarFeed.objects.filter(owner=volunteer).order_by("pk"))
    assert [row.is_active for row in rows] == [False, True]
    assert rows[1].token_hash == CalendarFeed.hash_token(second.token)
    assert rows[1].hint == second.token[-4:]
    assert not CalendarFeed.objects.filter(token_hash=second.token).exists()
    assert calendar_feed_for_token(token=first.token) is None
    assert calendar_feed_for_token(token=second.token) == rows[1]
    assert list(
        AuditEvent.objects.filter(action__startswith="calendar_feed").values_list(
            "action", flat=True
        )
    ) == ["calendar_feed.created", "calendar_feed.created"]


def test_revoking_stops_the_address_and_twice_changes_nothing(volunteer):
    created = calendar_feed_create(owner=volunteer)

    assert calendar_feed_revoke(owner=volunteer) == 1
    assert calendar_feed_revoke(owner=volunteer) == 0

    assert calendar_feed_for_token(token=created.token) is None
    assert AuditEvent.objects.filter(action="calendar_feed.revoked").count() == 1


def test_only_the_organizers_make_an_organization_feed_and_it_ends_with_their_role(in_paris):
    organization = OrganizationFactory()
    admin = MembershipFactory(organization=organization).user
    stranger = UserFactory()

    with pytest.raises(EngagementError) as refused:
        calendar_feed_create(owner=stranger, organization=organization)
    assert refused.value.code == "not_organization_member"
    assert not CalendarFeed.objects.exists()

    created = calendar_feed_create(owner=admin, organization=organization)
    assert calendar_feed_for_token(token=created.token) is not None
    OrganizationMembership.objects.filter(user=admin).delete()
    assert calendar_feed_for_token(token=created.token) is None


def test_garbage_tokens_name_nothing(volunteer):
    calendar_feed_create(owner=volunteer)
    for token in ("", "x", "a" * 43, "a" * 5000):
        assert calendar_feed_for_token(token=token) is None


# --- the personal feed -----------------------------------------------------------------------


def test_the_feed_shows_each_participation_with_its_status_and_sequence(in_paris, volunteer):
    confirmed = _participation(volunteer)
    waiting = _participation(volunteer, status=Status.WAITLISTED, days=8)
    requested = _participation(volunteer, status=Status.REQUESTED, days=9)
    cancelled = _participation(volunteer, status=Status.CANCELLED, days=10)
    Slot.objects.filter(pk=confirmed.slot_id).update(sequence=2)
    recent = _participation(volunteer, status=Status.ATTENDED, days=-30)
    too_old = _participation(volunteer, status=Status.ATTENDED, days=-400)
    ongoing = ParticipationFactory(volunteer=volunteer, slot=SlotFactory(ongoing=True))
    someone_else = _participation(UserFactory())
    token = calendar_feed_create(owner=volunteer).token

    response = _get(in_paris, _feed_path(token))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-cache"
    assert response["ETag"].startswith('"')
    calendar = icalendar.Calendar.from_ical(response.content)
    assert "METHOD" not in calendar
    assert str(calendar["X-WR-CALNAME"]) == "Paris — mes engagements"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Paris"
    events = _events(response)

    def uid(participation):
        return f"participation-{participation.pk}@paris.entraide.test"

    assert set(events) == {uid(p) for p in (confirmed, waiting, requested, cancelled, recent)}
    assert str(events[uid(confirmed)]["STATUS"]) == "CONFIRMED"
    assert events[uid(confirmed)]["SEQUENCE"] == 2
    assert str(events[uid(waiting)]["STATUS"]) == "TENTATIVE"
    assert str(events[uid(requested)]["STATUS"]) == "TENTATIVE"
    assert str(events[uid(cancelled)]["STATUS"]) == "CANCELLED"
    assert str(events[uid(recent)]["STATUS"]) == "CONFIRMED"
    assert uid(too_old) not in events and uid(ongoing) not in events
    assert uid(someone_else) not in events
    assert b"lea@example.org" not in response.content


def test_an_unchanged_feed_answers_304_and_a_change_gives_a_new_etag(in_paris, volunteer):
    participation = _participation(volunteer)
    token = calendar_feed_create(owner=volunteer).token
    first = _get(in_paris, _feed_path(token))

    again = _get(in_paris, _feed_path(token), HTTP_IF_NONE_MATCH=first["ETag"])
    Slot.objects.filter(pk=participation.slot_id).update(
        sequence=1, changed_at=timezone.now() + timedelta(minutes=1)
    )
    changed = _get(in_paris, _feed_path(token), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_a_revoked_or_regenerated_address_is_a_404(in_paris, volunteer):
    _participation(volunteer)
    old = calendar_feed_create(owner=volunteer).token
    new = calendar_feed_create(owner=volunteer).token

    assert _get(in_paris, _feed_path(old)).status_code == 404
    assert _get(in_paris, _feed_path(new)).status_code == 200
    calendar_feed_revoke(owner=volunteer)
    assert _get(in_paris, _feed_path(new)).status_code == 404


def test_a_closed_account_serves_nothing(in_paris, volunteer):
    token = calendar_feed_create(owner=volunteer).token
    volunteer.is_active = False
    volunteer.save(update_fields=["is_active"])

    assert _get(in_paris, _feed_path(token)).status_code == 404


def test_a_paris_address_is_a_404_on_other_tenants_and_the_public_host(paris, montreal, client_for):
    connection.set_tenant(paris)
    volunteer = UserFactory()
    _participation(volunteer)
    token = calendar_feed_create(owner=volunteer).token
    connection.set_tenant(montreal)
    # The same person (same id) exists in Montréal with a feed of their own.
    UserFactory()

    assert client_for(montreal).get(_feed_path(token)).status_code == 404
    assert client_for(None).get(_feed_path(token)).status_code == 404
    assert client_for(paris).get(_feed_path(token)).status_code == 200
    connection.set_schema_to_public()


def test_the_feed_costs_the_same_queries_for_1_and_40_participations(
    in_paris, volunteer, django_assert_max_num_queries
):
    _participation(volunteer)
    token = calendar_feed_create(owner=volunteer).token
    _get(in_paris, _feed_path(token))  # the host's tenant is cached from now on
    # search_path, the feed, its events, the tenant's address.
    with django_assert_max_num_queries(4):
        assert _get(in_paris, _feed_path(token)).status_code == 200

    for day in range(40):
        _participation(volunteer, days=10 + day)
    with django_assert_max_num_queries(4):
        response = _get(in_paris, _feed_path(token))
    assert len(_events(response)) == 41


# --- the organization's feed -----------------------------------------------------------------


def test_an_organization_feed_shows_its_dates_with_counts_and_no_names(in_paris):
    organization = OrganizationFactory(name="Les Restos")
    admin = MembershipFactory(organization=organization).user
    mission = MissionFactory(organization=organization, title="Distribution")
    slot = SlotFactory(mission=mission, starts_at=STARTS, ends_at=STARTS + timedelta(hours=2))
    ParticipationFactory(slot=slot, volunteer=UserFactory(email="a.person@example.org"))
    ParticipationFactory(slot=slot, volunteer=UserFactory(first_name="Zoé", last_name="Secret"))
    ParticipationFactory(slot=slot, status=Status.WAITLISTED)
    ParticipationFactory(slot=slot, status=Status.REQUESTED)
    cancelled = SlotFactory(mission=mission, status=Slot.Status.CANCELLED)
    draft = SlotFactory(mission=MissionFactory(organization=organization, status="draft"))
    other = SlotFactory()
    token = calendar_feed_create(owner=admin, organization=organization).token

    response = _get(in_paris, _feed_path(token))

    assert response.status_code == 200
    events = _events(response)
    host = "paris.entraide.test"
    assert set(events) == {f"slot-{slot.pk}@{host}", f"slot-{cancelled.pk}@{host}"}
    event = events[f"slot-{slot.pk}@{host}"]
    assert str(event["SUMMARY"]) == "Distribution (2/10)"
    description = str(event["DESCRIPTION"])
    assert "Confirmés : 2 sur 10 places" in description
    assert "Liste d'attente : 1" in description
    assert "En attente de validation : 1" in description
    assert f"/organisation/missions/{mission.pk}/" in description
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(events[f"slot-{cancelled.pk}@{host}"]["STATUS"]) == "CANCELLED"
    body = response.content.decode()
    assert "a.person@example.org" not in body and "Secret" not in body
    assert f"slot-{draft.pk}@" not in body and f"slot-{other.pk}@" not in body
    Mission.objects.filter(pk=mission.pk).update(status=Mission.Status.IN_REVIEW)
    again = _events(_get(in_paris, _feed_path(token)))
    assert str(again[f"slot-{slot.pk}@{host}"]["STATUS"]) == "TENTATIVE"


def test_the_organization_feed_costs_fixed_queries(in_paris, django_assert_max_num_queries):
    organization = OrganizationFactory()
    admin = MembershipFactory(organization=organization).user
    SlotFactory(mission=MissionFactory(organization=organization))
    token = calendar_feed_create(owner=admin, organization=organization).token
    _get(in_paris, _feed_path(token))
    with django_assert_max_num_queries(4):
        assert _get(in_paris, _feed_path(token)).status_code == 200
    for _ in range(15):
        ParticipationFactory(slot=SlotFactory(mission=MissionFactory(organization=organization)))
    with django_assert_max_num_queries(4):
        assert len(_events(_get(in_paris, _feed_path(token)))) == 16


# --- pages -------------------------------------------------------------------------------------


def _signed_in(tenant, user) -> Client:
    client = _client(tenant)
    client.force_login(user)
    return client


def test_the_page_shows_a_new_address_once_then_only_that_it_works(in_paris, volunteer):
    client = _signed_in(in_paris, volunteer)

    empty = client.get("/mes-engagements/agenda/")
    created = client.post("/mes-engagements/agenda/nouvelle-adresse/")
    connection.set_tenant(in_paris)
    later = client.get("/mes-engagements/agenda/")
    connection.set_tenant(in_paris)

    assert empty.status_code == 200
    assert "Aucune adresse pour l'instant." in empty.content.decode()
    assert created.status_code == 200
    assert "no-cache" in created["Cache-Control"]
    page = created.content.decode()
    [https] = re.findall(r'value="(http://paris\.entraide\.test:8000/agenda/[^"]+\.ics)"', page)
    token = https.rsplit("/", 1)[1].removesuffix(".ics")
    assert f'href="webcal://paris.entraide.test:8000/agenda/{token}.ics"' in page
    assert calendar_feed_for_token(token=token).owner == volunteer
    assert token not in later.content.decode()
    assert f"…{token[-4:]}" in later.content.decode()


def test_the_page_stops_the_address(in_paris, volunteer):
    token = calendar_feed_create(owner=volunteer).token
    client = _signed_in(in_paris, volunteer)

    response = client.post("/mes-engagements/agenda/arreter/")
    connection.set_tenant(in_paris)

    assert response.status_code == 302
    assert response["Location"] == "/mes-engagements/agenda/"
    assert calendar_feed_for_token(token=token) is None


def test_the_pages_need_a_sign_in_and_the_organization_pages_a_role(in_paris, volunteer):
    organization = OrganizationFactory()
    admin = MembershipFactory(organization=organization).user
    anonymous = _client(in_paris)
    stranger = _signed_in(in_paris, volunteer)
    organizer = _signed_in(in_paris, admin)
    path = f"/organisation/{organization.pk}/agenda/"

    assert anonymous.get("/mes-engagements/agenda/").status_code == 302
    assert anonymous.post("/mes-engagements/agenda/nouvelle-adresse/").status_code == 302
    assert stranger.get(path).status_code == 404
    assert stranger.post(f"{path}new/").status_code == 404
    assert organizer.get(path).status_code == 200
    created = organizer.post(f"{path}new/")
    connection.set_tenant(in_paris)
    assert created.status_code == 200
    assert CalendarFeed.objects.filter(organization=organization, owner=admin).count() == 1
    assert not CalendarFeed.objects.filter(owner=volunteer).exists()
    assert organizer.post(f"{path}revoke/").status_code == 302
    connection.set_tenant(in_paris)
    assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()


# --- API ---------------------------------------------------------------------------------------


def test_the_api_makes_shows_and_stops_my_address(in_paris, volunteer, api_for):
    client = api_for(in_paris, volunteer)

    assert client.get("me/calendar-feed/").json() == {
        "active": False,
        "created_at": None,
        "hint": "",
    }
    created = client.post("me/calendar-feed/")
    assert created.status_code == 201
    body = created.json()
    assert body["url"].startswith("http://paris.entraide.test:8000/agenda/")
    assert body["webcal_url"] == "webcal://" + body["url"].split("://", 1)[1]
    token = body["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert body["hint"] == token[-4:]
    shown = client.get("me/calendar-feed/").json()
    assert shown["active"] is True and "url" not in shown
    assert _get(in_paris, f"/agenda/{token}.ics").status_code == 200
    assert client.delete("me/calendar-feed/").status_code == 204
    assert _get(in_paris, f"/agenda/{token}.ics").status_code == 404

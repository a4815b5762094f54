"""Resident pages: "Autour de moi" (location, filters, htmx partial), the mission page, "Je
participe" (signed in, and through sign-up/login with the intent kept in the session), "Mes
engagements" (cancel, .ics), the profile — with permission matrices, cross-tenant 404s, language
and time zone, and SQL query counts that do not grow with the number of results."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from engagement.missions import search
from engagement.missions.models import Mission, Slot
from engagement.participations.models import Participation
from engagement.participations.views import INTENT_SESSION_KEY
from engagement.taxonomy.models import Cause
from engagement.volunteers.models import VolunteerProfile
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    ModeratorFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    TenantAdminFactory,
    UserFactory,
    VolunteerProfileFactory,
)

pytestmark = pytest.mark.django_db

# Around the 11th arrondissement (engagement/places/gazetteer.py: 75011 → 48.8590, 2.3800).
BASTILLE = Point(2.3695, 48.8532, srid=4326)  # ~1 km from the 11e centroid
REPUBLIQUE = Point(2.3631, 48.8674, srid=4326)  # ~1.6 km
TROCADERO = Point(2.2875, 48.8620, srid=4326)  # ~6.8 km


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def signed_in(tenant, user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST=tenant.primary_host)
    with tenant_context(tenant):
        client.force_login(user)
    return client


def warm_routing_cache(client: Client, tenant) -> None:  # type: ignore[no-untyped-def]
    """The first request of a test resolves the host with SQL; later ones hit the cache. The
    header's unread notifications count is cached after its first read too (engagement.inbox)."""
    client.get("/branding/logo")
    client.get("/notifications/")
    connection.set_tenant(tenant)


def titles_in_order(page: str, titles: list[str]) -> list[str]:
    found = [(page.find(f">{title}</a>"), title) for title in titles if f">{title}</a>" in page]
    return [title for _position, title in sorted(found)]


def local(day_offset: int, hour: int, zone: str = "Europe/Paris") -> datetime:
    base = timezone.now().astimezone(ZoneInfo(zone)) + timedelta(days=day_offset)
    return base.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def three_missions(in_paris):
    food = Cause.objects.get(slug="alimentation")
    nature = Cause.objects.get(slug="environnement")
    bastille = MissionFactory(title="Distribution Bastille", location=BASTILLE, causes=[food])
    republique = MissionFactory(
        title="Jardin République", location=REPUBLIQUE, causes=[nature], is_step_free=True
    )
    trocadero = MissionFactory(title="Maraude Trocadéro", location=TROCADERO, causes=[food])
    for mission in (bastille, republique, trocadero):
        SlotFactory(mission=mission, starts_at=local(7, 10), ends_at=local(7, 13), capacity=5)
    return bastille, republique, trocadero


# --- "Autour de moi" ----------------------------------------------------------------------------


def test_home_lists_nearest_missions_first_from_a_typed_postcode(client_for, paris, three_missions):
    response = client_for(paris).get("/", {"where": "75011"})

    page = html(response)
    assert response.status_code == 200
    assert titles_in_order(
        page, ["Maraude Trocadéro", "Jardin République", "Distribution Bastille"]
    ) == ["Distribution Bastille", "Jardin République", "Maraude Trocadéro"]
    assert "Autour de : Paris 11e (75011)" in page
    assert "3 missions" in page
    assert "à 1,0 km" in page  # French decimal comma


def test_home_accepts_an_arrondissement_name(client_for, paris, three_missions):
    page = html(client_for(paris).get("/", {"where": "16e arrondissement"}))

    assert (
        titles_in_order(page, ["Distribution Bastille", "Jardin République", "Maraude Trocadéro"])[
            0
        ]
        == "Maraude Trocadéro"
    )
    assert "Autour de : Paris 16e (75016)" in page


def test_home_geolocated_point_sorts_by_distance_and_filters_by_radius(
    client_for, paris, three_missions
):
    page = html(client_for(paris).get("/", {"lat": "48.8620", "lng": "2.2880", "radius_km": "2"}))

    assert titles_in_order(
        page, ["Distribution Bastille", "Jardin République", "Maraude Trocadéro"]
    ) == ["Maraude Trocadéro"]
    assert "1 mission<" in page
    assert "Autour de : votre position" in page


def test_home_without_location_lists_soonest_first_without_distances(
    client_for, paris, three_missions
):
    bastille, _republique, _trocadero = three_missions
    with tenant_context(paris):
        SlotFactory(mission=bastille, starts_at=local(2, 9), ends_at=local(2, 11))

    page = html(client_for(paris).get("/"))

    assert (
        titles_in_order(page, ["Maraude Trocadéro", "Jardin République", "Distribution Bastille"])[
            0
        ]
        == "Distribution Bastille"
    )
    assert 'class="distance"' not in page
    assert "Autour de :" not in page


def test_home_filters_by_cause_and_accessibility(client_for, paris, three_missions):
    by_cause = html(client_for(paris).get("/", {"where": "75011", "cause": "alimentation"}))
    step_free = html(client_for(paris).get("/", {"step_free": "on"}))

    assert titles_in_order(
        by_cause, ["Distribution Bastille", "Jardin République", "Maraude Trocadéro"]
    ) == ["Distribution Bastille", "Maraude Trocadéro"]
    assert titles_in_order(
        step_free, ["Distribution Bastille", "Jardin République", "Maraude Trocadéro"]
    ) == ["Jardin République"]
    assert 'value="alimentation" id="id_cause_9" checked' in by_cause


def test_home_filters_by_days_and_times(client_for, paris, three_missions):
    bastille, _republique, _trocadero = three_missions
    with tenant_context(paris):
        evening = local(3, 19)
        Slot.objects.filter(mission=bastille).delete()
        SlotFactory(mission=bastille, starts_at=evening, ends_at=evening + timedelta(hours=2))

    page = html(client_for(paris).get("/", {"day": str(evening.weekday()), "period": "2"}))

    assert titles_in_order(
        page, ["Distribution Bastille", "Jardin République", "Maraude Trocadéro"]
    ) == ["Distribution Bastille"]


def test_home_text_search(client_for, paris, three_missions):
    page = html(client_for(paris).get("/", {"q": "jardin"}))

    assert titles_in_order(
        page, ["Distribution Bastille", "Jardin République", "Maraude Trocadéro"]
    ) == ["Jardin République"]


def test_home_unknown_place_is_explained_and_lists_everything(client_for, paris, three_missions):
    page = html(client_for(paris).get("/", {"where": "Atlantide"}))

    # A form error: its apostrophe escaped as the form renderer does (config/form_renderer.py).
    assert "Nous n'avons pas trouvé ce lieu" in unescape(page)
    assert 'aria-invalid="true"' in page
    assert "3 missions" in page


def test_home_ignores_invalid_filter_values(client_for, paris, three_missions):
    response = client_for(paris).get(
        "/", {"radius_km": "lots", "date_from": "yesterday", "lat": "999", "lng": "2"}
    )

    assert response.status_code == 200
    assert "3 missions" in html(response)


@pytest.mark.parametrize(
    "query",
    [
        {"page": "99999999999999999999"},  # was an OFFSET beyond bigint: a 500
        {"page": "9" * 400},
        {"date_to": "9999-12-31"},  # was date + 1 day: OverflowError, a 500
        {"date_from": "0001-01-01", "date_to": "0001-01-01"},
        {"date_from": "2024-02-31"},
        {"date_from": "١٢٣"},
    ],
)
def test_home_refuses_extreme_pages_and_dates_without_failing(
    client_for, paris, three_missions, query
):
    response = client_for(paris).get("/", query)

    assert response.status_code == 200
    assert "3 missions" in html(response)


@pytest.mark.parametrize("media", ["local", "s3"])
def test_a_logo_file_gone_from_storage_is_a_404(request, media, client_for, paris, in_paris):
    if media == "s3":
        request.getfixturevalue("s3_media")  # a stale name in the bucket: no such object
    organization = OrganizationFactory()
    organization.logo.name = f"organizations/{organization.pk}/gone.png"
    organization.save(update_fields=["logo"])
    paris.logo.name = "branding/paris/gone.png"
    paris.save(update_fields=["logo"])

    client = client_for(paris)

    assert client.get(f"/organisations/{organization.pk}/logo.png").status_code == 404
    assert client.get("/branding/logo").status_code == 404


def test_home_hides_missions_one_cannot_join(client_for, paris, in_paris):
    for status in (Mission.Status.DRAFT, Mission.Status.IN_REVIEW, Mission.Status.CLOSED):
        SlotFactory(mission=MissionFactory(title=f"Hidden {status}", status=status))
    SlotFactory(mission=MissionFactory(title="Visible"))

    page = html(client_for(paris).get("/"))

    assert "1 mission<" in page
    assert "Visible" in page
    assert "Hidden" not in page


def test_home_htmx_request_returns_only_the_results(client_for, paris, three_missions):
    response = client_for(paris).get(
        "/", {"where": "75011", "cause": "environnement"}, HTTP_HX_REQUEST="true"
    )

    page = html(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert 'id="map-points"' in page
    assert "Jardin République" in page
    assert "Distribution Bastille" not in page
    assert "HX-Request" in response["Vary"]


def test_home_history_restore_gets_the_whole_page(client_for, paris, three_missions):
    response = client_for(paris).get(
        "/",
        {"cause": "environnement"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )

    assert "<html" in html(response)


def test_home_map_points_carry_the_listed_missions(client_for, paris, three_missions):
    page = html(client_for(paris).get("/", {"where": "75011", "radius_km": "2"}))

    points = page.split('id="map-points" type="application/json">')[1].split("</script>")[0]
    assert '"title": "Distribution Bastille"' in points
    assert '"title": "Jardin R\\u00e9publique"' in points
    assert "Trocad" not in points
    assert '"origin": {"lat": 48.859, "lng": 2.38' in points


def test_home_uses_tenant_tiles_and_centre(client_for, montreal, in_montreal):
    page = html(client_for(montreal).get("/"))

    assert 'data-tile-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in page
    assert 'data-lat="45.501900"' in page
    assert 'data-lng="-73.567400"' in page
    assert "OpenStreetMap" in page


def test_home_query_count_does_not_grow_with_results(client_for, paris, in_paris):
    def count_queries(client: Client) -> int:
        # The running campaigns' banners are read once a minute per tenant (engagement.campaigns).
        client.get("/")
        warm_routing_cache(client, paris)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/", {"where": "75004", "cause": "solidarite"})
        assert response.status_code == 200
        return len(queries)

    volunteer = VolunteerProfileFactory(causes=["culture"], skills=["cuisine"]).user
    solidarity = Cause.objects.get(slug="solidarite")
    for index in range(3):
        SlotFactory(mission=MissionFactory(title=f"Few {index}", causes=[solidarity]))
    connection.set_tenant(paris)
    anonymous_few, signed_in_few = (
        count_queries(client_for(paris)),
        count_queries(signed_in(paris, volunteer)),
    )
    with tenant_context(paris):
        for index in range(27):
            SlotFactory(mission=MissionFactory(title=f"Many {index}", causes=[solidarity]))
    anonymous_many, signed_in_many = (
        count_queries(client_for(paris)),
        count_queries(signed_in(paris, volunteer)),
    )

    # search_path, causes and skills (the filters), the chosen cause's id (written into the
    # search's statement: engagement.missions.search._has_any_cause), then the page with its
    # total, organizations and causes in one query; signed in: + session, user, profile and its
    # causes and skills, and the friends going to the missions of the page.
    assert anonymous_few == anonymous_many == 5
    assert signed_in_few == signed_in_many <= anonymous_few + 6


def test_home_shows_onboarding_until_the_profile_exists(paris, in_paris):
    newcomer = UserFactory()
    settled = VolunteerProfileFactory().user

    assert "Compléter mon profil" in html(signed_in(paris, newcomer).get("/"))
    assert "Compléter mon profil" not in html(signed_in(paris, settled).get("/"))


def test_missions_for_me_use_causes_availability_and_home(paris, in_paris):
    food = Cause.objects.get(slug="alimentation")
    saturday_morning = local(0, 10)
    saturday_morning += timedelta(days=(5 - saturday_morning.weekday()) % 7 or 7)
    sunday_evening = saturday_morning + timedelta(days=1, hours=9)
    near_fitting = MissionFactory(title="Fits", location=BASTILLE, causes=[food])
    SlotFactory(
        mission=near_fitting,
        starts_at=saturday_morning,
        ends_at=saturday_morning + timedelta(hours=2),
    )
    wrong_time = MissionFactory(title="Wrong time", location=BASTILLE, causes=[food])
    SlotFactory(
        mission=wrong_time, starts_at=sunday_evening, ends_at=sunday_evening + timedelta(hours=2)
    )
    wrong_cause = MissionFactory(title="Wrong cause", location=BASTILLE, causes=["culture"])
    SlotFactory(
        mission=wrong_cause,
        starts_at=saturday_morning,
        ends_at=saturday_morning + timedelta(hours=2),
    )
    too_far = MissionFactory(title="Too far", location=TROCADERO, causes=[food])
    SlotFactory(
        mission=too_far, starts_at=saturday_morning, ends_at=saturday_morning + timedelta(hours=2)
    )
    profile = VolunteerProfileFactory(
        causes=[food],
        availability_mask=1 << (5 * 3 + 0),
        home_point=Point(2.3800, 48.8590, srid=4326),
        home_label="Paris 11e",
        radius_km=2,
    )

    page = html(signed_in(paris, profile.user).get("/", {"for_me": "on"}))

    assert titles_in_order(page, ["Fits", "Wrong time", "Wrong cause", "Too far"]) == ["Fits"]
    assert "Autour de : Paris 11e" in page


# --- Mission page -------------------------------------------------------------------------------


@pytest.fixture
def mission_with_slots(in_paris):
    mission = MissionFactory(
        title="Collecte solidaire",
        summary="Trier les dons du week-end",
        description="<p>Accueil des <strong>donateurs</strong>.</p>",
        location=BASTILLE,
        address="12 rue de la Roquette",
        postcode="75011",
        city="Paris",
        causes=["alimentation"],
        organization__name="Banque alimentaire de Paris",
    )
    first = SlotFactory(mission=mission, starts_at=local(3, 10), ends_at=local(3, 12), capacity=4)
    second = SlotFactory(mission=mission, starts_at=local(5, 14), ends_at=local(5, 17), capacity=2)
    ParticipationFactory(slot=second)
    ParticipationFactory(slot=second)
    return mission, first, second


def test_mission_page_shows_everything_a_volunteer_needs(client_for, paris, mission_with_slots):
    mission, first, _second = mission_with_slots

    response = client_for(paris).get(f"/missions/{mission.pk}/")

    page = html(response)
    assert response.status_code == 200
    assert '<h1 id="mission-title">Collecte solidaire</h1>' in page
    assert re.search(
        r'Par <a href="/organisations/[a-z0-9-]+/">Banque alimentaire de Paris</a>', page
    )
    assert "<p>Accueil des <strong>donateurs</strong>.</p>" in page
    assert "12 rue de la Roquette, 75011 Paris" in page
    assert "4 places restantes" in page
    assert "Complet — liste d&#x27;attente" in page
    assert f'name="slot" value="{first.pk}"' in page
    assert ">Je participe</button>" in page
    assert "https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2Fparis.entraide.test" in page
    assert "Vos amis qui y vont" not in page
    assert "friends_going" not in page and "Who else" not in page
    assert 'id="mission-point"' in page


def test_mission_page_dates_are_in_the_tenant_time_zone_and_language(
    client_for, montreal, in_montreal
):
    starts = datetime(2031, 6, 14, 14, 0, tzinfo=ZoneInfo("UTC"))
    mission = MissionFactory(title="Corvée", location=Point(-73.58, 45.52, srid=4326))
    SlotFactory(mission=mission, starts_at=starts, ends_at=starts + timedelta(hours=2))
    english = Client(HTTP_HOST=montreal.primary_host)
    english.cookies["django_language"] = "en"

    french_page = html(client_for(montreal).get(f"/missions/{mission.pk}/"))
    english_page = html(english.get(f"/missions/{mission.pk}/"))

    assert "samedi 14 juin 2031, 10\xa0h\xa000 – 12\xa0h\xa000" in french_page
    assert "Saturday 14 June 2031, 10 a.m. – noon" in english_page
    assert ">I'm in</button>" in english_page


def test_mission_page_access_matrix(client_for, paris, in_paris):
    draft = MissionFactory(title="Brouillon", status=Mission.Status.DRAFT)
    member = MembershipFactory(organization=draft.organization).user
    volunteer = UserFactory()

    assert client_for(paris).get(f"/missions/{draft.pk}/").status_code == 404
    assert signed_in(paris, volunteer).get(f"/missions/{draft.pk}/").status_code == 404
    assert signed_in(paris, member).get(f"/missions/{draft.pk}/").status_code == 200
    assert client_for(paris).get("/missions/999999/").status_code == 404


def test_another_tenants_mission_is_a_404(client_for, paris, montreal):
    with tenant_context(montreal):
        montreal_mission = MissionFactory(title="Montréal only")
        SlotFactory(mission=montreal_mission)
    with tenant_context(paris):
        # Make sure the id exists in no Paris row.
        Mission.objects.filter(pk=montreal_mission.pk).delete()

    assert client_for(paris).get(f"/missions/{montreal_mission.pk}/").status_code == 404
    assert client_for(montreal).get(f"/missions/{montreal_mission.pk}/").status_code == 200


def test_mission_page_query_count_does_not_grow_with_slots(paris, in_paris):
    volunteer = UserFactory()
    mission = MissionFactory(causes=["alimentation", "culture"], skills=["cuisine"])

    def count_queries() -> int:
        client = signed_in(paris, volunteer)
        warm_routing_cache(client, paris)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/missions/{mission.pk}/").status_code == 200
        connection.set_tenant(paris)
        return len(queries)

    for day in range(3):
        ParticipationFactory(
            slot=SlotFactory(mission=mission, starts_at=local(day + 1, 10)), volunteer=volunteer
        )
    few = count_queries()
    for day in range(27):
        ParticipationFactory(slot=SlotFactory(mission=mission, starts_at=local(day + 4, 10)))
    many = count_queries()

    # search_path, session, user, mission, causes and skills (one statement), slots, my
    # participations, friends going.
    assert few == many == 8


# --- "Je participe" -----------------------------------------------------------------------------


def test_signed_in_volunteer_participates_in_one_post(paris, mission_with_slots):
    mission, first, _second = mission_with_slots
    volunteer = UserFactory()

    response = signed_in(paris, volunteer).post(
        f"/missions/{mission.pk}/participer/", {"slot": first.pk}, follow=True
    )

    page = html(response)
    assert response.redirect_chain[0] == (f"/missions/{mission.pk}/#participer", 302)
    assert "C&#x27;est fait : votre participation est confirmée." in page
    assert "Vous êtes inscrit·e pour le" in page
    with tenant_context(paris):
        participation = Participation.objects.get(volunteer=volunteer)
        assert participation.slot_id == first.pk
        assert participation.status == Participation.Status.CONFIRMED
        assert Slot.objects.get(pk=first.pk).confirmed_count == 1


def test_a_booked_date_is_shown_but_no_longer_offered(paris, mission_with_slots):
    mission, first, second = mission_with_slots
    volunteer = UserFactory()
    client = signed_in(paris, volunteer)
    client.post(f"/missions/{mission.pk}/participer/", {"slot": first.pk})

    page = html(client.get(f"/missions/{mission.pk}/"))

    assert f'id="slot-{first.pk}"' not in page
    assert f'name="slot" value="{second.pk}" id="slot-{second.pk}" checked' in page
    assert ">Vous êtes inscrit·e</span>" in page


def test_full_slot_puts_the_volunteer_on_the_waiting_list(paris, mission_with_slots):
    mission, _first, second = mission_with_slots
    volunteer = UserFactory()

    page = html(
        signed_in(paris, volunteer).post(
            f"/missions/{mission.pk}/participer/", {"slot": second.pk}, follow=True
        )
    )

    assert "vous êtes sur la liste d&#x27;attente" in page
    with tenant_context(paris):
        assert Participation.objects.get(volunteer=volunteer).status == "waitlisted"


def test_participating_twice_is_refused_and_changes_nothing(paris, mission_with_slots):
    mission, first, _second = mission_with_slots
    volunteer = UserFactory()
    client = signed_in(paris, volunteer)
    client.post(f"/missions/{mission.pk}/participer/", {"slot": first.pk})

    page = html(client.post(f"/missions/{mission.pk}/participer/", {"slot": first.pk}, follow=True))

    assert "Vous êtes déjà inscrit" in page or "already registered" in page
    with tenant_context(paris):
        assert Participation.objects.filter(volunteer=volunteer).count() == 1
        assert Slot.objects.get(pk=first.pk).confirmed_count == 1


def test_a_slot_of_another_mission_is_refused(paris, mission_with_slots):
    mission, _first, _second = mission_with_slots
    with tenant_context(paris):
        elsewhere = SlotFactory()
    volunteer = UserFactory()

    page = html(
        signed_in(paris, volunteer).post(
            f"/missions/{mission.pk}/participer/", {"slot": elsewhere.pk}, follow=True
        )
    )

    assert "Choisissez l&#x27;une des dates ci-dessous." in page
    with tenant_context(paris):
        assert not Participation.objects.filter(volunteer=volunteer).exists()


def test_participate_post_requires_the_csrf_token(paris, mission_with_slots):
    mission, first, _second = mission_with_slots
    volunteer = UserFactory()
    client = Client(HTTP_HOST=paris.primary_host, enforce_csrf_checks=True)
    with tenant_context(paris):
        client.force_login(volunteer)

    response = client.post(f"/missions/{mission.pk}/participer/", {"slot": first.pk})

    assert response.status_code == 403
    with tenant_context(paris):
        assert not Participation.objects.filter(volunteer=volunteer).exists()


def test_anonymous_participate_goes_to_sign_up_and_keeps_the_intent(
    client_for, paris, mission_with_slots
):
    mission, first, _second = mission_with_slots
    client = client_for(paris)

    response = client.post(f"/missions/{mission.pk}/participer/", {"slot": first.pk})

    assert response.status_code == 302
    assert response["Location"] == (
        f"/accounts/signup/?next=%2Fmissions%2F{mission.pk}%2Fparticiper%2F"
    )
    with tenant_context(paris):
        assert client.session[INTENT_SESSION_KEY]["slot"] == first.pk
    with tenant_context(paris):
        assert Participation.objects.count() == 2  # the two of the fixture


def test_sign_up_then_lands_on_the_mission_with_the_participation_made(
    client_for, paris, mission_with_slots
):
    mission, first, _second = mission_with_slots
    client = client_for(paris)
    signup_url = client.post(f"/missions/{mission.pk}/participer/", {"slot": first.pk})["Location"]

    signed_up = client.post(
        signup_url,
        {
            "email": "nouvelle@example.org",
            "password1": "Un-mot-de-passe-2024",
            "password2": "Un-mot-de-passe-2024",
            "accept_terms": "on",
        },
    )
    assert signed_up["Location"] == "/accounts/confirm-email/"
    # The link of the confirmation e-mail, opened in the same browser, signs in and comes back.
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    assert link is not None
    response = client.post(link.group(1), follow=True)

    assert response.redirect_chain[-1] == (f"/missions/{mission.pk}/#participer", 302)
    assert "votre participation est confirmée" in html(response)
    with tenant_context(paris):
        participation = Participation.objects.get(volunteer__email="nouvelle@example.org")
        assert participation.slot_id == first.pk
        assert participation.status == Participation.Status.CONFIRMED
    with tenant_context(paris):
        assert INTENT_SESSION_KEY not in client.session


def test_log_in_then_lands_on_the_mission_with_the_participation_made(
    client_for, paris, mission_with_slots
):
    mission, first, _second = mission_with_slots
    with tenant_context(paris):
        UserFactory(email="deja@example.org", password="Un-mot-de-passe-2024")
    client = client_for(paris)
    client.post(f"/missions/{mission.pk}/participer/", {"slot": first.pk})

    response = client.post(
        f"/accounts/login/?next=/missions/{mission.pk}/participer/",
        {"login": "deja@example.org", "password": "Un-mot-de-passe-2024"},
        follow=True,
    )

    assert response.redirect_chain[-1] == (f"/missions/{mission.pk}/#participer", 302)
    with tenant_context(paris):
        assert Participation.objects.get(volunteer__email="deja@example.org").slot_id == first.pk


def test_get_without_intent_shows_a_confirmation_and_writes_nothing(paris, mission_with_slots):
    mission, first, _second = mission_with_slots
    volunteer = UserFactory()

    response = signed_in(paris, volunteer).get(
        f"/missions/{mission.pk}/participer/", {"slot": first.pk}
    )

    page = html(response)
    assert response.status_code == 200
    assert "Confirmer : je participe" in page
    assert f'value="{first.pk}" id="slot-{first.pk}" checked' in page
    with tenant_context(paris):
        assert not Participation.objects.filter(volunteer=volunteer).exists()


def test_anonymous_get_of_participate_asks_to_log_in(client_for, paris, mission_with_slots):
    mission, first, _second = mission_with_slots

    response = client_for(paris).get(f"/missions/{mission.pk}/participer/", {"slot": first.pk})

    assert response.status_code == 302
    assert response["Location"] == (
        f"/accounts/login/?next=/missions/{mission.pk}/participer/%3Fslot%3D{first.pk}"
    )


@pytest.mark.parametrize("intent_change", ["other_mission", "expired"])
def test_stale_or_foreign_intent_is_not_performed(paris, mission_with_slots, intent_change):
    mission, first, _second = mission_with_slots
    volunteer = UserFactory()
    client = signed_in(paris, volunteer)
    with tenant_context(paris):
        session = client.session
        session[INTENT_SESSION_KEY] = {
            "mission": mission.pk + 1000 if intent_change == "other_mission" else mission.pk,
            "slot": first.pk,
            "at": int(time.time()) - (7200 if intent_change == "expired" else 0),
        }
        session.save()

    response = client.get(f"/missions/{mission.pk}/participer/")

    assert response.status_code == 200
    with tenant_context(paris):
        assert not Participation.objects.filter(volunteer=volunteer).exists()


# --- "Mes engagements" --------------------------------------------------------------------------


@pytest.fixture
def volunteer_with_history(in_paris):
    volunteer = UserFactory()
    upcoming = ParticipationFactory(
        volunteer=volunteer,
        slot__mission__title="Atelier vélo",
        slot__starts_at=local(4, 10),
        slot__ends_at=local(4, 12),
    )
    waitlisted = ParticipationFactory(
        volunteer=volunteer,
        status=Participation.Status.WAITLISTED,
        slot__mission__title="Soupe populaire",
        slot__starts_at=local(6, 18),
        slot__ends_at=local(6, 20),
    )
    past = ParticipationFactory(
        volunteer=volunteer,
        status=Participation.Status.ATTENDED,
        hours="2.50",
        slot__mission__title="Nettoyage du canal",
        slot__starts_at=local(-10, 9),
        slot__ends_at=local(-10, 12),
    )
    return volunteer, upcoming, waitlisted, past


def test_my_engagements_lists_upcoming_and_past_with_status(paris, volunteer_with_history):
    volunteer, upcoming, waitlisted, past = volunteer_with_history

    page = html(signed_in(paris, volunteer).get("/mes-engagements/"))

    upcoming_part, past_part = page.split('id="past-title"')
    assert "Atelier vélo" in upcoming_part and "Soupe populaire" in upcoming_part
    assert "Nettoyage du canal" in past_part
    assert "Confirmée" in upcoming_part or "Confirmed" in upcoming_part
    assert "2,5 h de bénévolat" in past_part
    assert f"/mes-engagements/{upcoming.pk}/agenda.ics" in upcoming_part
    assert f"/mes-engagements/{past.pk}/annuler/" not in page


def test_my_engagements_requires_sign_in(client_for, paris):
    response = client_for(paris).get("/mes-engagements/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/mes-engagements/"


def test_my_engagements_query_count_does_not_grow(paris, in_paris):
    volunteer = UserFactory()

    def count_queries() -> int:
        client = signed_in(paris, volunteer)
        warm_routing_cache(client, paris)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/mes-engagements/").status_code == 200
        connection.set_tenant(paris)
        return len(queries)

    for day in range(3):
        ParticipationFactory(volunteer=volunteer, slot__starts_at=local(day + 1, 10))
        ParticipationFactory(
            volunteer=volunteer, status="attended", hours=1, slot__starts_at=local(-day - 2, 10)
        )
    few = count_queries()
    for day in range(27):
        ParticipationFactory(volunteer=volunteer, slot__starts_at=local(day + 5, 10))
        ParticipationFactory(
            volunteer=volunteer, status="cancelled", slot__starts_at=local(-day - 8, 10)
        )
    many = count_queries()

    # search_path, session, user, upcoming, past, the answers to reminders, seats held for or
    # by the volunteer.
    assert few == many == 7


def test_volunteer_cancels_and_the_seat_is_freed(paris, volunteer_with_history):
    volunteer, upcoming, _waitlisted, _past = volunteer_with_history

    page = html(
        signed_in(paris, volunteer).post(f"/mes-engagements/{upcoming.pk}/annuler/", follow=True)
    )

    assert "Votre participation est annulée." in page
    with tenant_context(paris):
        assert Participation.objects.get(pk=upcoming.pk).status == "cancelled"
        assert Slot.objects.get(pk=upcoming.slot_id).confirmed_count == 0


@pytest.mark.parametrize(
    "who", ["anonymous", "other_volunteer", "organization_admin", "tenant_admin", "moderator"]
)
def test_nobody_else_can_cancel_a_participation(client_for, paris, volunteer_with_history, who):
    _volunteer, upcoming, _waitlisted, _past = volunteer_with_history
    with tenant_context(paris):
        other = {
            "anonymous": None,
            "other_volunteer": lambda: UserFactory(),
            "organization_admin": lambda: MembershipFactory(
                organization=upcoming.slot.mission.organization
            ).user,
            "tenant_admin": lambda: TenantAdminFactory(),
            "moderator": lambda: ModeratorFactory(),
        }[who]
        user = other() if other else None
    client = client_for(paris) if user is None else signed_in(paris, user)

    cancel = client.post(f"/mes-engagements/{upcoming.pk}/annuler/")
    calendar = client.get(f"/mes-engagements/{upcoming.pk}/agenda.ics")

    assert cancel.status_code == (302 if who == "anonymous" else 404)
    assert calendar.status_code == (302 if who == "anonymous" else 404)
    with tenant_context(paris):
        assert Participation.objects.get(pk=upcoming.pk).status == "confirmed"
        assert Slot.objects.get(pk=upcoming.slot_id).confirmed_count == 1


def test_cancel_is_post_only(paris, volunteer_with_history):
    volunteer, upcoming, _waitlisted, _past = volunteer_with_history

    response = signed_in(paris, volunteer).get(f"/mes-engagements/{upcoming.pk}/annuler/")

    assert response.status_code == 405


def test_calendar_file_of_a_participation(paris, volunteer_with_history):
    volunteer, upcoming, _waitlisted, _past = volunteer_with_history

    response = signed_in(paris, volunteer).get(f"/mes-engagements/{upcoming.pk}/agenda.ics")

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="mission-{upcoming.pk}.ics"'
    assert "BEGIN:VEVENT" in body
    assert "SUMMARY:Atelier vélo" in body
    start = upcoming.slot.starts_at.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in body


def test_calendar_file_is_private_and_only_for_active_dated_participations(
    paris, volunteer_with_history
):
    volunteer, upcoming, _waitlisted, past = volunteer_with_history
    with tenant_context(paris):
        ongoing = ParticipationFactory(
            volunteer=volunteer, slot__starts_at=None, slot__ends_at=None
        )

    assert (
        signed_in(paris, UserFactory())
        .get(f"/mes-engagements/{upcoming.pk}/agenda.ics")
        .status_code
        == 404
    )
    assert (
        signed_in(paris, volunteer).get(f"/mes-engagements/{past.pk}/agenda.ics").status_code == 404
    )
    assert (
        signed_in(paris, volunteer).get(f"/mes-engagements/{ongoing.pk}/agenda.ics").status_code
        == 404
    )


def test_another_tenants_participation_is_a_404(paris, montreal):
    with tenant_context(montreal):
        montreal_participation = ParticipationFactory()
    with tenant_context(paris):
        paris_volunteer = UserFactory()
        Participation.objects.filter(pk=montreal_participation.pk).delete()

    client = signed_in(paris, paris_volunteer)

    assert client.get(f"/mes-engagements/{montreal_participation.pk}/agenda.ics").status_code == 404
    assert client.post(f"/mes-engagements/{montreal_participation.pk}/annuler/").status_code == 404
    with tenant_context(montreal):
        assert Participation.objects.get(pk=montreal_participation.pk).status == "confirmed"


def test_a_paris_session_is_anonymous_on_montreal(paris, montreal):
    with tenant_context(paris):
        volunteer = UserFactory()
    paris_client = signed_in(paris, volunteer)
    session_cookie = paris_client.cookies["sessionid"].value
    montreal_client = Client(HTTP_HOST=montreal.primary_host)
    montreal_client.cookies["sessionid"] = session_cookie

    assert paris_client.get("/mes-engagements/").status_code == 200
    response = montreal_client.get("/mes-engagements/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Profile ------------------------------------------------------------------------------------


def test_profile_page_shows_the_grid_and_creates_nothing(paris, in_paris):
    volunteer = UserFactory()

    page = html(signed_in(paris, volunteer).get("/profil/"))

    assert page.count('type="checkbox" name="availability"') == 21
    assert '<th scope="row">Samedi</th>' in page
    assert '<span class="sr-only">Samedi — Matin</span>' in page
    with tenant_context(paris):
        assert not VolunteerProfile.objects.filter(user=volunteer).exists()


def test_profile_saves_interests_availability_and_area(paris, in_paris):
    volunteer = UserFactory()
    food = Cause.objects.get(slug="alimentation")

    response = signed_in(paris, volunteer).post(
        "/profil/",
        {
            "causes": [food.pk],
            "availability": ["15", "17"],
            "home_label": "75011",
            "radius_km": "10",
        },
        follow=True,
    )

    assert "Votre profil est enregistré." in html(response)
    with tenant_context(paris):
        profile = VolunteerProfile.objects.get(user=volunteer)
        assert list(profile.causes.values_list("slug", flat=True)) == ["alimentation"]
        assert profile.availability_mask == (1 << 15) | (1 << 17)
        assert (round(profile.home_point.y, 4), round(profile.home_point.x, 4)) == (48.859, 2.38)
        assert profile.home_label == "75011"
        assert profile.radius_km == 10


def test_profile_keeps_a_geolocated_point(paris, in_paris):
    volunteer = UserFactory()

    signed_in(paris, volunteer).post(
        "/profil/", {"lat": "48.85", "lng": "2.35", "home_label": "", "radius_km": "5"}
    )

    with tenant_context(paris):
        profile = VolunteerProfile.objects.get(user=volunteer)
        assert (profile.home_point.y, profile.home_point.x) == (48.85, 2.35)
        assert profile.home_label == "Ma position"


def test_profile_with_an_unknown_place_saves_nothing(paris, in_paris):
    volunteer = UserFactory()

    response = signed_in(paris, volunteer).post(
        "/profil/", {"home_label": "Atlantide", "radius_km": "5", "availability": ["1"]}
    )

    assert response.status_code == 200
    assert "Nous n&#x27;avons pas trouvé ce lieu" in html(response)
    with tenant_context(paris):
        assert not VolunteerProfile.objects.filter(user=volunteer).exists()


def test_profile_requires_sign_in(client_for, paris):
    response = client_for(paris).get("/profil/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/profil/"


def test_profile_query_count(paris, in_paris):
    profile = VolunteerProfileFactory(causes=["alimentation", "culture"], skills=["cuisine"])

    client = signed_in(paris, profile.user)
    warm_routing_cache(client, paris)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/profil/").status_code == 200

    # search_path, session, user, causes, skills, profile and its causes and skills, and
    # whether the person is in a company programme (the teams' switch, engagement.programmes).
    assert len(queries) == 9


# --- Language -----------------------------------------------------------------------------------


def test_language_switcher_sets_the_cookie_the_middleware_reads(client_for, montreal, in_montreal):
    client = client_for(montreal)
    french = html(client.get("/"))

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = html(client.get("/"))

    assert 'lang="fr-ca"' in french and "Autour de moi" in french
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in french
    assert response.status_code == 302
    assert client.cookies["django_language"].value == "en"
    assert 'lang="en"' in english and ">Near me<" in english
    assert 'value="fr-ca" lang="fr-ca">Français</button>' in english


def test_a_language_the_tenant_does_not_offer_is_ignored(client_for, paris, in_paris):
    client = client_for(paris)
    client.cookies["django_language"] = "en"

    page = html(client.get("/"))

    assert 'lang="fr"' in page
    assert "Autour de moi" in page
    assert 'name="language"' not in page  # one language: no switcher


def test_canadian_french_wording(client_for, montreal, in_montreal):
    mission = MissionFactory(title="Corvée")
    SlotFactory(mission=mission)

    page = html(client_for(montreal).get(f"/missions/{mission.pk}/"))

    assert ">Courriel</a>" in page
    assert ">Je participe</button>" in page


def test_home_says_more_than_the_exact_limit_when_the_total_is_not_counted(
    client_for, paris, in_paris, monkeypatch
):
    monkeypatch.setattr(search, "SEARCH_EXACT_TOTAL_LIMIT", 2)
    for index in range(3):
        SlotFactory(mission=MissionFactory(title=f"Broad {index}"))
    connection.set_tenant(paris)

    beyond = html(client_for(paris).get("/"))
    monkeypatch.setattr(search, "SEARCH_EXACT_TOTAL_LIMIT", 3)
    # Another address: "/" is now in the anonymous page cache, rendered under the old limit.
    exact = html(client_for(paris).get("/?page=1"))

    assert re.search(r"data-results-count>\s*Plus de 2 missions\s*<", beyond)
    assert re.search(r"data-results-count>\s*3 missions\s*<", exact)

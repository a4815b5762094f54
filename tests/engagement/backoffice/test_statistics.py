"""/gestion/statistiques/: tenant admins only; the period from the query string (bad dates: 400
with the errors next to the fields); breakdowns only with the `advanced_reports` entitlement;
exact figures in French and English; a fixed number of queries; nobody on another tenant.

Session tenants' plans (tests/billing/conftest.py): paris and montreal are on city_essential and
acme on company_standard, none of which has advanced reports; tests that need them move the
tenant to a plan that has them with billing's own service (rolled back with the test).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format
from django_tenants.utils import tenant_context

from accounts.models import User
from billing.services import plan_assign
from engagement.participations.models import Participation
from engagement.taxonomy.models import Cause
from tests.engagement.factories import (
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PATH = "/gestion/statistiques/"
MARCH_2021 = {"period": "custom", "start": "2021-03-01", "end": "2021-03-31"}
Status = Participation.Status


def _at(day: date, zone: str, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(zone))


def seed_march_2021(tenant) -> None:  # type: ignore[no-untyped-def]
    """March 2021 against 29 January – 28 February: 2 sign-ups against 1, 3 participations
    against 1 (one attended for 2.5 hours in March), 1 mission published against 0."""
    zone = tenant.timezone
    with tenant_context(tenant):
        for day in (date(2021, 3, 3), date(2021, 3, 20), date(2021, 2, 10)):
            user = UserFactory()
            User.objects.filter(pk=user.pk).update(date_joined=_at(day, zone))
        cause = Cause.objects.get(slug="solidarite")
        mission = MissionFactory(
            published_at=_at(date(2021, 3, 2), zone),
            causes=[cause],
            postcode="75011" if tenant.country == "FR" else "H2X 1Y4",
            city="Paris" if tenant.country == "FR" else "Montréal",
        )
        start = _at(date(2021, 3, 10), zone, hour=9)
        slot = SlotFactory(mission=mission, starts_at=start, ends_at=start + timedelta(hours=3))
        made = [
            (date(2021, 3, 5), Status.ATTENDED, Decimal("2.5")),
            (date(2021, 3, 6), Status.CONFIRMED, None),
            (date(2021, 3, 7), Status.WAITLISTED, None),
            (date(2021, 2, 7), Status.CONFIRMED, None),
        ]
        for day, status, hours in made:
            participation = ParticipationFactory(
                slot=slot,
                status=status,
                hours=hours,
                decided_at=start if hours else None,
                waitlisted_at=timezone.now() if status == Status.WAITLISTED else None,
            )
            Participation.objects.filter(pk=participation.pk).update(created_at=_at(day, zone))
    connection.set_schema_to_public()


def rows(response, attribute: str = "data-figure") -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Each table row marked with `attribute`: its cells' texts, spaces normalised."""
    tree = lxml.html.fromstring(response.content.decode())
    return {
        row.get(attribute): [" ".join(cell.text_content().split()) for cell in row.xpath("th|td")]
        for row in tree.xpath(f"//tr[@{attribute}]")
    }


def field_errors(response, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The error messages shown next to the field `name`."""
    tree = lxml.html.fromstring(response.content.decode())
    field = tree.xpath(f"//input[@name='{name}']/parent::*")[0]
    return [" ".join(item.text_content().split()) for item in field.xpath(".//ul/li")]


def with_advanced_reports(tenant) -> None:  # type: ignore[no-untyped-def]
    plan_assign(
        tenant=tenant, plan_code="city_premium" if tenant.kind == "city" else "company_enterprise"
    )


# --- Who may open it ----------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(paris, client_for):
    response = client_for(paris).get(PATH)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/gestion/statistiques/"


def test_a_volunteer_gets_a_403(paris, backoffice_volunteer):
    assert backoffice_volunteer(paris).get(PATH).status_code == 403


def test_a_moderator_gets_a_403_and_no_link(paris, backoffice_moderator):
    client = backoffice_moderator(paris)

    assert client.get(PATH).status_code == 403
    assert f'href="{PATH}"' not in client.get("/gestion/").content.decode()


def test_a_tenant_admin_opens_it_from_the_navigation(paris, backoffice_admin):
    client = backoffice_admin(paris)

    home = client.get("/gestion/").content.decode()
    response = client.get(PATH)

    assert f'<a href="{PATH}">Statistiques</a>' in home
    assert home.count(f'href="{PATH}"') == 2  # the navigation and the month's card
    assert response.status_code == 200
    assert f'<a href="{PATH}" aria-current="page">Statistiques</a>' in response.content.decode()


def test_an_admin_of_paris_is_nobody_on_montreal(paris, montreal, backoffice_admin, client_for):
    elsewhere = client_for(montreal)
    elsewhere.cookies = backoffice_admin(paris).cookies

    response = elsewhere.get(PATH)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/gestion/statistiques/"


def test_another_tenant_s_data_never_counts(paris, montreal, backoffice_admin):
    seed_march_2021(montreal)
    with_advanced_reports(paris)

    response = backoffice_admin(paris).get(PATH, MARCH_2021)
    figures = rows(response)

    assert response.status_code == 200
    assert {key: cells[1:3] for key, cells in figures.items()} == {
        key: ["0", "0"] for key in figures
    }
    assert all(cells[1] == "0" for cells in rows(response, "data-row").values())
    assert rows(response, "data-month") == {"2021-03": ["mars 2021", "0", "0", "0"]}


def test_only_get_is_answered(paris, backoffice_admin):
    assert backoffice_admin(paris).post(PATH, MARCH_2021).status_code == 405


# --- The figures --------------------------------------------------------------------------------


def test_paris_reads_exact_figures_in_french(paris, backoffice_admin):
    seed_march_2021(paris)
    client = backoffice_admin(paris)

    response = client.get(PATH, MARCH_2021)
    figures = rows(response)
    page = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert "Du 1 mars 2021 au 31 mars 2021" in page
    assert "Comparé à la période du 29 janvier 2021 au 28 février 2021." in page
    assert figures["new-sign-ups"] == ["Nouvelles inscriptions", "2", "1", "+1 (+100 %)"]
    assert figures["active-accounts"] == [
        "Comptes actifs en fin de période",
        "3",
        "1",
        "+2 (+200 %)",
    ]
    assert figures["volunteers"] == ["Bénévoles inscrits à une mission", "3", "1", "+2 (+200 %)"]
    assert figures["confirmed"] == ["Confirmée", "1", "1", "stable"]
    assert figures["attended"] == ["Présent·e", "1", "0", "nouveau"]
    assert figures["waitlisted"] == ["Sur liste d'attente", "1", "0", "nouveau"]
    assert figures["no_show"] == ["Absent·e", "0", "0", "stable"]
    assert figures["participations"] == ["Toutes les participations", "3", "1", "+2 (+200 %)"]
    assert figures["hours"][1:] == ["2,5", "0", "nouveau"]
    assert figures["missions-published"][1:] == ["1", "0", "nouveau"]
    assert figures["missions-expired"][1:] == ["1", "0", "nouveau"]
    assert figures["missions-full"][1:] == ["0", "0", "stable"]
    assert figures["organizations"][1:] == ["0", "0", "stable"]


def test_a_fall_shows_a_minus_sign_and_the_percentage(paris, backoffice_admin):
    seed_march_2021(paris)
    client = backoffice_admin(paris)

    # April 2021 against March: no sign-up against two.
    figures = rows(client.get(PATH, {"start": "2021-04-01", "end": "2021-04-30"}))

    assert figures["new-sign-ups"] == ["Nouvelles inscriptions", "0", "2", "\u22122 (\u2212100 %)"]


def test_acme_reads_them_in_english_with_sites(acme, backoffice_admin):
    with_advanced_reports(acme)
    seed_march_2021(acme)
    client = backoffice_admin(acme)

    response = client.get(PATH, MARCH_2021)
    figures = rows(response)
    page = response.content.decode()
    by_row = rows(response, "data-row")
    months = rows(response, "data-month")

    assert response.status_code == 200
    assert "From March 1, 2021 to March 31, 2021" in page
    assert figures["new-sign-ups"] == ["New sign-ups", "2", "1", "+1 (+100%)"]
    assert figures["no_show"] == ["Did not come", "0", "0", "no change"]
    assert figures["hours"] == ["Hours recorded for attended participations", "2.5", "0", "new"]
    assert "By site" in page and "By neighbourhood" not in page
    with tenant_context(acme):
        solidarity = str(Cause.objects.get(slug="solidarite").pk)
    connection.set_schema_to_public()
    assert by_row[solidarity] == ["Solidarity and inclusion", "3", "1", "+2 (+200%)", "2.5"]
    assert by_row["75011"] == ["75011 Paris", "3", "1", "+2 (+200%)", "2.5"]
    assert months == {"2021-03": ["March 2021", "2", "3", "2.5"]}


def test_breakdowns_need_advanced_reports(paris, backoffice_admin):
    seed_march_2021(paris)
    client = backoffice_admin(paris)

    response = client.get(PATH, MARCH_2021)
    page = response.content.decode()

    assert response.status_code == 200
    assert rows(response, "data-row") == {}
    assert rows(response, "data-month") == {}
    assert "Par cause</h2>" not in page
    assert "Votre formule ne comprend pas les répartitions par cause, par quartier" in page
    assert 'href="/billing/"' in page
    assert rows(response)["new-sign-ups"][1] == "2"  # the base figures are there


def test_montreal_with_advanced_reports_gets_the_breakdowns(montreal, backoffice_admin):
    with_advanced_reports(montreal)
    seed_march_2021(montreal)
    client = backoffice_admin(montreal)

    response = client.get(PATH, MARCH_2021)
    page = response.content.decode()
    by_row = rows(response, "data-row")

    assert response.status_code == 200
    assert response["Content-Language"] == "fr-ca"
    assert "Par quartier</h2>" in page
    # Canadian French reads the project's words, not a library's ("Modification", "État").
    assert 'class="num">Évolution</th>' in page and "Statut actuel</th>" in page
    assert "Votre formule ne comprend pas" not in page
    assert by_row["H2X"][:2] == ["H2X Montréal", "3"]
    # The bars are drawn in the tables and hidden from screen readers (the cells say it all).
    tree = lxml.html.fromstring(page)
    bars = tree.xpath("//table//svg[@class='stat-bar']")
    assert bars and all(bar.get("aria-hidden") == "true" for bar in bars)
    assert tree.xpath("//table[.//svg]/caption")


def test_this_month_is_the_default_and_twelve_months_a_link(paris, backoffice_admin):
    client = backoffice_admin(paris)
    today = timezone.localtime(timezone.now(), ZoneInfo("Europe/Paris")).date()

    default = client.get(PATH).content.decode()
    year = client.get(PATH, {"period": "12-months"}).content.decode()

    with translation.override("fr"):
        since = date_format(today.replace(day=1), "DATE_FORMAT")
        until = date_format(today, "DATE_FORMAT")
    assert f"Du {since} au {until}" in default
    assert 'aria-current="true">Ce mois-ci</a>' in default
    assert 'aria-current="true">12 derniers mois</a>' in year
    # A new admin signed up just now: this month's new sign-ups count them.
    assert rows(client.get(PATH))["new-sign-ups"][1] != "0"


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            {"period": "custom", "start": "2021-03-31", "end": "2021-03-01"},
            "end",
            "La date de fin doit être égale ou postérieure à la date de début.",
        ),
        (
            {"period": "custom", "start": "2015-01-01", "end": "2021-03-01"},
            "end",
            "Cinq ans au plus entre les deux dates.",
        ),
        (
            {"period": "custom", "start": "2021-13-45", "end": "2021-03-01"},
            "start",
            "Saisissez une date valide.",
        ),
        (
            {"period": "custom", "start": "1850-01-01", "end": "1851-01-01"},
            "start",
            "Une date entre 2000 et 2100.",
        ),
        (
            {"period": "custom", "start": "2021-03-01", "end": "9999-12-31"},
            "end",
            "Une date entre 2000 et 2100.",
        ),
        (
            {"period": "custom", "start": "2021-03-01"},
            "end",
            "Indiquez une date pour choisir vos dates.",
        ),
        ({"end": "2021-03-01"}, "start", "Indiquez une date pour choisir vos dates."),
    ],
)
def test_bad_dates_are_refused_next_to_their_field(paris, backoffice_admin, query, field, message):
    client = backoffice_admin(paris)

    response = client.get(PATH, query)

    assert response.status_code == 400
    assert message in field_errors(response, field)
    assert rows(response) == {}  # no figures for a period that was not understood
    assert 'class="error-summary"' in response.content.decode()


def test_an_unknown_period_is_refused(paris, backoffice_admin):
    response = backoffice_admin(paris).get(PATH, {"period": "decade"})

    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert rows(response) == {}


def test_five_years_exactly_is_accepted(paris, backoffice_admin):
    response = backoffice_admin(paris).get(
        PATH, {"period": "custom", "start": "2016-01-01", "end": "2020-12-31"}
    )

    assert response.status_code == 200
    assert "Du 1 janvier 2016 au 31 décembre 2020" in response.content.decode()


# --- Queries ------------------------------------------------------------------------------------


def _seed_more(tenant) -> None:  # type: ignore[no-untyped-def]
    """More of everything, spread over several causes, postcodes, months and statuses."""
    zone = tenant.timezone
    with tenant_context(tenant):
        causes = list(Cause.objects.all()[:4])
        for index in range(6):
            organization = OrganizationFactory()
            mission = MissionFactory(
                organization=organization,
                causes=causes[index % 4 : index % 4 + 2],
                postcode=f"7501{index}",
                published_at=_at(date(2021, 3, 1 + index), zone),
            )
            start = _at(date(2021, 3, 2 + index), zone, hour=9)
            slot = SlotFactory(
                mission=mission, starts_at=start, ends_at=start + timedelta(hours=2), capacity=3
            )
            for status in (Status.CONFIRMED, Status.ATTENDED, Status.CANCELLED, Status.NO_SHOW):
                participation = ParticipationFactory(
                    slot=slot,
                    status=status,
                    hours=Decimal("1.5") if status == Status.ATTENDED else None,
                    decided_at=start,
                )
                Participation.objects.filter(pk=participation.pk).update(
                    created_at=_at(date(2021, 1 + index % 3, 5), zone)
                )
    connection.set_schema_to_public()


def test_the_page_costs_the_same_queries_whatever_the_data(montreal, backoffice_admin):
    with_advanced_reports(montreal)
    client = backoffice_admin(montreal)
    query = {"period": "custom", "start": "2021-01-01", "end": "2021-03-31"}
    client.get(PATH, query)

    with CaptureQueriesContext(connection) as empty:
        assert client.get(PATH, query).status_code == 200
    seed_march_2021(montreal)
    _seed_more(montreal)
    with CaptureQueriesContext(connection) as seeded:
        response = client.get(PATH, query)

    assert response.status_code == 200
    assert len(rows(response, "data-row")) > 5  # the breakdowns have rows now
    assert len(seeded.captured_queries) == len(empty.captured_queries)
    # The schema, session, user and second-factor check, then 7 queries for the base figures,
    # causes and areas, the causes' names and 2 monthly series.
    assert len(seeded.captured_queries) <= 15


def test_breakdowns_cost_four_more_queries(paris, backoffice_admin):
    client = backoffice_admin(paris)
    client.get(PATH)
    with CaptureQueriesContext(connection) as base:
        client.get(PATH, MARCH_2021)
    with_advanced_reports(paris)
    client.get(PATH, MARCH_2021)
    with CaptureQueriesContext(connection) as advanced:
        client.get(PATH, MARCH_2021)

    # Causes and areas, the causes' names, two monthly series (hours come with their figure).
    assert len(advanced.captured_queries) - len(base.captured_queries) == 4

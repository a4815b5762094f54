"""The BAN and Nominatim clients against loopback servers answering their documented formats:
what they send, how answers are read and checked, caching per tenant, and every failure ending
as "not found" or "unavailable" (never an exception), with the circuit breaker."""

from __future__ import annotations

import logging
import time

import pytest
from django.db import connection

from engagement.places.backends import NominatimRateLimiter, shared_key, shared_redis_client
from engagement.places.geocoding import lookup, suggest
from engagement.places.types import Outcome, Place
from tenants.cache import redis_health

RIVOLI = "12 rue de Rivoli"


@pytest.fixture
def paris_ban(in_paris, with_geocoder, geocoders):
    return with_geocoder(in_paris, "ban")


@pytest.fixture
def montreal_nominatim(montreal, with_geocoder, geocoders):
    with_geocoder(montreal, "nominatim")
    connection.set_tenant(montreal)
    yield montreal
    connection.set_schema_to_public()


def _rivoli(geocoders, query=RIVOLI):
    geocoders.add_ban(
        query,
        label="12 Rue de Rivoli 75004 Paris",
        lat=48.855,
        lng=2.3601,
        postcode="75004",
        city="Paris",
    )


# --- Base Adresse Nationale ---------------------------------------------------------------------


def test_ban_locates_an_address(paris_ban, geocoders):
    _rivoli(geocoders)

    found = lookup(RIVOLI, tenant=paris_ban)

    assert found.outcome is Outcome.FOUND
    assert found.place == Place(
        lat=48.855,
        lng=2.3601,
        label="12 Rue de Rivoli 75004 Paris",
        precision="address",
        postcode="75004",
        city="Paris",
    )
    [call] = geocoders.calls("/search/")
    assert call.params == {"q": RIVOLI, "limit": "1", "autocomplete": "0"}
    assert call.headers["User-Agent"] == "Entraide/1.0 (+places@entraide.test)"


def test_a_second_lookup_comes_from_the_cache(paris_ban, geocoders):
    _rivoli(geocoders)

    first = lookup(RIVOLI, tenant=paris_ban)
    # Spelled differently, normalised the same.
    second = lookup("  12 Rue de RIVOLI ", tenant=paris_ban)

    assert first == second
    assert len(geocoders.calls()) == 1


def test_the_cache_is_per_tenant(paris_ban, montreal, with_geocoder, geocoders):
    _rivoli(geocoders)
    assert lookup(RIVOLI, tenant=paris_ban).place.label == "12 Rue de Rivoli 75004 Paris"

    with_geocoder(montreal, "ban")
    geocoders.reset()
    geocoders.add_ban(RIVOLI, label="12 Rue de Rivoli 59800 Lille", lat=50.63, lng=3.06)
    connection.set_tenant(montreal)
    try:
        in_montreal = lookup(RIVOLI, tenant=montreal)
    finally:
        connection.set_tenant(paris_ban)
    again_in_paris = lookup(RIVOLI, tenant=paris_ban)

    assert in_montreal.place.label == "12 Rue de Rivoli 59800 Lille"
    assert again_in_paris.place.label == "12 Rue de Rivoli 75004 Paris"
    assert len(geocoders.calls()) == 1  # Montréal's; Paris's second answer was its own cache


def test_a_known_postcode_or_district_never_leaves_the_machine(paris_ban, geocoders):
    assert lookup("75011", tenant=paris_ban).place.label == "Paris 11e (75011)"
    assert lookup("11e arrondissement", tenant=paris_ban).place.label == "Paris 11e (75011)"
    assert geocoders.calls() == []


def test_empty_results_are_not_found_and_cached_briefly(paris_ban, geocoders):
    assert lookup("rue qui n'existe pas", tenant=paris_ban).outcome is Outcome.NOT_FOUND
    assert lookup("rue qui n'existe pas", tenant=paris_ban).outcome is Outcome.NOT_FOUND
    assert len(geocoders.calls()) == 1


def test_not_found_by_the_service_but_a_city_of_the_gazetteer(paris_ban, geocoders):
    found = lookup("3 impasse Inconnue, Lyon", tenant=paris_ban)

    assert found.outcome is Outcome.FOUND and found.place.label == "Lyon"
    assert len(geocoders.calls()) == 1


@pytest.mark.parametrize(
    ("lat", "lng"),
    [(95.0, 2.35), (48.85, 181.0), (-90.5, 0.0), (float("nan"), 2.35), ("north", 2.35)],
)
def test_coordinates_out_of_range_are_refused_with_a_warning(
    paris_ban, geocoders, caplog, lat, lng
):
    geocoders.add_ban(RIVOLI, label="Somewhere odd", lat=lat, lng=lng)

    with caplog.at_level(logging.WARNING, logger="engagement.places"):
        found = lookup(RIVOLI, tenant=paris_ban)

    assert found.outcome is Outcome.NOT_FOUND
    assert "places.answer_rejected" in [record.getMessage() for record in caplog.records]


def test_a_result_without_a_label_is_refused(paris_ban, geocoders):
    geocoders.add_ban(RIVOLI, label="   ", lat=48.85, lng=2.35)

    assert lookup(RIVOLI, tenant=paris_ban).outcome is Outcome.NOT_FOUND


@pytest.mark.parametrize("how", ["timeout", "500", "malformed", "429"])
def test_a_failing_service_is_unavailable_and_left_alone_a_while(paris_ban, geocoders, caplog, how):
    geocoders.misbehave(RIVOLI, how)
    geocoders.misbehave("8 rue de la Paix", how)

    with caplog.at_level(logging.WARNING, logger="engagement.places"):
        first = lookup(RIVOLI, tenant=paris_ban)
        # Another query while the circuit is open: not sent at all.
        second = lookup("8 rue de la Paix", tenant=paris_ban)

    assert first.outcome is Outcome.UNAVAILABLE and first.place is None
    assert second.outcome is Outcome.UNAVAILABLE
    assert len(geocoders.calls()) == 1
    assert "places.service_unavailable" in [record.getMessage() for record in caplog.records]


def test_a_429_pauses_the_service_for_its_retry_after(paris_ban, geocoders):
    geocoders.misbehave(RIVOLI, "429")
    geocoders.retry_after = "42"

    assert lookup(RIVOLI, tenant=paris_ban).outcome is Outcome.UNAVAILABLE

    remaining = shared_redis_client().pttl(shared_key("circuit:ban"))
    assert 40_000 < remaining <= 42_000


def test_a_timeout_costs_one_client_timeout_at_most(paris_ban, geocoders):
    import time

    geocoders.misbehave(RIVOLI, "timeout")
    started = time.perf_counter()
    lookup(RIVOLI, tenant=paris_ban)

    assert time.perf_counter() - started < 1.2  # timeout 0.5 s (connect and read)


def test_while_unavailable_the_gazetteer_still_answers_cities(paris_ban, geocoders):
    geocoders.misbehave("8 place Bellecour, Lyon", "500")

    found = lookup("8 place Bellecour, Lyon", tenant=paris_ban)

    assert found.outcome is Outcome.FOUND and found.place.label == "Lyon"


def test_a_refused_connection_is_unavailable(paris_ban, geocoders, settings):
    settings.PLACES_BAN_URL = "http://127.0.0.1:9"

    assert lookup(RIVOLI, tenant=paris_ban).outcome is Outcome.UNAVAILABLE


def test_ban_completes_while_typing_and_the_picked_label_is_then_found_without_a_call(
    paris_ban, geocoders
):
    geocoders.add_ban(
        "rue de rivo",
        label="Rue de Rivoli 75001 Paris",
        lat=48.8606,
        lng=2.3376,
        kind="street",
        postcode="75001",
        city="Paris",
    )

    places, unavailable = suggest("rue de rivo", tenant=paris_ban)
    found = lookup("Rue de Rivoli 75001 Paris", tenant=paris_ban)

    assert not unavailable
    assert [(p.label, p.precision) for p in places] == [("Rue de Rivoli 75001 Paris", "street")]
    [call] = geocoders.calls()
    assert call.params == {"q": "rue de rivo", "limit": "8", "autocomplete": "1"}
    assert found.place == places[0]


def test_ban_suggestions_fall_back_to_the_gazetteer_when_unavailable(paris_ban, geocoders):
    geocoders.misbehave("Marsei", "500")

    places, unavailable = suggest("Marsei", tenant=paris_ban)

    assert unavailable
    assert places[0].label == "Marseille"


# --- Nominatim ------------------------------------------------------------------------------------


def test_nominatim_locates_with_its_usage_rules(montreal_nominatim, geocoders):
    geocoders.add_nominatim(
        "4300 rue Saint-Denis",
        display_name="Rue Saint-Denis, Le Plateau-Mont-Royal, Montréal, Québec, Canada",
        lat="45.5226",
        lon="-73.5820",
    )

    found = lookup("4300 rue Saint-Denis", tenant=montreal_nominatim)

    assert found.place is not None
    assert (found.place.lat, found.place.lng, found.place.precision) == (
        45.5226,
        -73.582,
        "street",
    )
    [call] = geocoders.calls("/search")
    assert call.params == {
        "q": "4300 rue Saint-Denis",
        "format": "jsonv2",
        "limit": "1",
        "addressdetails": "1",
        "email": "places@entraide.test",
        "countrycodes": "ca",
    }
    assert call.headers["User-Agent"] == "Entraide/1.0 (+places@entraide.test)"


def test_nominatim_gets_at_most_one_request_a_second(montreal_nominatim, geocoders):
    for query in ("1 rue A", "2 rue B", "3 rue C"):
        lookup(query, tenant=montreal_nominatim)

    times = [call.at for call in geocoders.calls("/search")]
    assert len(times) == 3
    assert min(later - earlier for earlier, later in zip(times, times[1:])) >= 1.0


def test_nominatim_waits_its_turn_only_so_long(montreal_nominatim, geocoders, settings):
    settings.PLACES_NOMINATIM_MAX_WAIT_SECONDS = 0.2
    shared_redis_client().set(shared_key("nominatim:turn"), "1", px=5000)

    assert lookup("1 rue A", tenant=montreal_nominatim).outcome is Outcome.UNAVAILABLE
    assert geocoders.calls() == []


def test_nominatim_malformed_answer_is_unavailable(montreal_nominatim, geocoders):
    geocoders.misbehave("1 rue A", "malformed")

    assert lookup("1 rue A", tenant=montreal_nominatim).outcome is Outcome.UNAVAILABLE


def test_nominatim_is_never_asked_while_typing(montreal_nominatim, geocoders):
    geocoders.add_nominatim(
        "4300 rue Saint-Denis",
        display_name="Rue Saint-Denis, Le Plateau-Mont-Royal, Montréal, Québec, Canada",
        lat="45.5226",
        lon="-73.5820",
    )
    lookup("4300 rue Saint-Denis", tenant=montreal_nominatim)

    from_recent, _ = suggest("saint-denis", tenant=montreal_nominatim)
    from_gazetteer, _ = suggest("plateau", tenant=montreal_nominatim)

    assert [p.label for p in from_recent][0].startswith("Rue Saint-Denis, Le Plateau")
    assert [p.label for p in from_gazetteer][:2] == [
        "Rue Saint-Denis, Le Plateau-Mont-Royal, Montréal, Québec, Canada",
        "Le Plateau-Mont-Royal",
    ]
    assert len(geocoders.calls()) == 1  # the lookup only


def test_nominatim_pacing_holds_when_redis_goes_down_between_two_requests(geocoders):
    limiter = NominatimRateLimiter(interval=0.3)
    started = time.monotonic()
    assert limiter.wait_turn(deadline=started + 2)  # the shared turn, through Redis
    redis_health.failed(ConnectionError("gone"))  # from now on: this process's own pacing
    try:
        assert limiter.wait_turn(deadline=started + 2)
        assert time.monotonic() - started >= 0.3
    finally:
        redis_health.reset()

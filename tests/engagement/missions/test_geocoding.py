"""The built-in area table answers postcodes and districts of the demo cities from memory; the
pluggable backend (null by default) is only asked about the rest, and its failures are contained."""

from __future__ import annotations

import pytest
from django.test import override_settings

from engagement.missions import geocoding
from engagement.missions.geocoding import (
    BuiltinAreaGeocoder,
    NullGeocoder,
    Place,
    geocode,
    normalize,
)


class Paris:
    country = "FR"


class Montreal:
    country = "CA"


class RecordingGeocoder:
    queries: list[str] = []

    def geocode(self, query: str, *, country: str) -> Place | None:
        RecordingGeocoder.queries.append(f"{country}:{query}")
        return Place(lat=1.0, lng=2.0, label="From the backend", precision="address")


class BrokenGeocoder:
    def geocode(self, query: str, *, country: str) -> Place | None:
        raise TimeoutError("geocoder down")


@pytest.fixture(autouse=True)
def _fresh_backend_cache():
    geocoding._backend.cache_clear()
    RecordingGeocoder.queries = []
    yield
    geocoding._backend.cache_clear()


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("75011", "Paris 11e (75011)"),
        ("11e", "Paris 11e (75011)"),
        ("11ème arrondissement", "Paris 11e (75011)"),
        ("Paris 1er", "Paris 1er (75001)"),
        ("paris 20", "Paris 20e (75020)"),
        ("75116", "Paris 16e (75016)"),
        ("12 rue de la Roquette, 75011 Paris", "Paris 11e (75011)"),
        ("92800", "Puteaux – La Défense (92800)"),
        ("Montreuil", "Montreuil (93100)"),
    ],
)
def test_french_postcodes_and_arrondissements(query, label):
    place = geocode(query, tenant=Paris())

    assert place is not None
    assert place.label == label


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("H2X 1Y4", "Le Plateau-Mont-Royal"),
        ("h2x1y4", "Le Plateau-Mont-Royal"),
        ("Côte-des-Neiges", "Côte-des-Neiges–Notre-Dame-de-Grâce"),
        ("4300 rue Saint-Denis, Verdun", "Verdun"),
        ("montreal", "Montréal"),
    ],
)
def test_montreal_postal_areas_and_boroughs(query, label):
    place = geocode(query, tenant=Montreal())

    assert place is not None
    assert place.label == label


def test_the_country_of_the_tenant_scopes_the_table():
    assert geocode("Verdun", tenant=Paris()) is None
    assert geocode("75011", tenant=Montreal()) is None


def test_arrondissement_numbers_out_of_range_are_unknown():
    assert BuiltinAreaGeocoder().geocode("21e", country="FR") is None


def test_unknown_places_go_to_the_null_backend_by_default():
    assert geocode("Atlantide", tenant=Paris()) is None
    assert isinstance(geocoding.configured_backend(), NullGeocoder)
    assert geocode("   ", tenant=Paris()) is None


@override_settings(ENTRAIDE_GEOCODER="tests.engagement.missions.test_geocoding.RecordingGeocoder")
def test_a_configured_backend_answers_what_the_table_does_not():
    known = geocode("75011", tenant=Paris())
    unknown = geocode("10 Downing Street", tenant=Paris())

    assert known is not None and known.precision == "postcode"
    assert unknown == Place(lat=1.0, lng=2.0, label="From the backend", precision="address")
    assert RecordingGeocoder.queries == ["FR:10 Downing Street"]


@override_settings(ENTRAIDE_GEOCODER="tests.engagement.missions.test_geocoding.BrokenGeocoder")
def test_a_failing_backend_means_not_found():
    assert geocode("10 Downing Street", tenant=Paris()) is None


def test_normalize_removes_accents_case_and_punctuation():
    assert normalize("  Côte-des-Neiges–NDG ") == "cote des neiges ndg"

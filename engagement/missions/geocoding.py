"""Turning what a person types ("75011", "11e", "Plateau-Mont-Royal", an address with a postcode)
into a point on the map.

Two layers:
- a small built-in table of postcodes and districts of the demo cities (Paris arrondissements and
  nearby towns, Montréal boroughs and postal areas), answered from memory with no network;
- a pluggable backend for everything else, chosen by the dotted path in
  `settings.ENTRAIDE_GEOCODER`; the default `NullGeocoder` finds nothing, so nothing ever leaves
  the machine unless an operator plugs a real geocoder in (and tests never do).

Pages and the organization space call `geocode(query, tenant=...)`; they never call a backend
directly.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "engagement.missions.geocoding.NullGeocoder"


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float
    label: str
    # "postcode", "district" or "address": how precise the point is.
    precision: str


class Geocoder(Protocol):
    """A geocoding backend. Must never raise for "not found": return None."""

    def geocode(self, query: str, *, country: str) -> Place | None: ...


class NullGeocoder:
    """Finds nothing: the default, so that no address leaves the machine unless configured."""

    def geocode(self, query: str, *, country: str) -> Place | None:
        return None


@dataclass(frozen=True)
class Area:
    country: str
    label: str
    lat: float
    lng: float
    postcodes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


def _paris_arrondissement(number: int, lat: float, lng: float) -> Area:
    ordinal = "1er" if number == 1 else f"{number}e"
    postcode = f"750{number:02d}"
    postcodes = (postcode, "75116") if number == 16 else (postcode,)
    return Area(
        country="FR",
        label=f"Paris {ordinal} ({postcode})",
        lat=lat,
        lng=lng,
        postcodes=postcodes,
        aliases=(f"paris {ordinal}", f"{ordinal} arrondissement"),
    )


# Centroids are approximate (a few hundred metres): enough to sort missions by distance.
BUILTIN_AREAS: tuple[Area, ...] = (
    _paris_arrondissement(1, 48.8625, 2.3364),
    _paris_arrondissement(2, 48.8683, 2.3428),
    _paris_arrondissement(3, 48.8630, 2.3600),
    _paris_arrondissement(4, 48.8543, 2.3576),
    _paris_arrondissement(5, 48.8445, 2.3497),
    _paris_arrondissement(6, 48.8491, 2.3328),
    _paris_arrondissement(7, 48.8562, 2.3122),
    _paris_arrondissement(8, 48.8727, 2.3125),
    _paris_arrondissement(9, 48.8770, 2.3375),
    _paris_arrondissement(10, 48.8762, 2.3608),
    _paris_arrondissement(11, 48.8590, 2.3800),
    _paris_arrondissement(12, 48.8396, 2.3876),
    _paris_arrondissement(13, 48.8283, 2.3623),
    _paris_arrondissement(14, 48.8292, 2.3265),
    _paris_arrondissement(15, 48.8401, 2.2931),
    _paris_arrondissement(16, 48.8637, 2.2769),
    _paris_arrondissement(17, 48.8873, 2.3067),
    _paris_arrondissement(18, 48.8925, 2.3481),
    _paris_arrondissement(19, 48.8871, 2.3848),
    _paris_arrondissement(20, 48.8634, 2.4011),
    Area("FR", "Paris", 48.8566, 2.3522, (), ("paris",)),
    Area("FR", "Puteaux – La Défense (92800)", 48.8846, 2.2389, ("92800",), ("puteaux",)),
    Area("FR", "La Défense", 48.8924, 2.2369, ("92060",), ("la defense", "defense")),
    Area("FR", "Courbevoie (92400)", 48.8973, 2.2531, ("92400",), ("courbevoie",)),
    Area("FR", "Nanterre (92000)", 48.8924, 2.2069, ("92000",), ("nanterre",)),
    Area("FR", "Boulogne-Billancourt (92100)", 48.8397, 2.2399, ("92100",), ("boulogne",)),
    Area("FR", "Neuilly-sur-Seine (92200)", 48.8846, 2.2697, ("92200",), ("neuilly",)),
    Area("FR", "Levallois-Perret (92300)", 48.8950, 2.2874, ("92300",), ("levallois",)),
    Area("FR", "Saint-Denis (93200)", 48.9362, 2.3574, ("93200",), ("saint denis",)),
    Area("FR", "Montreuil (93100)", 48.8638, 2.4485, ("93100",), ("montreuil",)),
    Area("FR", "Vincennes (94300)", 48.8474, 2.4390, ("94300",), ("vincennes",)),
    Area("CA", "Ville-Marie", 45.5088, -73.5617, ("H3B", "H2Y", "H3A", "H2Z"), ("centre ville",)),
    Area(
        "CA",
        "Le Plateau-Mont-Royal",
        45.5225,
        -73.5794,
        ("H2W", "H2J", "H2T", "H2X"),
        ("plateau", "plateau mont royal"),
    ),
    Area(
        "CA",
        "Rosemont–La Petite-Patrie",
        45.5495,
        -73.5800,
        ("H2G", "H1X", "H2S"),
        ("rosemont", "petite patrie"),
    ),
    Area(
        "CA",
        "Villeray–Saint-Michel–Parc-Extension",
        45.5560,
        -73.6200,
        ("H2R", "H2E", "H3N"),
        ("villeray", "parc extension", "saint michel"),
    ),
    Area(
        "CA",
        "Côte-des-Neiges–Notre-Dame-de-Grâce",
        45.4850,
        -73.6250,
        ("H3S", "H4A", "H3T"),
        ("cote des neiges", "notre dame de grace", "ndg"),
    ),
    Area(
        "CA",
        "Le Sud-Ouest",
        45.4730,
        -73.5900,
        ("H4C", "H3J", "H3K"),
        ("sud ouest", "saint henri", "pointe saint charles"),
    ),
    Area("CA", "Vieux-Montréal", 45.5075, -73.5540, ("H2Y",), ("vieux montreal",)),
    Area(
        "CA",
        "Mercier–Hochelaga-Maisonneuve",
        45.5570,
        -73.5400,
        ("H1V", "H1W"),
        ("hochelaga", "maisonneuve", "mercier"),
    ),
    Area("CA", "Verdun", 45.4570, -73.5710, ("H4G", "H4H"), ("verdun",)),
    Area("CA", "Outremont", 45.5170, -73.6070, ("H2V",), ("outremont",)),
    Area(
        "CA",
        "Ahuntsic-Cartierville",
        45.5500,
        -73.6800,
        ("H2C", "H3L", "H4J"),
        ("ahuntsic", "cartierville"),
    ),
    Area("CA", "Saint-Laurent", 45.5050, -73.7050, ("H4L", "H4M", "H4N"), ("saint laurent",)),
    Area("CA", "LaSalle", 45.4310, -73.6320, ("H8N", "H8P"), ("lasalle",)),
    Area("CA", "Lachine", 45.4410, -73.6880, ("H8S", "H8T"), ("lachine",)),
    Area("CA", "Montréal-Nord", 45.5930, -73.6330, ("H1G", "H1H"), ("montreal nord",)),
    Area("CA", "Saint-Léonard", 45.5870, -73.5970, ("H1P", "H1R", "H1S"), ("saint leonard",)),
    Area("CA", "Anjou", 45.6040, -73.5610, ("H1J", "H1K"), ("anjou",)),
    Area("CA", "Montréal", 45.5019, -73.5674, (), ("montreal",)),
)

_FRENCH_POSTCODE = re.compile(r"\b(\d{5})\b")
_CANADIAN_POSTCODE = re.compile(r"\b([a-z]\d[a-z])(?:\s*\d[a-z]\d)?\b")
_ARRONDISSEMENT = re.compile(
    r"^(?:paris\s*)?(\d{1,2})\s*(?:er|e|eme|ieme|em)?(?:\s*arr(?:ondissement)?)?(?:\s*paris)?$"
)


def normalize(text: str) -> str:
    """Lowercase, accents and punctuation removed, spaces collapsed: "Côte-des-Neiges" → "cote
    des neiges"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


@lru_cache(maxsize=8)
def _index(country: str) -> tuple[dict[str, Area], dict[str, Area]]:
    by_postcode: dict[str, Area] = {}
    by_alias: dict[str, Area] = {}
    for area in BUILTIN_AREAS:
        if area.country != country:
            continue
        for postcode in area.postcodes:
            by_postcode.setdefault(postcode.lower(), area)
        for alias in (*area.aliases, area.label):
            by_alias.setdefault(normalize(alias), area)
    return by_postcode, by_alias


def _place(area: Area, precision: str) -> Place:
    return Place(lat=area.lat, lng=area.lng, label=area.label, precision=precision)


class BuiltinAreaGeocoder:
    """Postcodes and districts of the demo cities, from memory."""

    def geocode(self, query: str, *, country: str) -> Place | None:
        text = normalize(query)
        if not text:
            return None
        by_postcode, by_alias = _index(country.upper())
        if country.upper() == "FR":
            arrondissement = _ARRONDISSEMENT.match(text)
            if arrondissement and 1 <= int(arrondissement.group(1)) <= 20:
                return _place(by_postcode[f"750{int(arrondissement.group(1)):02d}"], "district")
            postcode = _FRENCH_POSTCODE.search(text)
        else:
            postcode = _CANADIAN_POSTCODE.search(text)
        if postcode and postcode.group(1) in by_postcode:
            return _place(by_postcode[postcode.group(1)], "postcode")
        if text in by_alias:
            return _place(by_alias[text], "district")
        # The longest district name contained in the text ("12 rue X, Verdun").
        padded = f" {text} "
        matches = [alias for alias in by_alias if f" {alias} " in padded]
        if matches:
            return _place(by_alias[max(matches, key=len)], "district")
        return None


@lru_cache(maxsize=4)
def _backend(path: str) -> Geocoder:
    return import_string(path)()


def configured_backend() -> Geocoder:
    return _backend(getattr(settings, "ENTRAIDE_GEOCODER", DEFAULT_BACKEND))


def geocode(query: str, *, tenant: object) -> Place | None:
    """The point for what a person typed, within the tenant's country; None when unknown."""
    query = (query or "").strip()[:200]
    if not query:
        return None
    country = str(getattr(tenant, "country", "") or "FR")
    place = BuiltinAreaGeocoder().geocode(query, country=country)
    if place is not None:
        return place
    try:
        return configured_backend().geocode(query, country=country)
    except Exception:  # a geocoder outage must not break a page
        logger.warning("geocoding.backend_failed", exc_info=True)
        return None


def area_labels(*, tenant: object) -> list[str]:
    """District names the built-in table knows for the tenant's country (for suggestions)."""
    country = str(getattr(tenant, "country", "") or "FR").upper()
    return [area.label for area in BUILTIN_AREAS if area.country == country]

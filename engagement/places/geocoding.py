"""What pages, forms and the API call: `lookup()`/`geocode()` for what a person typed, and
`suggest()` while they type, with the tenant's geocoder (`Tenant.geocoder`).

- offline (the default): the gazetteer only (gazetteer.py), no network.
- ban / nominatim: a query that is exactly a known postcode or district is answered offline;
  anything else goes to the service, and when the service finds nothing or is unavailable, the
  gazetteer answers what it can (a city name inside the address).

Answers are cached per tenant (the cache's key function adds the tenant's schema): 30 days for a
place found, a few minutes for "not found". A service that fails (timeout, refused, 429, 5xx,
unreadable answer) is left alone for a while (its Retry-After, else
PLACES_CIRCUIT_OPEN_SECONDS) by every process and tenant: the circuit breaker lives in Redis.
Nothing here raises to a page: the outcome is found, not found, or unavailable.

Nominatim's policy forbids completion while typing: for a nominatim tenant, `suggest()` answers
from the places this tenant already looked up (kept in the cache) and the gazetteer only.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache

from engagement.places.backends import (
    REMOTE_GEOCODERS,
    ServiceUnavailable,
    shared_key,
    shared_redis_client,
)
from engagement.places.gazetteer import (
    SUGGESTIONS_MAX,
    is_exact_area,
    normalize,
    offline_geocode,
    offline_suggest,
)
from engagement.places.gazetteer import area_labels as gazetteer_area_labels
from engagement.places.types import NOT_FOUND, UNAVAILABLE, Lookup, Outcome, Place

logger = logging.getLogger(__name__)

OFFLINE = "offline"
QUERY_MAX_LENGTH = 200
SUGGEST_MIN_LENGTH = 3
FOUND_TTL_SECONDS = 30 * 24 * 3600
NOT_FOUND_TTL_SECONDS = 5 * 60
# How many looked-up places a nominatim tenant keeps for its suggestions.
RECENT_PLACES_MAX = 200
CACHE_VERSION = 1


def _country(tenant: Any) -> str:
    return str(getattr(tenant, "country", "") or "FR").upper()


def _backend_name(tenant: Any) -> str:
    name = str(getattr(tenant, "geocoder", "") or OFFLINE)
    return name if name in REMOTE_GEOCODERS else OFFLINE


def _key(kind: str, backend: str, country: str, text: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"places:v{CACHE_VERSION}:{kind}:{backend}:{country}:{digest}"


def _circuit_key(backend: str) -> str:
    return shared_key(f"circuit:{backend}")


def circuit_is_open(backend: str) -> bool:
    client = shared_redis_client()
    if client is None:
        return False
    try:
        return bool(client.exists(_circuit_key(backend)))
    except Exception:
        return False


def _open_circuit(backend: str, error: ServiceUnavailable) -> None:
    seconds = error.retry_after if error.retry_after else settings.PLACES_CIRCUIT_OPEN_SECONDS
    logger.warning(
        "places.service_unavailable",
        extra={"backend": backend, "reason": error.reason, "pause_seconds": seconds},
    )
    client = shared_redis_client()
    if client is None or seconds <= 0:
        return
    try:
        client.set(_circuit_key(backend), error.reason, px=max(1, int(seconds * 1000)))
    except Exception:
        logger.warning("places.circuit_without_redis")


def reset_circuits() -> None:
    """Close every circuit breaker (after an operator fixed the configuration; tests)."""
    client = shared_redis_client()
    if client is not None:
        for backend in REMOTE_GEOCODERS:
            client.delete(_circuit_key(backend))


def _remote_search(
    backend: str, query: str, *, country: str, limit: int, autocomplete: bool
) -> list[Place] | None:
    """The service's places, or None when it is unavailable (now or recently)."""
    if circuit_is_open(backend):
        return None
    started = time.perf_counter()
    try:
        places = REMOTE_GEOCODERS[backend].search(
            query, country=country, limit=limit, autocomplete=autocomplete
        )
    except ServiceUnavailable as error:
        _open_circuit(backend, error)
        return None
    logger.info(
        "places.service_answered",
        extra={
            "backend": backend,
            "results": len(places),
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    return places


def _cached_lookup(key: str) -> Lookup | None:
    value = cache.get(key)
    if value is None:
        return None
    if value == Outcome.NOT_FOUND.value:
        return NOT_FOUND
    place = Place.from_dict(value) if isinstance(value, dict) else None
    return Lookup(Outcome.FOUND, place) if place is not None else None


def _remember(key: str, place: Place | None) -> None:
    if place is None:
        cache.set(key, Outcome.NOT_FOUND.value, NOT_FOUND_TTL_SECONDS)
    else:
        cache.set(key, place.as_dict(), FOUND_TTL_SECONDS)


def _remember_recent(backend: str, country: str, places: list[Place]) -> None:
    """Places a nominatim tenant looked up, for its suggestions (newest first, bounded)."""
    key = _key("recent", backend, country, "")
    recent = [item for item in cache.get(key) or [] if isinstance(item, dict)]
    labels = {place.label for place in places}
    recent = [place.as_dict() for place in places] + [
        item for item in recent if item.get("label") not in labels
    ]
    cache.set(key, recent[:RECENT_PLACES_MAX], FOUND_TTL_SECONDS)


def lookup(query: str, *, tenant: Any) -> Lookup:
    """The point for what a person typed, within the tenant's country."""
    query = " ".join((query or "").split())[:QUERY_MAX_LENGTH]
    text = normalize(query)
    if not text:
        return NOT_FOUND
    country = _country(tenant)
    backend = _backend_name(tenant)
    if backend == OFFLINE or is_exact_area(query, country=country):
        place = offline_geocode(query, country=country)
        return Lookup(Outcome.FOUND, place) if place is not None else NOT_FOUND
    key = _key("geocode", backend, country, text)
    cached = _cached_lookup(key)
    if cached is not None:
        return cached
    places = _remote_search(backend, query, country=country, limit=1, autocomplete=False)
    if places is None:
        # Unavailable: the gazetteer may still know the city (not cached: the service may
        # know better once it is back).
        place = offline_geocode(query, country=country)
        return Lookup(Outcome.FOUND, place) if place is not None else UNAVAILABLE
    place = places[0] if places else offline_geocode(query, country=country)
    _remember(key, place)
    if place is not None and backend == "nominatim":
        _remember_recent(backend, country, [place])
    return Lookup(Outcome.FOUND, place) if place is not None else NOT_FOUND


def geocode(query: str, *, tenant: Any) -> Place | None:
    """The point for what a person typed; None when not found or the service is unavailable."""
    return lookup(query, tenant=tenant).place


def _recent_suggestions(backend: str, country: str, text: str, limit: int) -> list[Place]:
    found = []
    for item in cache.get(_key("recent", backend, country, "")) or []:
        if isinstance(item, dict) and text in normalize(str(item.get("label", ""))):
            place = Place.from_dict(item)
            if place is not None:
                found.append(place)
        if len(found) >= limit:
            break
    return found


def suggest(query: str, *, tenant: Any, limit: int = SUGGESTIONS_MAX) -> tuple[list[Place], bool]:
    """Places completing what was typed (at least SUGGEST_MIN_LENGTH characters), and whether
    the service was unavailable (the suggestions then come from the gazetteer)."""
    query = " ".join((query or "").split())[:QUERY_MAX_LENGTH]
    text = normalize(query)
    if len(text) < SUGGEST_MIN_LENGTH:
        return [], False
    country = _country(tenant)
    backend = _backend_name(tenant)
    offline = offline_suggest(query, country=country, limit=limit)
    if backend == OFFLINE:
        return offline, False
    if not REMOTE_GEOCODERS[backend].supports_suggest:
        recent = _recent_suggestions(backend, country, text, limit)
        labels = {place.label for place in recent}
        return (recent + [place for place in offline if place.label not in labels])[:limit], False
    key = _key("suggest", backend, country, text)
    cached = cache.get(key)
    if isinstance(cached, list):
        places = [place for item in cached if (place := Place.from_dict(item)) is not None]
        return places or offline, False
    remote = _remote_search(backend, query, country=country, limit=limit, autocomplete=True)
    if remote is None:
        return offline, True
    cache.set(
        key,
        [place.as_dict() for place in remote],
        FOUND_TTL_SECONDS if remote else NOT_FOUND_TTL_SECONDS,
    )
    # Choosing a suggestion then submitting its label finds the same point, without a call.
    for place in remote:
        _remember(_key("geocode", backend, country, normalize(place.label)), place)
    return remote or offline, False


def area_labels(*, tenant: Any) -> list[str]:
    """District names the gazetteer knows for the tenant's country (the pages' datalist)."""
    return gazetteer_area_labels(country=_country(tenant))

"""The remote geocoders, spoken to over HTTP directly (not through geopy): we need the answer's
status to tell "not found" from "unavailable", Retry-After on a 429, one timeout for the whole
call and the same validation of every point, and each service is one GET with a documented JSON
answer. Each backend answers a `Lookup` or a list of places, or raises `ServiceUnavailable`.

- Base Adresse Nationale (api-adresse.data.gouv.fr): `GET /search/?q=&limit=&autocomplete=`,
  a GeoJSON FeatureCollection whose features carry `properties.label/score/type/postcode/city`.
  France only; no key; it supports completion while typing.
- Nominatim (OpenStreetMap): `GET /search?q=&format=jsonv2&limit=&countrycodes=&addressdetails=1`,
  a JSON list of results with `lat`/`lon` as strings and `display_name`. Its usage policy: a user
  agent naming the application with a contact, at most one request per second (shared by every
  process through Redis: `NominatimRateLimiter`), results cached (geocoding.py), and no
  completion while typing — so `suggest` is never sent to Nominatim.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

import requests
from django.conf import settings
from django.core.cache import cache

from engagement.places.types import Place, Precision, place_checked
from tenants.cache import redis_health

logger = logging.getLogger(__name__)

# A 429's Retry-After is followed up to this long (a larger one is read as "a while").
RETRY_AFTER_MAX_SECONDS = 600


class ServiceUnavailable(Exception):
    """The service did not give a usable answer: timeout, refused, 429, 5xx, unreadable body."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class RemoteGeocoder(Protocol):
    name: str
    supports_suggest: bool

    def search(
        self, query: str, *, country: str, limit: int, autocomplete: bool
    ) -> list[Place]: ...


_session_lock = threading.Lock()
_sessions: dict[str, requests.Session] = {}


def _session(name: str) -> requests.Session:
    """One connection pool per service and process (keep-alive between calls)."""
    with _session_lock:
        if name not in _sessions:
            session = requests.Session()
            session.headers["User-Agent"] = user_agent()
            _sessions[name] = session
        return _sessions[name]


def user_agent() -> str:
    return f"Entraide/1.0 (+{settings.PLACES_CONTACT_EMAIL})"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: the circuit breaker's default pause applies
    return max(0.0, min(seconds, RETRY_AFTER_MAX_SECONDS))


def _get_json(name: str, url: str, params: Mapping[str, str]) -> Any:
    timeout = float(settings.PLACES_HTTP_TIMEOUT_SECONDS)
    try:
        response = _session(name).get(url, params=params, timeout=(timeout, timeout))
    except requests.Timeout as error:
        raise ServiceUnavailable("timeout") from error
    except requests.RequestException as error:
        raise ServiceUnavailable("connection") from error
    if response.status_code == 429:
        raise ServiceUnavailable(
            "rate_limited", retry_after=_retry_after(response.headers.get("Retry-After"))
        )
    if response.status_code >= 500:
        raise ServiceUnavailable(f"http_{response.status_code}")
    if response.status_code == 400:
        # The BAN answers 400 to a query it cannot read (too short, only punctuation).
        return None
    if response.status_code != 200:
        raise ServiceUnavailable(f"http_{response.status_code}")
    try:
        return response.json()
    except ValueError as error:
        raise ServiceUnavailable("malformed") from error


_BAN_PRECISION = {
    "housenumber": Precision.ADDRESS,
    "street": Precision.STREET,
    "locality": Precision.DISTRICT,
    "municipality": Precision.CITY,
}


class BanGeocoder:
    name = "ban"
    supports_suggest = True

    def search(self, query: str, *, country: str, limit: int, autocomplete: bool) -> list[Place]:
        body = _get_json(
            self.name,
            settings.PLACES_BAN_URL.rstrip("/") + "/search/",
            {"q": query, "limit": str(limit), "autocomplete": "1" if autocomplete else "0"},
        )
        if body is None:
            return []
        if not isinstance(body, dict) or not isinstance(body.get("features"), list):
            raise ServiceUnavailable("malformed")
        places = []
        for feature in body["features"]:
            place = self._place(feature)
            if place is not None:
                places.append(place)
        return places

    def _place(self, feature: Any) -> Place | None:
        try:
            lng, lat = feature["geometry"]["coordinates"][:2]
            properties = feature["properties"]
        except (KeyError, TypeError, ValueError, IndexError):
            logger.warning("places.answer_rejected", extra={"source": self.name})
            return None
        if not isinstance(properties, dict):
            return None
        return place_checked(
            lat=lat,
            lng=lng,
            label=properties.get("label"),
            precision=_BAN_PRECISION.get(str(properties.get("type")), Precision.ADDRESS),
            postcode=str(properties.get("postcode") or ""),
            city=str(properties.get("city") or ""),
            source=self.name,
        )


_NOMINATIM_PRECISION = {
    "house": Precision.ADDRESS,
    "building": Precision.ADDRESS,
    "road": Precision.STREET,
    "postcode": Precision.POSTCODE,
    "suburb": Precision.DISTRICT,
    "neighbourhood": Precision.DISTRICT,
    "quarter": Precision.DISTRICT,
    "city_district": Precision.DISTRICT,
    "borough": Precision.DISTRICT,
}


class NominatimRateLimiter:
    """One request per second to Nominatim from all our processes together: a Redis key set
    with NX and a 1.05 s expiry is the turn; whoever cannot set it waits for it to expire. If
    Redis is down, a lock in this process keeps this process within the rule."""

    def __init__(self, interval: float = 1.05) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._last = 0.0

    def wait_turn(self, *, deadline: float) -> bool:
        """True when it is our turn; False if it would not come before `deadline` (monotonic).

        This process also keeps its own last turn, whichever way it was taken: when Redis comes
        and goes, switching between the shared key and the local pacing never lets two requests
        through less than `interval` apart."""
        client = shared_redis_client()
        while True:
            with self._lock:
                now = time.monotonic()
                if now - self._last >= self.interval and self._take_shared(client):
                    self._last = now
                    return True
            if time.monotonic() + 0.05 > deadline:
                return False
            time.sleep(0.05)

    def _take_shared(self, client: Any) -> bool:
        """The deployment-wide turn (always granted without Redis: local pacing only)."""
        if client is None:
            return True
        try:
            return bool(
                client.set(shared_key("nominatim:turn"), "1", nx=True, px=int(self.interval * 1000))
            )
        except Exception:  # Redis down: this process's own pacing only
            logger.warning("places.rate_limiter_without_redis")
            return True


def shared_key(name: str) -> str:
    """A Redis key shared by every tenant and process of this deployment."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:places:{name}"


def shared_redis_client() -> Any:
    """The raw Redis client behind the cache, for keys shared by every tenant (the cache's key
    function adds the tenant's schema to every key)."""
    if not redis_health.available():  # a recent failure: skip Redis for a while
        return None
    backend = getattr(cache, "_cache", None)
    get_client = getattr(backend, "get_client", None)
    if get_client is None:
        return None
    try:
        return get_client(write=True)
    except Exception:
        return None


nominatim_rate_limiter = NominatimRateLimiter()


class NominatimGeocoder:
    name = "nominatim"
    # Its usage policy forbids completion while typing.
    supports_suggest = False

    def search(self, query: str, *, country: str, limit: int, autocomplete: bool) -> list[Place]:
        wait = float(settings.PLACES_NOMINATIM_MAX_WAIT_SECONDS)
        if not nominatim_rate_limiter.wait_turn(deadline=time.monotonic() + wait):
            raise ServiceUnavailable("busy")
        params = {
            "q": query,
            "format": "jsonv2",
            "limit": str(limit),
            "addressdetails": "1",
            "email": settings.PLACES_CONTACT_EMAIL,
        }
        if country:
            params["countrycodes"] = country.lower()
        body = _get_json(self.name, settings.PLACES_NOMINATIM_URL.rstrip("/") + "/search", params)
        if body is None:
            return []
        if not isinstance(body, list):
            raise ServiceUnavailable("malformed")
        places = []
        for result in body:
            place = self._place(result)
            if place is not None:
                places.append(place)
        return places

    def _place(self, result: Any) -> Place | None:
        if not isinstance(result, dict):
            logger.warning("places.answer_rejected", extra={"source": self.name})
            return None
        details = result.get("address")
        address: dict[str, Any] = details if isinstance(details, dict) else {}
        kind = str(result.get("addresstype") or result.get("type") or "")
        city = address.get("city") or address.get("town") or address.get("village") or ""
        return place_checked(
            lat=result.get("lat"),
            lng=result.get("lon"),
            label=result.get("display_name"),
            precision=_NOMINATIM_PRECISION.get(kind, Precision.CITY),
            postcode=str(address.get("postcode") or ""),
            city=str(city),
            source=self.name,
        )


REMOTE_GEOCODERS: dict[str, RemoteGeocoder] = {
    "ban": BanGeocoder(),
    "nominatim": NominatimGeocoder(),
}

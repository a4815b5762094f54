"""The loopback BAN and Nominatim, and tenants switched to them for one test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django_tenants.utils import get_public_schema_name, schema_context

from engagement.places.backends import shared_redis_client
from engagement.places.geocoding import reset_circuits
from tenants.cache import redis_health
from tests.engagement.places.fake_geocoders import FakeGeocoders


@pytest.fixture(scope="session")
def _geocoders_server() -> Iterator[FakeGeocoders]:
    server = FakeGeocoders().start()
    yield server
    server.stop()


@pytest.fixture
def geocoders(_geocoders_server: FakeGeocoders, settings: Any) -> Iterator[FakeGeocoders]:
    """Both services on loopback, empty; the cache and the circuit breakers cleared, and Redis
    taken as up (an earlier test of this process may have left it marked down, which moves the
    Nominatim limiter to its local pacing)."""
    redis_health.reset()
    _geocoders_server.reset()
    settings.PLACES_BAN_URL = _geocoders_server.base_url
    settings.PLACES_NOMINATIM_URL = _geocoders_server.base_url
    settings.PLACES_HTTP_TIMEOUT_SECONDS = 0.5
    clear_places_cache()
    yield _geocoders_server
    clear_places_cache()


def clear_places_cache() -> None:
    """This run's places keys only (the Redis is shared with other runs: never FLUSHDB)."""
    reset_circuits()
    client = shared_redis_client()
    prefix = django_settings.CACHES["default"]["KEY_PREFIX"]
    for key in client.scan_iter(match=f"*{prefix}*places:*", count=1000):
        client.delete(key)


@pytest.fixture
def with_geocoder():
    """Switch a tenant to a geocoder for the test, saved (every process's routing cache sees it)
    and switched back before the test's rollback, so no later test sees it."""
    changed: list[tuple[Any, str]] = []

    def switch(tenant: Any, name: str) -> Any:
        changed.append((tenant, tenant.geocoder))
        tenant.geocoder = name
        with schema_context(get_public_schema_name()):
            tenant.save(update_fields=["geocoder"])
        return tenant

    yield switch
    for tenant, previous in reversed(changed):
        tenant.geocoder = previous
        with schema_context(get_public_schema_name()):
            tenant.save(update_fields=["geocoder"])

"""Places: what geocoding costs (engagement/places/).

- the offline gazetteer: building its index (once per process and country), then a lookup and a
  completion (µs);
- the Base Adresse Nationale client against a loopback server answering its format
  (tests/engagement/places/fake_geocoders.py): an uncached call (HTTP round trip, parsing,
  checks, cache write) against a cached one (one Redis read);
- the autocomplete endpoint, GET /api/v1/places/?q=, through the whole stack (host routing,
  middleware, DRF, rate limit counter, gazetteer), for an offline tenant: median and p95.

    .venv/bin/python bench/places.py [ITERATIONS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database, machine_description, summarize  # noqa: E402

ITERATIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
LOOKUPS = ["Lyon", "75011", "Plateau-Mont-Royal", "8 place Bellecour, 69002 Lyon", "Atlantide"]
PREFIXES = ["Mar", "Paris 1", "Saint-É", "Bordea", "Montreu", "Toul", "Nant", "Lill"]


def _row(name: str, samples_us: list[float]) -> None:
    summary = summarize(samples_us)
    print(f"{name:<52}{summary.median:>11.1f}{summary.p95:>10.1f}{summary.count:>8}")


def _timed_us(call, count: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for index in range(count):
        started = time.perf_counter_ns()
        call(index)
        samples.append((time.perf_counter_ns() - started) / 1000)
    return samples


def main() -> None:
    with bench_database() as info:
        from django.conf import settings
        from django.db import connection
        from django.test import Client

        from engagement.places import gazetteer
        from engagement.places.geocoding import lookup, reset_circuits
        from tenants.services import tenant_provision
        from tests.engagement.places.fake_geocoders import FakeGeocoders

        print(f"machine: {machine_description()}")
        print(f"bench database {info.database} ready in {info.seconds_to_prepare:.1f} s")
        print()

        started = time.perf_counter()
        gazetteer.country_index("FR")
        build_fr = time.perf_counter() - started
        started = time.perf_counter()
        gazetteer.country_index("CA")
        build_ca = time.perf_counter() - started
        names = len(gazetteer.country_index("FR").names)
        fr_ms, ca_ms = build_fr * 1000, build_ca * 1000
        print(f"gazetteer index: FR {fr_ms:.0f} ms ({names} names), CA {ca_ms:.0f} ms")
        print()
        print(f"{'operation':<52}{'median µs':>11}{'p95 µs':>10}{'count':>8}")
        _row(
            "offline lookup (5 kinds of query)",
            _timed_us(
                lambda i: gazetteer.offline_geocode(LOOKUPS[i % 5], country="FR"), ITERATIONS
            ),
        )
        _row(
            "offline completion (8 prefixes)",
            _timed_us(
                lambda i: gazetteer.offline_suggest(PREFIXES[i % 8], country="FR"), ITERATIONS
            ),
        )

        paris = tenant_provision(
            kind="city", name="Paris", slug="paris", admin_email="admin@paris.example"
        ).tenant
        paris.geocoder = "ban"
        paris.save(update_fields=["geocoder"])
        server = FakeGeocoders().start()
        settings.PLACES_BAN_URL = server.base_url
        reset_circuits()
        connection.set_tenant(paris)
        count = min(ITERATIONS, 1_000)
        for index in range(count):
            server.add_ban(
                f"{index} rue de Rivoli",
                label=f"{index} Rue de Rivoli 75004 Paris",
                lat=48.855,
                lng=2.36,
                postcode="75004",
                city="Paris",
            )
        _row(
            "BAN on loopback, uncached (HTTP + checks + cache)",
            _timed_us(lambda i: lookup(f"{i} rue de Rivoli", tenant=paris), count),
        )
        _row(
            "BAN, cached (the same queries again)",
            _timed_us(lambda i: lookup(f"{i} rue de Rivoli", tenant=paris), count),
        )
        assert len(server.calls()) == count, "the cached lookups must not call the service"
        server.stop()

        paris.geocoder = "offline"
        paris.save(update_fields=["geocoder"])
        connection.set_schema_to_public()
        settings.PLACES_SUGGEST_RATE_PER_MINUTE = 10**9
        client = Client(HTTP_HOST=paris.primary_host)
        for prefix in PREFIXES:  # warm the routing cache
            client.get("/api/v1/places/", {"q": prefix})

        def call(index: int) -> None:
            response = client.get("/api/v1/places/", {"q": PREFIXES[index % 8]})
            if response.status_code != 200:
                raise SystemExit(f"unexpected status {response.status_code}")

        _row("GET /api/v1/places/?q= (offline tenant, whole stack)", _timed_us(call, ITERATIONS))


if __name__ == "__main__":
    main()

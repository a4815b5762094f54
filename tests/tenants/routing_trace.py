"""What the routing cache holds for a host, for the failure message of a routing test.

Three routing-cache tests failed rarely in CI (a cached "nowhere" for Paris, one query where a
shared entry should have answered, a change seen without a new generation) and never locally.
When one fails again, its message says which layer answered and what each layer held: the
generation token in Redis, the process's copy, the shared entry, Redis's health as the process
remembers it, how each resolution ended (the routing metric) and the other threads alive in the
process, which could write to the cache while the test runs.
"""

from __future__ import annotations

import pickle
import threading
import time

from django.core.cache import cache
from prometheus_client import REGISTRY

from tenants import routing
from tenants.cache import redis_health

_RESULTS = ("hit_local", "hit_shared", "miss", "fallback")


def routing_counts() -> dict[str, float]:
    """How many resolutions of this process ended in each layer so far."""
    return {
        result: REGISTRY.get_sample_value("entraide_routing_cache_total", {"result": result}) or 0.0
        for result in _RESULTS
    }


def routing_trace(host: str, *, counts_before: dict[str, float] | None = None) -> str:
    """One line per layer, read without changing any of them."""
    client, key = routing._generation._client()
    token = client.get(key)
    local = routing._local.get(host)
    with routing._public_schema_keys():
        shared = cache.get(routing._route_key(host))
    lines = [
        f"generation token in Redis: {token!r} (key {key})",
        "process copy: "
        + (
            "none"
            if local is None
            else f"token {local[0]!r}, expires in {local[1] - time.monotonic():.1f} s, "
            f"{pickle.loads(local[2])}"  # noqa: S301 - written by this process
        ),
        "shared entry: " + ("none" if shared is None else f"token {shared[0]!r}, {shared[1]}"),
        f"Redis down since a failure: {redis_health.is_down}, "
        f"retried now: {redis_health.available()}, invalidation pending: "
        f"{routing._invalidation_pending.is_set()}",
        "threads: " + ", ".join(sorted(thread.name for thread in threading.enumerate())),
    ]
    counts = routing_counts()
    if counts_before is not None:
        counts = {result: counts[result] - counts_before[result] for result in _RESULTS}
        lines.append(f"resolutions since the test began: {counts}")
    return "\n".join(lines)

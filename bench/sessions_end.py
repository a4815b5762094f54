"""Cost of ending a person's sessions when an admin suspends them (accounts/roles.py:
`user_sessions_end`) as the number of live sessions of the tenant grows.

A session row names its user only inside its signed data, so the function reads and decodes every
live session of the tenant's schema. The sessions are written into the template schema of a
throwaway database (same table and indexes as a tenant's), 3 of them the suspended user's.

    .venv/bin/python bench/sessions_end.py [N ...]     (default: 1000 10000 50000)

Figures: for N live sessions, the median time of `user_sessions_end` over 5 runs (the user's 3
sessions put back between runs), and the time per session read.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database, machine_description  # noqa: E402

SIZES = [int(value) for value in sys.argv[1:]] or [1000, 10_000, 50_000]
RUNS = 5
THEIRS = 3


def _sessions(count: int, user_id: int, first: int) -> list[object]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    store = SessionStore()
    expires = timezone.now() + timedelta(days=14)
    return [
        Session(
            session_key=f"bench{first + index:027d}",
            session_data=store.encode(
                {
                    SESSION_KEY: str(user_id),
                    BACKEND_SESSION_KEY: "accounts.backends.TenantAuthenticationBackend",
                    HASH_SESSION_KEY: "0" * 64,
                    "_language": "fr",
                }
            ),
            expire_date=expires,
        )
        for index in range(count)
    ]


def main() -> None:
    with bench_database() as info:
        from django.contrib.sessions.models import Session
        from django.db import connection

        from accounts.models import User
        from accounts.roles import user_sessions_end
        from tenants.provisioning import template_schema_name

        print(f"# sessions end — {machine_description()}")
        print(f"# prepared in {info.seconds_to_prepare:.1f} s")
        connection.set_schema(template_schema_name())
        suspended = User.objects.create(email="suspended@bench.test")
        others = User.objects.create(email="others@bench.test")
        print("live sessions | user_sessions_end ms (median) | µs per session | ended")
        have = 0
        for size in SIZES:
            Session.objects.bulk_create(_sessions(size - have, others.pk, have), batch_size=5000)
            have = size
            timings = []
            ended = 0
            for run in range(RUNS):
                Session.objects.bulk_create(_sessions(THEIRS, suspended.pk, 10**9 + run * 10))
                started = time.perf_counter()
                ended = user_sessions_end(user=suspended)
                timings.append(time.perf_counter() - started)
            median = statistics.median(timings)
            print(
                f"{size + THEIRS} | {median * 1000:.0f} | {median / (size + THEIRS) * 1e6:.1f}"
                f" | {ended}"
            )


if __name__ == "__main__":
    main()

"""Saved-search alerts at scale: 10,000 saved searches evaluated over a city's catalogue.

    .venv/bin/python bench/alerts.py [N] [--searches 10000] [--keep] [--reuse]

Creates its own database (BENCH_DATABASE, default `entraide_alerts_bench`) and loads the same
catalogue as bench/search.py with its own helpers: Paris with N missions (default 100,000; 90 %
published, `published_at` spread over the last 180 days, so about 500 were published in the
last day), organizations, causes, skills, slots, search vectors and search columns; Montréal and
Acme with a few thousand each. Then 10,000 volunteers with one saved search each:

- 85 % around a point within 10 km of the centre, radius 2, 5, 10 or 25 km; the others without a
  place (remote only for a third of them);
- one or two causes for 60 %, a skill for 15 %, a weekly availability (weekends, evenings…)
  for 30 %, words for 10 %, step-free for 5 %;
- a fifth pick one of 40 common searches (an arrondissement, 5 km, one cause): people ask the
  same things, and identical filters share one query;
- 80 % daily (last checked 25 hours ago), 20 % weekly (last checked 7 days ago).

It then runs one alert run of the tenant as the beat task does, in two measured steps:

1. evaluation (`saved_search_alerts_evaluate`): every due search, its new missions recorded;
   prints seconds, searches per second, distinct filters, matches, SQL statements;
2. sending (`saved_search_alerts_send` over the searches with news, e-mails rendered and handed
   to Django's in-memory backend): seconds, e-mails produced, e-mails per second.

For the choice of method it also times, on 50 of the searches (--samples), one query per search
through the ORM (what a per-search evaluation would cost): the whole search, as the page runs
it, and the same bounded to the day's new missions. E-mails: the first 1,000 searches with news
(--send, 0 for all) are sent and timed.

Target (issue 14): 10,000 saved searches evaluated in <= 60 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    _configure_django,
    _delete_cache_keys,
    _drop_database,
    _prepare_database,
    machine_description,
)
from search import CITIES, QUERY_WORDS, _provision, _random_point  # noqa: E402

DEFAULT_DATABASE = "entraide_alerts_bench"
COMMON_SEARCHES = 40
AVAILABILITIES = {
    "weekends": sum(1 << bit for bit in range(15, 21)),
    "saturday mornings": 1 << 15,
    "evenings": sum(1 << (day * 3 + 2) for day in range(7)),
    "weekday afternoons": sum(1 << (day * 3 + 1) for day in range(5)),
}


def _random_filters(rng: random.Random, causes: list[str], skills: list[str]) -> dict[str, Any]:
    centre = CITIES["paris"][2]
    filters: dict[str, Any] = {}
    if rng.random() < 0.85:
        lng, lat = _random_point(rng, centre, 10.0)
        filters.update(location=(lng, lat), radius_km=rng.choice((2, 5, 5, 10, 10, 25)))
    elif rng.random() < 0.33:
        filters["remote"] = True
    if rng.random() < 0.6:
        filters["causes"] = rng.sample(causes, rng.choice((1, 1, 2)))
    if rng.random() < 0.15:
        filters["skills"] = [rng.choice(skills)]
    if rng.random() < 0.3:
        filters["availability_mask"] = rng.choice(list(AVAILABILITIES.values()))
    if rng.random() < 0.1:
        filters["query"] = rng.choice(QUERY_WORDS)
    if rng.random() < 0.05:
        filters["step_free"] = True
    return filters


def _common_filters(rng: random.Random, causes: list[str]) -> list[dict[str, Any]]:
    centre = CITIES["paris"][2]
    common = []
    for _ in range(COMMON_SEARCHES):
        lng, lat = _random_point(rng, centre, 6.0)
        common.append(
            {
                "location": (round(lng, 3), round(lat, 3)),
                "radius_km": 5,
                "causes": [rng.choice(causes)],
            }
        )
    return common


def _load_saved_searches(tenant: Any, count: int, seed: int) -> dict[str, int]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.gis.geos import Point
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from engagement.alerts.models import SavedSearch
    from engagement.taxonomy.models import Cause, Skill
    from tenants.signing import stored_token

    rng = random.Random(seed)
    connection.set_tenant(tenant)
    causes = list(Cause.objects.values_list("slug", flat=True))
    skills = list(Skill.objects.values_list("slug", flat=True))
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(email=f"volunteer{index}@bench.example", password=unusable, language="fr")
            for index in range(count)
        ],
        batch_size=5000,
    )
    now = timezone.now()
    common = _common_filters(rng, causes)
    searches = []
    for index, user in enumerate(users):
        filters = rng.choice(common) if rng.random() < 0.2 else _random_filters(rng, causes, skills)
        daily = rng.random() < 0.8
        location = filters.get("location")
        searches.append(
            SavedSearch(
                user=user,
                name=f"Recherche {index}",
                frequency="daily" if daily else "weekly",
                location=Point(*location, srid=4326) if location else None,
                place_label="Paris" if location else "",
                radius_km=filters.get("radius_km"),
                causes=filters.get("causes", []),
                skills=filters.get("skills", []),
                availability_mask=filters.get("availability_mask"),
                query=filters.get("query", ""),
                remote=filters.get("remote"),
                step_free=filters.get("step_free"),
                unsubscribe_token=stored_token("saved_search_unsubscribe"),
                last_checked_at=now - (timedelta(hours=25) if daily else timedelta(days=7)),
            )
        )
    SavedSearch.objects.bulk_create(searches, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) engagement_savedsearch")
    connection.set_schema_to_public()
    return {"users": len(users), "saved searches": len(searches)}


def _saved_search_count(tenant: Any) -> int:
    from django.db import connection

    from engagement.alerts.models import SavedSearch

    connection.set_tenant(tenant)
    count = SavedSearch.objects.count()
    connection.set_schema_to_public()
    return count


def _reset(tenant: Any) -> None:
    """Every search due again as after loading (daily ones checked 25 hours ago, weekly ones 7
    days ago), nothing found yet: a kept database (--reuse) measures the same run again."""
    from django.db import connection

    connection.set_tenant(tenant)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM engagement_savedsearchalert")
        cursor.execute(
            "UPDATE engagement_savedsearch SET last_sent_at = NULL, last_checked_at = now() - "
            "CASE WHEN frequency = 'daily' THEN interval '25 hours' ELSE interval '7 days' END"
        )
        cursor.execute("VACUUM (ANALYZE) engagement_savedsearch")
    connection.set_schema_to_public()


def _compare_bounded_and_unbounded(tenant: Any, samples: int, seed: int) -> tuple[float, float]:
    """Median ms of one saved search's query: the whole search vs. the day's new missions."""
    from django.db import connection
    from django.utils import timezone

    from engagement.alerts.models import SavedSearch
    from engagement.alerts.selectors import saved_search_filters
    from engagement.missions.search import mission_search

    connection.set_tenant(tenant)
    rng = random.Random(seed)
    ids = list(SavedSearch.objects.values_list("pk", flat=True))
    chosen = SavedSearch.objects.filter(pk__in=rng.sample(ids, min(samples, len(ids))))
    now = timezone.now()
    unbounded, bounded = [], []
    for saved_search in chosen:
        filters = saved_search_filters(saved_search)
        started = time.perf_counter()
        list(mission_search(filters=filters).order_by().values_list("pk", "published_at"))
        unbounded.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        list(
            mission_search(filters=filters)
            .filter(published_at__gt=now - timedelta(days=1), published_at__lte=now)
            .order_by()
            .values_list("pk", "published_at")
        )
        bounded.append((time.perf_counter() - started) * 1000)
    connection.set_schema_to_public()
    return statistics.median(unbounded), statistics.median(bounded)


def _run(tenant: Any, send: int) -> dict[str, Any]:
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from engagement.alerts.services import saved_search_alerts_evaluate, saved_search_alerts_send

    connection.set_tenant(tenant)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        evaluation = saved_search_alerts_evaluate()
        evaluated_in = time.perf_counter() - started
    evaluation_queries = len(queries)

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            sent = saved_search_alerts_send(
                saved_search_ids=evaluation.to_send[:send] if send else evaluation.to_send
            )
            sent_in = time.perf_counter() - started
        produced = len(mail.outbox)
        one_click = all(
            message.extra_headers.get("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
            for message in mail.outbox
        )
    connection.set_schema_to_public()
    return {
        "evaluation": evaluation,
        "evaluated_in": evaluated_in,
        "evaluation_queries": evaluation_queries,
        "sent": sent,
        "produced": produced,
        "one_click": one_click,
        "sent_in": sent_in,
        "sending_queries": len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20_241)
    parser.add_argument("--samples", type=int, default=50, help="searches timed one by one")
    parser.add_argument(
        "--send", type=int, default=1000, help="e-mails sent and timed (0: every one)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use a kept database as it is")
    args = parser.parse_args()

    database = os.environ.get("BENCH_DATABASE", DEFAULT_DATABASE)
    cache_prefix = f"benchalerts{os.getpid()}"
    started = time.perf_counter()
    _prepare_database(database, reuse=args.reuse)
    try:
        _configure_django(database, cache_prefix)
        if not args.reuse:
            from django.core.management import call_command

            from tenants import provisioning

            call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
            provisioning.template_ensure(rebuild=True)
            _provision(args.count, args.seed)
        from tenants.models import Tenant

        paris = Tenant.objects.get(slug="paris")
        if not args.reuse or not _saved_search_count(paris):
            loaded = _load_saved_searches(paris, args.searches, args.seed)
            print(f"loaded: {loaded}")
        prepared = time.perf_counter() - started

        from django.db import connection

        connection.set_tenant(paris)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM engagement_mission")
            missions = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM engagement_mission WHERE status = 'published' "
                "AND published_at > now() - interval '1 day'"
            )
            last_day = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM engagement_mission WHERE status = 'published' "
                "AND published_at > now() - interval '7 days'"
            )
            last_week = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM engagement_savedsearch")
            searches = cursor.fetchone()[0]
        connection.set_schema_to_public()

        unbounded_ms, bounded_ms = _compare_bounded_and_unbounded(paris, args.samples, args.seed)
        _reset(paris)
        result = _run(paris, args.send)
        evaluation = result["evaluation"]

        print(f"machine: {machine_description()}")
        print(
            f"database {database}: paris {missions} missions ({last_day} published in the last "
            f"day, {last_week} in the last week), {searches} saved searches; "
            f"prepared in {prepared:.0f} s"
        )
        print()
        print(
            f"one saved search's ORM query, median of {args.samples}: whole search "
            f"{unbounded_ms:.1f} ms, "
            f"bounded to the new missions {bounded_ms:.1f} ms"
        )
        print(
            f"evaluation: {evaluation.searches} searches due, {evaluation.matches} new matches in "
            f"{result['evaluated_in']:.1f} s ({evaluation.searches / result['evaluated_in']:.0f} "
            f"searches/s), {result['evaluation_queries']} SQL statements"
        )
        print(
            f"sending: {len(evaluation.to_send)} searches with news, of which "
            f"{args.send or len(evaluation.to_send)} sent: {result['produced']} e-mails "
            f"produced in {result['sent_in']:.1f} s "
            f"({result['produced'] / max(result['sent_in'], 1e-9):.0f} e-mails/s), "
            f"{result['sending_queries']} SQL statements; one-click header on every e-mail: "
            f"{result['one_click']}"
        )
        print()
        met = result["evaluated_in"] <= 60 and evaluation.searches >= min(args.searches, 10_000)
        print(
            f"target ({args.searches} saved searches evaluated in <= 60 s): "
            + ("met" if met else "MISSED")
        )
    finally:
        from contextlib import suppress

        with suppress(Exception):
            _delete_cache_keys(cache_prefix)
        with suppress(Exception):
            from django.db import connections

            connections.close_all()
        if args.keep or args.reuse:
            print(f"database {database} kept (drop it with: dropdb {database})")
        else:
            _drop_database(database)


if __name__ == "__main__":
    main()

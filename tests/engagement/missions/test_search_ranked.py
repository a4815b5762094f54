"""Words by relevance: the page is read around the ranked matches (search._ranked_page_rows),
each match read once for its id and rank, counted and sorted as those two columns, and only the
page's rows joined back. Every page must give mission_search's rows (the reference order: rank
first, ties by id) with the exact total."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.missions import search, search_words
from engagement.missions.models import Mission
from engagement.missions.search import MissionSearchFilters, mission_search, mission_search_page
from tests.engagement.factories import CauseFactory, MissionFactory
from tests.engagement.missions.search_support import (
    PLANS,
    days_ahead,
    ids,
    mission_with_one_slot,
    page_in_another_tenant,
    pages_follow_the_reference,
    reference_rows,
    use_plan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def matches(in_paris):  # type: ignore[no-untyped-def]
    """Missions matching "vélo" at four ranks (title and summary, title, summary, description),
    several at each rank (ties broken by id), on dates a few days apart or ongoing; matches
    nobody can join, a draft and missions without the word."""
    sport = CauseFactory(slug="r-sport")

    def mission(days: int | None, **fields) -> Mission:  # type: ignore[no-untyped-def]
        return mission_with_one_slot(days, hour=14, hours=2, **fields)

    found = {
        "title and summary": mission(3, title="Vélo-école", summary="Apprendre le vélo"),
        "title 1": mission(2, title="Atelier vélo solidaire", causes=[sport]),
        "title 2": mission(None, title="Atelier vélo du quartier"),
        "title 3": mission(9, title="Bourse aux vélos", causes=[sport]),
        "summary 1": mission(4, title="Réparations", summary="Réparer un vélo"),
        "summary 2": mission(20, title="Samedi au garage", summary="Un vélo par famille"),
        "description 1": mission(
            5, title="Après-midi jeux", description="<p>Et un atelier vélo</p>", causes=[sport]
        ),
        "description 2": mission(None, title="Couture", description="<p>Sacoches de vélo</p>"),
        "couture": mission(4, title="Atelier couture"),
    }
    mission(-3, title="Vélo d'hier")  # its only slot has started: nobody can join it
    MissionFactory(title="Vélo en brouillon", status=Mission.Status.DRAFT)
    mission(2, title="Collecte alimentaire")
    return found


SHAPES = {
    "words": {"q": "vélo"},
    "words + dates": {"q": "velo", **days_ahead(1, 6)},
    "two words": {"q": "atelier vélo"},
    "either word": {"q": "vélo or couture"},
    "words + cause": {"q": "vélo", "causes": ("r-sport",)},
    "words, no match": {"q": "introuvable"},
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("plan", PLANS[:2])
@pytest.mark.parametrize("size", [1, 2, 3, 50])
def test_ranked_pages_follow_the_reference_order_with_the_exact_total(
    matches, shape, plan, size, monkeypatch
):
    use_plan(plan, monkeypatch)
    filters = MissionSearchFilters(**SHAPES[shape])
    assert filters.effective_sort == "relevance"
    expected = pages_follow_the_reference(filters, size=size)
    assert bool(expected) is (shape != "words, no match")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("plan", PLANS[:2])
def test_a_ranked_page_holds_what_mission_search_gives_value_for_value(
    matches, shape, plan, monkeypatch
):
    use_plan(plan, monkeypatch)
    filters = MissionSearchFilters(**SHAPES[shape])

    assert mission_search_page(filters=filters, offset=0, limit=50).results == reference_rows(
        filters
    )


def test_the_best_matches_come_first_and_equal_ranks_by_id(matches):
    rows = mission_search_page(filters=MissionSearchFilters(q="vélo"), offset=0, limit=50)
    by_id = {mission.pk: name for name, mission in matches.items()}

    assert [by_id[row.pk] for row in rows.results] == [
        "title and summary",
        "title 1",
        "title 2",
        "title 3",
        "summary 1",
        "summary 2",
        "description 1",
        "description 2",
    ]
    assert rows.total == 8


def test_a_ranked_page_past_the_end_still_tells_the_total(matches):
    filters = MissionSearchFilters(q="vélo")

    page = mission_search_page(filters=filters, offset=20, limit=5)

    assert (page.results, page.total, page.has_next) == ([], 8, False)


@pytest.mark.parametrize("plan", PLANS[:2])
def test_a_ranked_page_is_one_statement_in_any_tenant(matches, plan, monkeypatch):
    """No transaction or setting around it: PostgreSQL ranks in one backend (no parallel
    workers) in a large tenant too. There, words joined by OR are read from their missions
    best first (test_search_words.py); other queries, as both words here, are ranked after one
    statement that reads the query's lexemes."""
    use_plan(plan, monkeypatch)
    filters = MissionSearchFilters(q="vélo" if plan == "few missions" else "atelier vélo")
    search._tenant_has_many_missions()  # the tenant's size, kept by the process for a while
    search_words._query_lexemes.cache_clear()  # the lexemes of a text, kept by the process too
    with CaptureQueriesContext(connection) as captured:
        page = mission_search_page(filters=filters, offset=1, limit=2)

    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == (1 if plan == "few missions" else 2)
    statement = statements[-1]
    assert statement.startswith("SELECT ")
    assert "max_parallel_workers" not in statement
    assert "engagement_missionword" not in statement

    expected = ids(mission_search(filters=filters))
    assert ids(page.results) == expected[1:3]
    # "vélo": eight matches; "atelier vélo": the two workshops in their titles and the one in
    # a description.
    assert (page.total, len(expected), page.has_next) == (
        (8, 8, True) if plan == "few missions" else (3, 3, False)
    )


def _plan_nodes(plan: dict) -> list[dict]:  # type: ignore[type-arg]
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes += _plan_nodes(child)
    return nodes


def test_the_matches_are_counted_and_sorted_as_narrow_rows(matches):
    """The window that counts the matches and the sort that finds the page see two columns,
    the id and the rank: not the search vector (which spilled the window to disk past ~8,000
    matches) nor the page's columns (computed for the page's rows only)."""
    search._tenant_has_many_missions()  # the tenant's size, kept by the process for a while
    with CaptureQueriesContext(connection) as captured:
        mission_search_page(filters=MissionSearchFilters(q="vélo"), offset=0, limit=2)
    (statement,) = [query["sql"] for query in captured.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (VERBOSE, FORMAT JSON) " + statement)
        plan = cursor.fetchone()[0]
    nodes = _plan_nodes(plan[0]["Plan"])
    counted = [node for node in nodes if node["Node Type"] == "WindowAgg"]
    ranked = [node for node in nodes if "ts_rank" in " ".join(node.get("Sort Key", []))]
    narrow = counted + ranked

    assert (len(counted), len(ranked)) == (1, 1)
    for node in narrow:
        # The id, the rank (computed by the scan below) and the count.
        assert len(node["Output"]) == 3
        assert [item for item in node["Output"] if item.startswith("ts_rank(")] == []
        assert not any(item.endswith(".search_vector") for item in node["Output"])


def test_ranked_words_stay_in_the_current_tenant(matches, montreal):
    words = MissionSearchFilters(q="vélo")
    in_montreal = page_in_another_tenant(montreal, words, title="Vélo à Montréal")
    in_paris = mission_search_page(filters=MissionSearchFilters(q="vélo"), offset=0, limit=50)

    assert ([row.title for row in in_montreal.results], in_montreal.total) == (
        ["Vélo à Montréal"],
        1,
    )
    assert "Vélo à Montréal" not in {row.title for row in in_paris.results}
    assert in_paris.total == 8

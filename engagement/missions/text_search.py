"""Full-text search plumbing shared by the services (which refresh the vector after a write) and
the selectors (which query it): French and English stemming over accent-free text."""

from __future__ import annotations

import html
from collections.abc import Iterable

import nh3
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Func, TextField, Value
from django.db.models.functions import Coalesce

from engagement.missions.models import Mission

SEARCH_CONFIGS = ("french", "english")


class Unaccent(Func):
    function = "public.entraide_unaccent"
    output_field = TextField()


def _vector_for(text: str, weight: str) -> SearchVector:
    vectors = [
        SearchVector(Unaccent(Value(text)), config=config, weight=weight)
        for config in SEARCH_CONFIGS
    ]
    combined = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def html_to_text(markup: str) -> str:
    """The words of sanitized HTML: tags dropped (script and style with their content), entities
    decoded so "&amp;" is not indexed as a word."""
    return html.unescape(nh3.clean(markup or "", tags=set())).strip()


def mission_search_vector_refresh(*, mission_ids: Iterable[int]) -> None:
    """Recompute the search vector of these missions from their current texts, and their words
    (MissionWord)."""
    ids = list(mission_ids)
    for mission in Mission.objects.filter(pk__in=ids).only(
        "title", "summary", "description", "city", "postcode"
    ):
        vector = (
            _vector_for(mission.title, "A")
            + _vector_for(mission.summary, "B")
            + _vector_for(html_to_text(mission.description), "C")
            + _vector_for(f"{mission.city} {mission.postcode}", "D")
        )
        Mission.objects.filter(pk=mission.pk).update(search_vector=vector)
    mission_words_refresh(mission_ids=ids)


# Each word of the missions' vectors and the rank of the mission for that word alone
# (MissionWord): of every mission, unless a condition on `m` is added. The word becomes a
# tsquery of itself quoted, its quotes and backslashes doubled as the tsquery syntax asks, so
# that no lexeme reads as an operator.
MISSION_WORDS_SQL = r"""
INSERT INTO engagement_missionword (mission_id, lexeme, rank)
SELECT m.id, w.lexeme,
       ts_rank(m.search_vector,
               ('''' || replace(replace(w.lexeme, '\', '\\'), '''', '''''') || '''')::tsquery)
FROM engagement_mission AS m CROSS JOIN LATERAL unnest(m.search_vector) AS w
WHERE m.search_vector IS NOT NULL
"""


def mission_words_refresh(*, mission_ids: list[int]) -> None:
    """The words of these missions (MissionWord), from their search vectors as they are now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM engagement_missionword WHERE mission_id = ANY(%s)", [mission_ids]
        )
        cursor.execute(f"{MISSION_WORDS_SQL} AND m.id = ANY(%s)", [mission_ids])


def search_query(text: str) -> SearchQuery:
    """A query matching the words in either language, accents ignored."""
    cleaned = Coalesce(Unaccent(Value(text)), Value(""))
    query = SearchQuery(cleaned, config="french", search_type="websearch")
    return query | SearchQuery(cleaned, config="english", search_type="websearch")


# search_query's SQL as the ORM writes it, its parameters given by search_query_sql.
_SEARCH_QUERY_SQL = (
    "("
    + " || ".join(
        f"websearch_to_tsquery(%s::regconfig, COALESCE({Unaccent.function}(%s), %s))"
        for _config in SEARCH_CONFIGS
    )
    + ")"
)


def search_query_sql(text: str) -> tuple[str, tuple[str, ...]]:
    """search_query(text) as SQL and its parameters: the statement the ORM compiles from it
    (tests/engagement/missions/test_text_search.py compares them), written without building,
    resolving and compiling its expressions on each search. For a search by words those took
    1.6 ms of CPU, a third of the request's Python (docs/benchmarks.md, "Broad search")."""
    params = tuple(value for config in SEARCH_CONFIGS for value in (config, text, ""))
    return _SEARCH_QUERY_SQL, params

"""The words' query written as SQL (text_search.search_query_sql) is the ORM's, and the search's
conditions built from it are those the ORM would write."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchRank, SearchVectorExact
from django.db import connection
from django.db.models import F, Q
from django.db.models.sql import Query

from engagement.missions import search
from engagement.missions.models import Mission, remote_search_vector
from engagement.missions.text_search import search_query, search_query_sql
from tests.engagement.factories import MissionFactory

TEXTS = ["jardin", "aide aux devoirs", "l'été -nuit", '"repas chaud" OR café', "100 % 'quoted'"]


@pytest.mark.parametrize("text", TEXTS)
def test_the_query_s_sql_is_the_one_the_orm_compiles(text):
    query = Query(Mission)
    compiler = query.get_compiler(connection=connection)

    sql, params = compiler.compile(search_query(text).resolve_expression(query))

    assert search_query_sql(text) == (sql, tuple(params))


def _statement(queryset) -> tuple[str, tuple]:  # type: ignore[no-untyped-def]
    sql, params = queryset.query.sql_with_params()
    # RawSQL wraps its SQL in parentheses, which the ORM's lookups do not write.
    return sql.replace("(", "").replace(")", ""), tuple(params)


@pytest.mark.parametrize("remote", [False, True])
def test_the_search_s_words_condition_and_rank_are_the_orm_s(remote):
    text = "aide aux devoirs"
    orm_match = (
        SearchVectorExact(remote_search_vector(), search_query(text))
        if remote
        else Q(search_vector=search_query(text))
    )
    orm = Mission.objects.filter(orm_match).annotate(
        rank=SearchRank(F("search_vector"), search_query(text))
    )
    written = Mission.objects.filter(search._words_match(text, remote=remote)).annotate(
        rank=search._words_rank(text)
    )

    assert _statement(written.values("pk", "rank")) == _statement(orm.values("pk", "rank"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "titles"),
    [
        ("jardins", {"Jardin partagé du quartier"}),
        ("jardin -partagé", set()),
        ("collecte OR jardin", {"Jardin partagé du quartier", "Collecte alimentaire"}),
    ],
)
def test_the_written_query_finds_what_the_orm_s_finds(in_paris, text, titles):
    MissionFactory(title="Jardin partagé du quartier")
    MissionFactory(title="Collecte alimentaire")

    expected = Mission.objects.filter(search_vector=search_query(text))
    found = Mission.objects.filter(search._words_match(text, remote=False))

    assert set(found.values_list("title", flat=True)) == titles
    assert set(found) == set(expected)

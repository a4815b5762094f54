"""Words by relevance in a tenant with many missions: the page is read from each word's missions
best first (MissionWord, engagement.missions.search_words) instead of ranking every match. Every
page must give mission_search's rows (the reference order: ts_rank first, ties by id), whichever
way the walk ends: sure of the page after its first round, after more rounds, from every
mission's sum of ranks, or, with a cause or a skill, by ranking every match after one round; and
the words must follow the missions' vectors."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.missions import search, search_words
from engagement.missions.models import Mission, MissionWord
from engagement.missions.search import MissionSearchFilters, mission_search, mission_search_page
from engagement.missions.search_words import query_lexemes
from engagement.missions.services import mission_update
from engagement.missions.text_search import mission_words_refresh
from tests.engagement.factories import CauseFactory, MissionFactory, SlotFactory
from tests.engagement.missions.search_support import (
    days_ahead,
    ids,
    mission_with_one_slot,
    page_in_another_tenant,
    pages_follow_the_reference,
    reference_rows,
)

pytestmark = pytest.mark.django_db

# How the walk ends, each forced on the small data of the tests:
WALKS = {
    # the first round reads every match of each word (64 or more per word): exact total;
    "one round": {},
    # as few missions per word as the page needs, three rounds (x4 each): the threshold decides
    # on ties, or the last round reads every match;
    "short rounds": {"WALK_FIRST": 1, "WALK_ROUNDS": 3},
    # one such round: the threshold decides, or every mission's sum of ranks gives the page;
    "one short round": {"WALK_FIRST": 1, "WALK_ROUNDS": 1},
    # straight to the sums, the page's rows sorted first (top-N): when the filters reject some of
    # them, all the sums are sorted.
    "sums": {"THRESHOLD_MAX_WANTED": 0, "SUMS_READ_PER_ROW": 1},
}


def _use_walk(walk: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "_tenant_has_many_missions", lambda: True)
    for name, value in WALKS[walk].items():
        monkeypatch.setattr(search_words, name, value)


@pytest.fixture
def refuges(in_paris):  # type: ignore[no-untyped-def]
    """Missions found by "réfugiés" ('refug' | 'refugi': the French and the English stem). The
    French stem is also that of "refuge", so the best missions for 'refug' alone (a refuge in
    the title, twice: both languages give 'refug') are not the best for the query, as in the
    benchmark's data. Several missions at each rank (ties by id), dated or ongoing, some with a
    cause, some remote; one nobody can join, a draft, and missions without the words."""
    shelter = CauseFactory(slug="w-shelter")

    def mission(days: int | None, **fields) -> Mission:  # type: ignore[no-untyped-def]
        return mission_with_one_slot(days, hour=10, hours=3, **fields)

    found = [
        mission(2, title="Refuge pour chats", causes=[shelter]),
        mission(None, title="Refuge du quartier", is_remote=True),
        mission(5, title="Refuge de montagne", summary="Chantier"),
        mission(3, title="Accueil des réfugiés", causes=[shelter]),
        mission(None, title="Cours pour réfugiés", is_remote=True),
        mission(8, title="Réfugiés : repas du soir"),
        mission(4, title="Refuge et réfugiés", causes=[shelter]),
        mission(1, title="Maraude", summary="Aller vers les réfugiés", is_remote=True),
        mission(6, title="Soutien scolaire", summary="Un refuge pour les devoirs"),
        mission(None, title="Traduction", description="<p>Pour des familles réfugiées</p>"),
        mission(9, title="Tri de dons", description="<p>Au refuge</p>", causes=[shelter]),
    ]
    mission(-2, title="Réfugiés d'hier")  # its only slot has started: nobody can join it
    MissionFactory(title="Réfugiés en brouillon", status=Mission.Status.DRAFT)
    mission(2, title="Collecte alimentaire")
    return found


SHAPES = {
    "two stems": {"q": "réfugiés"},
    "two stems + dates": {"q": "refugies", **days_ahead(1, 5)},
    "one stem": {"q": "refuge"},
    "either word": {"q": "réfugiés or chats"},
    "words + cause": {"q": "réfugiés", "causes": ("w-shelter",)},
    "words + remote": {"q": "réfugiés", "remote": True},
    "no match": {"q": "introuvable"},
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("walk", WALKS)
@pytest.mark.parametrize("size", [1, 2, 3, 50])
def test_pages_by_words_follow_the_reference_order_and_total(
    refuges, shape, walk, size, monkeypatch
):
    _use_walk(walk, monkeypatch)
    filters = MissionSearchFilters(**SHAPES[shape])
    assert filters.effective_sort == "relevance"
    assert query_lexemes(filters.q)  # words joined by OR: the walk's queries
    expected = pages_follow_the_reference(filters, size=size)
    assert bool(expected) is (shape != "no match")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("walk", WALKS)
def test_a_page_by_words_holds_what_mission_search_gives_value_for_value(
    refuges, shape, walk, monkeypatch
):
    _use_walk(walk, monkeypatch)
    filters = MissionSearchFilters(**SHAPES[shape])

    assert mission_search_page(filters=filters, offset=0, limit=50).results == reference_rows(
        filters
    )


def test_the_query_s_rank_is_the_sum_of_its_words_ranks_over_their_number(refuges):
    """What the walk relies on (PostgreSQL's calc_rank_or), checked on every match: up to
    float4 rounding, which the order of the tests above shows is not enough to swap two."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT m.id, ts_rank(m.search_vector, q.query),
                   (SELECT sum(w.rank) FROM engagement_missionword AS w
                    WHERE w.mission_id = m.id AND w.lexeme = ANY(%s)) / 2
            FROM engagement_mission AS m,
                 (SELECT websearch_to_tsquery('french', 'refugies')
                      || websearch_to_tsquery('english', 'refugies') AS query) AS q
            WHERE m.search_vector @@ q.query
            """,
            [["refug", "refugi"]],
        )
        rows = cursor.fetchall()

    assert len(rows) >= 12
    for mission_id, rank, summed in rows:
        assert summed == pytest.approx(rank, rel=1e-6), mission_id


@pytest.mark.parametrize(
    ("lexemes", "later_only"),
    [
        (["refug"], False),
        # the refuges hold the first word alone; every "réfugiés" holds both
        (["refug", "refugi"], False),
        # the refuges hold the second word alone
        (["refugi", "refug"], True),
        (["chat", "refug", "refugi"], True),
    ],
)
def test_the_sums_give_every_mission_with_a_word_its_sum_of_their_ranks(
    refuges, lexemes, later_only
):
    """_sums_sql joins each word's missions to the previous words' (FULL JOIN): a mission
    holding only the first word, or only later ones, keeps its sum. Compared with the plain
    GROUP BY over the words' rows, mission for mission and value for value."""
    sql, params = search_words._sums_sql(lexemes)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        summed = sorted(cursor.fetchall())
        cursor.execute(
            "SELECT mission_id, sum(rank) FROM engagement_missionword "
            "WHERE lexeme = ANY(%s) GROUP BY mission_id",
            [lexemes],
        )
        expected = sorted(cursor.fetchall())

    assert len(summed) >= 11
    assert summed == expected
    first = set(MissionWord.objects.filter(lexeme=lexemes[0]).values_list("mission", flat=True))
    assert bool({mission_id for mission_id, _ in summed} - first) is later_only


def test_a_mission_s_words_are_its_vector_s_lexemes_each_with_its_rank_alone(in_paris):
    mission = MissionFactory(title="Jardin partagé", summary="Arroser le jardin")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w.lexeme, ts_rank(m.search_vector, plainto_tsquery('simple', w.lexeme)) "
            "FROM engagement_mission AS m, unnest(m.search_vector) AS w WHERE m.id = %s",
            [mission.pk],
        )
        expected = sorted(cursor.fetchall())

    stored = sorted(MissionWord.objects.filter(mission=mission).values_list("lexeme", "rank"))
    assert [lexeme for lexeme, _ in stored] == [lexeme for lexeme, _ in expected]
    assert "jardin" in dict(stored)
    for (lexeme, rank), (_, reference) in zip(stored, expected, strict=True):
        assert rank == pytest.approx(reference, rel=1e-7), lexeme
        assert rank > 0


def test_the_words_follow_the_mission_s_texts_and_go_with_it(organization, org_editor):
    mission = MissionFactory(organization=organization, title="Jardin partagé")
    other = MissionFactory(title="Jardin des plantes")

    mission_update(mission=mission, actor=org_editor, title="Atelier vélo")

    words = set(MissionWord.objects.filter(mission=mission).values_list("lexeme", flat=True))
    assert "velo" in words
    assert "jardin" not in words
    assert MissionWord.objects.filter(mission=other, lexeme="jardin").exists()

    mission.delete()
    assert not MissionWord.objects.filter(mission_id=mission.pk).exists()
    assert MissionWord.objects.filter(mission=other).exists()


def test_a_lexeme_with_quotes_or_backslashes_is_ranked_as_itself(in_paris):
    """The word is written into a tsquery quoted: quotes, backslashes and operator characters
    stay part of it (each mission has a rank for each of its words, never 0 or an error)."""
    mission = MissionFactory(title="Sans importance")
    lexemes = ["it's", "a\\b", "x:y", "&|!", "(a)", "plain"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE engagement_mission SET search_vector = array_to_tsvector(%s) WHERE id = %s",
            [lexemes, mission.pk],
        )
    mission_words_refresh(mission_ids=[mission.pk])

    stored = dict(MissionWord.objects.filter(mission=mission).values_list("lexeme", "rank"))
    assert sorted(stored) == sorted(lexemes)
    assert len(set(stored.values())) == 1
    assert all(rank > 0 for rank in stored.values())


@pytest.mark.parametrize(
    ("text", "lexemes"),
    [
        ("réfugiés", ["refug", "refugi"]),
        ("cafe", ["caf", "cafe"]),
        ("jardin", ["jardin"]),
        ("réfugiés or chats", ["chat", "refug", "refugi"]),
        ("atelier vélo", None),  # AND: ranked otherwise (calc_rank_and)
        ('"vélo école"', None),  # a phrase
        ("vélo -couture", None),  # NOT
        ("l'eau", None),  # two words in one language
    ],
)
def test_only_words_joined_by_or_are_walked(in_paris, text, lexemes):
    assert query_lexemes(text) == lexemes


def test_other_queries_are_ranked_as_in_a_smaller_tenant(refuges, monkeypatch):
    _use_walk("one round", monkeypatch)
    filters = MissionSearchFilters(q="refuge chats")  # both words: AND

    with CaptureQueriesContext(connection) as captured:
        page = mission_search_page(filters=filters, offset=0, limit=50)

    assert page.results == reference_rows(filters)
    assert page.total == 1
    assert "engagement_missionword" not in captured.captured_queries[-1]["sql"]


@pytest.mark.parametrize(
    "place",
    [
        {"lat": 48.8566, "lng": 2.3522, "radius_km": 5.0},
        {"bbox": (2.2, 48.8, 2.5, 48.9)},
    ],
)
def test_words_with_a_place_rank_the_place_s_matches(refuges, monkeypatch, place):
    """A place finds few candidates from its own index: they are ranked, not walked."""
    _use_walk("one round", monkeypatch)
    filters = MissionSearchFilters(q="réfugiés", sort="relevance", **place)

    with CaptureQueriesContext(connection) as captured:
        page = mission_search_page(filters=filters, offset=0, limit=50)

    assert not any("engagement_missionword" in query["sql"] for query in captured.captured_queries)
    assert ids(page.results) == ids(mission_search(filters=filters))
    assert page.total > 0


def test_a_page_by_words_takes_three_statements(refuges, monkeypatch):
    """The query's lexemes, the walk (one round here), the page's rows with the total; the
    process keeps the lexemes of a text, so the same words again take two."""
    _use_walk("one round", monkeypatch)
    filters = MissionSearchFilters(q="réfugiés", **days_ahead(1, 5))
    search._tenant_has_many_missions()
    search_words._query_lexemes.cache_clear()

    with CaptureQueriesContext(connection) as captured:
        page = mission_search_page(filters=filters, offset=1, limit=2)
    with CaptureQueriesContext(connection) as again:
        mission_search_page(filters=filters, offset=0, limit=2)

    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == 3
    assert "engagement_missionword" in statements[1]
    assert ids(page.results) == ids(mission_search(filters=filters))[1:3]
    # The walk, then the rows: no statement for the lexemes.
    assert len(again.captured_queries) == 2
    assert "engagement_missionword" in again.captured_queries[0]["sql"]


def test_a_page_by_words_with_a_cause_looks_the_cause_up_once(refuges, monkeypatch):
    """The walk's filters and the page's are built from one lookup of the cause's id: the
    lookup, the walk, the page's rows (the lexemes kept by the process)."""
    _use_walk("one round", monkeypatch)
    filters = MissionSearchFilters(q="réfugiés", causes=("w-shelter",))
    search._tenant_has_many_missions()
    mission_search_page(filters=filters, offset=0, limit=2)

    with CaptureQueriesContext(connection) as captured:
        page = mission_search_page(filters=filters, offset=0, limit=2)

    statements = [query["sql"] for query in captured.captured_queries]
    assert sum("engagement_cause" in sql and "slug = ANY" in sql for sql in statements) == 1
    assert len(statements) == 3
    assert "engagement_missionword" in statements[1]
    assert ids(page.results) == ids(mission_search(filters=filters))[:2]


def test_beyond_the_cap_the_total_says_more_unless_every_match_was_read(refuges, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_EXACT_TOTAL_LIMIT", 3)
    filters = MissionSearchFilters(q="réfugiés")
    expected = ids(mission_search(filters=filters))
    assert len(expected) > 3

    # The first round read every match of both words: the total is known.
    _use_walk("one round", monkeypatch)
    read = mission_search_page(filters=filters, offset=0, limit=2)
    assert (read.total, read.total_is_exact) == (len(expected), True)

    # A short round did not: counted up to the cap.
    _use_walk("one short round", monkeypatch)
    walked = mission_search_page(filters=filters, offset=0, limit=2)
    assert ids(walked.results) == expected[:2]
    assert (walked.total, walked.total_is_exact, walked.has_next) == (3, False, True)

    # Past the end, a page found from the sums is counted apart (the walk for it would read
    # every match here).
    _use_walk("sums", monkeypatch)
    past_the_end = mission_search_page(filters=filters, offset=40, limit=2)
    assert (past_the_end.results, past_the_end.total, past_the_end.total_is_exact) == (
        [],
        3,
        False,
    )


def test_a_tie_with_the_threshold_is_settled_by_the_ids_not_read(in_paris, monkeypatch):
    """Vectors written by hand, so that ranks tie exactly (a B weight ranks twice a C one):
    'refug' alone in the summary ranks the last mission created as high as both words in the
    description rank the others. With two missions read per word, the second best read ties
    with the threshold, but a mission not read yet ties too with a smaller id: the walk must
    read on rather than take the page."""
    vectors = {
        "both first": "'refug':1C 'refugi':2C",
        "refugi only": "'refugi':1C",
        "both later": "'refug':1C 'refugi':2C",
        "refug twice as high": "'refug':1B",
    }
    created = {}
    for name, vector in vectors.items():
        mission = MissionFactory(title=name)
        SlotFactory(mission=mission, ongoing=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE engagement_mission SET search_vector = %s::tsvector WHERE id = %s",
                [vector, mission.pk],
            )
        created[mission.pk] = name
    mission_words_refresh(mission_ids=list(created))
    _use_walk("short rounds", monkeypatch)
    filters = MissionSearchFilters(q="réfugiés")

    where, params = search._search_candidates(filters, words_tested=False).missions_where

    # The first two: the walk reads two missions per word first (the page's row and the one
    # that tells whether another page follows).
    walked = search_words.words_walk(["refug", "refugi"], where, params, wanted=2)

    expected = ids(mission_search(filters=filters))
    assert [created[pk] for pk in expected] == [
        "both first",
        "both later",
        "refug twice as high",
        "refugi only",
    ]
    assert walked is not None
    assert walked.ids == expected[:2]


def _count_sums(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one each time the walk builds a statement of the sums."""
    summed: list[int] = []
    original = search_words._summed_sql

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        summed.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(search_words, "_summed_sql", counted)
    return summed


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        # One word: its missions best first are the query's; the first round is enough.
        ("refuge", "threshold"),
        # 'refug' | 'refugi': the best for 'refug' (a refuge, twice) are not the query's best,
        # and a short round cannot rule out the missions not read: the sums decide.
        ("réfugiés", "sums"),
    ],
)
def test_how_a_short_walk_ends(refuges, monkeypatch, text, ends):
    _use_walk("one short round", monkeypatch)
    summed = _count_sums(monkeypatch)
    filters = MissionSearchFilters(q=text)

    page = mission_search_page(filters=filters, offset=0, limit=2)

    assert ids(page.results) == ids(mission_search(filters=filters))[:2]
    assert ("sums" if summed else "threshold") == ends


@pytest.mark.parametrize(
    ("asked", "ends"),
    [
        # Without a cause, a round that cannot settle the page leads to the sums.
        ({}, "sums"),
        # With a cause (or a skill), to ranking every match of the words and the cause, found
        # from their joint index (mission_published_search_taxa): no second round, no sums.
        ({"causes": ("w-shelter",)}, "ranked"),
        # With remote, the same, from the remote missions' words (mission_remote_search).
        ({"remote": True}, "ranked"),
    ],
)
def test_with_a_cause_or_remote_a_round_that_cannot_settle_the_page_ranks_every_match(
    refuges, monkeypatch, asked, ends
):
    # Rounds of one mission per word: one allowed without a cause or remote, three with them
    # (where the walk then takes one only).
    _use_walk("one short round" if ends == "sums" else "short rounds", monkeypatch)
    summed = _count_sums(monkeypatch)
    filters = MissionSearchFilters(q="réfugiés", **asked)
    expected = ids(mission_search(filters=filters))

    with CaptureQueriesContext(connection) as captured:
        page = mission_search_page(filters=filters, offset=0, limit=1)

    statements = [query["sql"] for query in captured.captured_queries]
    rounds = [sql for sql in statements if sql.startswith('WITH "w0"')]
    ranked = [sql for sql in statements if "ts_rank" in sql]
    assert ids(page.results) == expected[:1]
    assert len(rounds) == 1
    assert bool(summed) == (ends == "sums")
    assert bool(ranked) == (ends == "ranked")
    # The cause's id, looked up once for the round and the ranked page.
    assert sum("slug = ANY" in sql for sql in statements) == (1 if "causes" in asked else 0)


@pytest.mark.parametrize("walk", [None, *WALKS])
def test_words_with_remote_find_the_remote_missions_with_the_words(refuges, walk, monkeypatch):
    """Words with `remote` are tested as the remote missions' words (remote_search_vector):
    the same missions as the flag and the words, whichever way the page is found (every match
    ranked in a smaller tenant, None, or walked)."""
    if walk is not None:
        _use_walk(walk, monkeypatch)
    filters = MissionSearchFilters(q="réfugiés", remote=True)

    page = mission_search_page(filters=filters, offset=0, limit=50)

    assert {row.title for row in page.results} == {
        "Refuge du quartier",
        "Cours pour réfugiés",
        "Maraude",
    }
    assert (page.total, page.total_is_exact) == (3, True)


def test_a_page_deeper_than_the_walk_s_limit_ranks_every_match(refuges, monkeypatch):
    _use_walk("one round", monkeypatch)
    monkeypatch.setattr(search_words, "WALK_MAX", 2)
    filters = MissionSearchFilters(q="réfugiés")
    expected = ids(mission_search(filters=filters))

    with CaptureQueriesContext(connection) as captured:
        page = mission_search_page(filters=filters, offset=3, limit=2)

    assert ids(page.results) == expected[3:5]
    assert (page.total, page.total_is_exact) == (len(expected), True)
    assert not any("engagement_missionword" in query["sql"] for query in captured.captured_queries)


def test_words_stay_in_the_current_tenant(refuges, montreal, monkeypatch):
    _use_walk("one round", monkeypatch)
    words = MissionSearchFilters(q="réfugiés")
    in_montreal = page_in_another_tenant(montreal, words, title="Réfugiés à Montréal")
    in_paris = mission_search_page(filters=words, offset=0, limit=50)

    assert ([row.title for row in in_montreal.results], in_montreal.total) == (
        ["Réfugiés à Montréal"],
        1,
    )
    assert "Réfugiés à Montréal" not in {row.title for row in in_paris.results}
    assert in_paris.total == len(ids(mission_search(filters=words)))


# --- The total of a walk that did not read every match -----------------------------------------

# How the total is counted, each forced: from the words' missions (the share of the first round
# always enough), with a budget that settles it or one that runs out at once (then the text
# index counts); from the text index alone (no share is enough).
COUNTS = {
    "words": {"COUNT_FROM_WORDS_MIN_SHARE": 0.0},
    "words, budget spent": {"COUNT_FROM_WORDS_MIN_SHARE": 0.0, "COUNT_FROM_WORDS_BUDGET": 1},
    "text index": {"COUNT_FROM_WORDS_MIN_SHARE": 2.0},
}


def _use_count(count: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in COUNTS[count].items():
        monkeypatch.setattr(search_words, name, value)


def _counted_by(statements: list[str]) -> str:
    """Which count a page's statements carry: the words' (numbered as read) or the index's."""
    page = statements[-1]
    return "words" if 'row_number() OVER () AS "read"' in page else "text index"


# A cause or remote: a round that cannot settle the page ranks every match (exact total).
COUNTED_SHAPES = ["two stems", "two stems + dates", "one stem", "either word"]


@pytest.mark.parametrize("shape", COUNTED_SHAPES)
@pytest.mark.parametrize("count", COUNTS)
@pytest.mark.parametrize("cap", [2, 3, 1_000])
def test_a_total_counted_apart_is_the_reference_s_up_to_the_cap(
    refuges, shape, count, cap, monkeypatch
):
    """A short round leaves the total to a count: whichever counts it, up to the cap it is the
    number of mission_search's rows, and beyond it the page says more."""
    _use_walk("one short round", monkeypatch)
    _use_count(count, monkeypatch)
    monkeypatch.setattr(search, "SEARCH_EXACT_TOTAL_LIMIT", cap)
    filters = MissionSearchFilters(**SHAPES[shape])
    expected = len(ids(mission_search(filters=filters)))

    first = mission_search_page(filters=filters, offset=0, limit=1)

    assert (first.total, first.total_is_exact) == (
        (expected, True) if expected <= cap else (cap, False)
    )


@pytest.mark.parametrize("count", COUNTS)
def test_a_page_whose_missions_went_since_the_walk_is_counted_alone(refuges, count, monkeypatch):
    """The walk read the page's missions, which are deleted before the page's statement reads
    them: no row carries the total, which is counted on its own, as it is then."""
    _use_walk("one short round", monkeypatch)
    _use_count(count, monkeypatch)
    walk = search.words_walk

    def then_deleted(*args, **kwargs):  # type: ignore[no-untyped-def]
        walked = walk(*args, **kwargs)
        Mission.objects.filter(pk__in=walked.ids).delete()
        return walked

    monkeypatch.setattr(search, "words_walk", then_deleted)
    filters = MissionSearchFilters(q="réfugiés")

    page = mission_search_page(filters=filters, offset=0, limit=1)

    assert (page.results, page.total, page.total_is_exact) == (
        [],
        len(ids(mission_search(filters=filters))),
        True,
    )


@pytest.mark.parametrize(
    ("asked", "counted_by"),
    [
        # Most of the words' missions pass (dates alone here): counted from the words.
        ({"q": "réfugiés"}, "words"),
        ({"q": "refugies", **days_ahead(1, 9)}, "words"),
        # A cause or remote: their matches come from an index with the words, which counts.
        ({"q": "réfugiés", "causes": ("w-shelter",)}, "text index"),
        ({"q": "réfugiés", "remote": True}, "text index"),
    ],
)
def test_the_words_count_when_most_of_their_missions_pass(refuges, monkeypatch, asked, counted_by):
    _use_walk("one short round", monkeypatch)
    filters = MissionSearchFilters(**asked)
    expected = ids(mission_search(filters=filters))
    mission_search_page(filters=filters, offset=0, limit=1)  # the lexemes, kept

    with CaptureQueriesContext(connection) as captured:
        page = mission_search_page(filters=filters, offset=0, limit=1)

    statements = [query["sql"] for query in captured.captured_queries]
    assert ids(page.results) == expected[:1]
    assert (page.total, page.total_is_exact) == (len(expected), True)
    assert _counted_by(statements) == counted_by


def test_few_missions_passing_leave_the_count_to_the_text_index(refuges, monkeypatch):
    """The first round's share under COUNT_FROM_WORDS_MIN_SHARE: the words' count would test
    too many missions for each that passes."""
    _use_walk("one short round", monkeypatch)
    filters = MissionSearchFilters(q="réfugiés", **days_ahead(1, 5))
    where, params = search._search_candidates(filters, words_tested=False).missions_where
    walked = search_words.words_walk(["refug", "refugi"], where, params, wanted=2)
    assert walked is not None and walked.passing_share is not None
    monkeypatch.setattr(search_words, "COUNT_FROM_WORDS_MIN_SHARE", walked.passing_share + 0.01)

    with CaptureQueriesContext(connection) as captured:
        page = mission_search_page(filters=filters, offset=0, limit=1)

    assert page.total == len(ids(mission_search(filters=filters)))
    assert _counted_by([query["sql"] for query in captured.captured_queries]) == "text index"


@pytest.mark.parametrize("dates", [{}, days_ahead(1, 5)])
def test_the_first_round_s_share_is_of_the_words_missions_it_went_through(
    refuges, dates, monkeypatch
):
    """Per word, its missions best first (ties by id) up to the last one the round read: of
    those, the share that passes the filters, over the words."""
    _use_walk("one round", monkeypatch)
    filters = MissionSearchFilters(q="réfugiés", **dates)
    passing = set(ids(mission_search(filters=filters)))
    went_through = passed = 0
    for lexeme in ("refug", "refugi"):
        order = list(
            MissionWord.objects.filter(lexeme=lexeme)
            .order_by("-rank", "mission_id")
            .values_list("mission_id", flat=True)
        )
        last = max(place for place, pk in enumerate(order) if pk in passing)
        went_through += last + 1
        passed += sum(pk in passing for pk in order)
    where, params = search._search_candidates(filters, words_tested=False).missions_where

    walked = search_words.words_walk(["refug", "refugi"], where, params, wanted=60)

    assert walked is not None and walked.complete
    assert walked.passing_share == pytest.approx(passed / went_through)
    assert 0 < walked.passing_share < 1  # the draft, the past mission and the dates fail


def test_the_words_count_a_mission_with_both_words_once(refuges):
    """A mission with 'refug' and 'refugi' is read under both words: counted under the first."""
    filters = MissionSearchFilters(q="réfugiés")
    where, params = search._search_candidates(filters, words_tested=False).missions_where
    both = set(MissionWord.objects.filter(lexeme="refug").values_list("mission_id", flat=True))
    both &= set(MissionWord.objects.filter(lexeme="refugi").values_list("mission_id", flat=True))
    assert both  # the data has such missions
    sql, sql_params = search_words.words_capped_count_sql(
        ["refug", "refugi"], where, params, cap=1_000, otherwise=("SELECT -1", ())
    )

    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        (total,) = cursor.fetchone()

    assert total == len(ids(mission_search(filters=filters)))


@pytest.mark.parametrize(("short_by", "counted"), [(0, "words"), (1, "otherwise")])
def test_the_words_count_stops_at_its_budget(refuges, monkeypatch, short_by, counted):
    """A budget of exactly the words' missions (each met once) lets the words end within it:
    their count is exact. One fewer, and `otherwise` gives the total."""
    filters = MissionSearchFilters(q="réfugiés")
    where, params = search._search_candidates(filters, words_tested=False).missions_where
    with_words = set(
        MissionWord.objects.filter(lexeme__in=["refug", "refugi"]).values_list(
            "mission_id", flat=True
        )
    )
    monkeypatch.setattr(search_words, "COUNT_FROM_WORDS_BUDGET", len(with_words) - short_by)
    sql, sql_params = search_words.words_capped_count_sql(
        ["refug", "refugi"], where, params, cap=1_000, otherwise=("SELECT -1", ())
    )

    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        (total,) = cursor.fetchone()

    expected = len(ids(mission_search(filters=filters)))
    assert total == (expected if counted == "words" else -1)


@pytest.mark.parametrize(
    ("asked", "measured"),
    [
        # The first round only: the later ones' share is not used.
        ({"q": "réfugiés"}, [True, False]),
        # A cause: its own index counts, no share is needed.
        ({"q": "réfugiés", "causes": ("w-shelter",)}, [False]),
    ],
)
def test_only_a_first_round_that_may_count_from_the_words_measures_its_share(
    refuges, monkeypatch, asked, measured
):
    _use_walk("short rounds", monkeypatch)
    filters = MissionSearchFilters(**asked)
    mission_search_page(filters=filters, offset=0, limit=1)  # the lexemes, kept

    with CaptureQueriesContext(connection) as captured:
        page = mission_search_page(filters=filters, offset=0, limit=1)

    rounds = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('WITH "w0"')]
    assert ['AS "seen"' in sql for sql in rounds][: len(measured)] == measured
    assert ids(page.results) == ids(mission_search(filters=filters))[:1]

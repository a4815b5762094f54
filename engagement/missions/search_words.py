"""The best matches of words, read from each word's missions best first (MissionWord), for a
search by relevance in a tenant with many missions.

Ranking every mission that matches reads each one's row for its vector: at 1,000,000 missions
"cafe" matches ~48,000 of them over ~37,000 pages, 150-250 ms whatever the page
(docs/benchmarks.md, "Broad search"). Our queries join their words by OR (search_query: the
French and the English reading of the same words, `'caf' | 'cafe'`), and PostgreSQL ranks such a
query as the sum of the ranks the mission has for each word alone (`calc_rank_or`), divided by
their number. MissionWord holds those ranks, and mission_word_by_rank gives a word's missions
best first, so the page is found by the threshold algorithm (Fagin, Lotem and Naor):

1. read the first K missions of each word that pass the search's other filters, best first,
   ties by id (one statement, with the full sum of every mission read);
2. a mission that was not read has, for each word, a rank at most the last one read for that
   word (or none, when the word's missions were all read): its sum is at most the sum of those
   last ranks, the threshold;
3. if the page's last row is above the threshold (or equal to it with a smaller id than any
   unread mission can have), the page is exact; else K grows (x4) and the walk starts again,
   for WALK_ROUNDS rounds;
4. if the rounds were not enough (a word's best missions are not the query's: "refugies" gives
   'refug' | 'refugi', and 'refug' alone ranks the refuges first), every mission with one of the
   words is summed from the index (each word's missions joined to the next word's by mission) and
   the best sums are tested against the filters in order.

A page deeper than WALK_MAX rows is left to the caller, which ranks every match as before. So
is a search with a cause, a skill or `remote` that the first round cannot settle (a narrowed
search): its matches are found from one index of the words with the causes and skills
(mission_published_search_taxa) or of the remote missions' words (mission_remote_search), and
ranking them all is faster than more rounds and the sums, whose best missions the filter mostly
rejects (at 1,000,000 missions, "refugies" with a cause: 42 ms ranked against 119 walked and
summed; docs/benchmarks.md, "Words with a cause" and "Words with remote").

When the walk did not read every match, the page's total is counted up to the cap
(search.SEARCH_EXACT_TOTAL_LIMIT + 1). Counted from the search's text index, a frequent word costs
its whole bitmap first (at 1,000,000 missions "repas": 47,875 matches, 6.7 ms) before the first
mission is tested. When the first round showed that the other filters pass at least
COUNT_FROM_WORDS_MIN_SHARE of the words' missions, the count reads them from MissionWord instead,
as the walk does, and stops at the cap: 1.2-1.9 ms for a word alone and 4.2-5.3 ms with a week of
dates there, against 3.2-9.7 and 11.3-19.7 (docs/benchmarks.md). A mission is counted under its
first word only (NOT EXISTS on the primary key for the earlier words). If COUNT_FROM_WORDS_BUDGET
missions are tested without reaching the cap or the end of the words, the text index counts them
as before: the share seen in the first round was not the share of the rest.

Sums of a few ranks (float4 values) are exact in float8, so the comparisons are exact. The order
is the sum's, best first, then the id: PostgreSQL's ts_rank of the whole query, up to its float4
rounding. Only queries of words joined by OR qualify: AND (several words each way), NOT, phrases,
prefixes and weights are ranked differently (`calc_rank_and`) and keep the plan that ranks every
match.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from engagement.missions.models import Mission
from engagement.missions.text_search import search_query_sql

# Missions read per word in the first round of the threshold algorithm, at least (the page's
# rows and those before it otherwise); then x4 per round, for WALK_ROUNDS rounds.
WALK_FIRST = 64
WALK_ROUNDS = 2
# Deeper pages go straight to the sums: the rounds would read thousands of missions per word.
THRESHOLD_MAX_WANTED = 4 * WALK_FIRST
# From the sums, the best SUMS_READ_PER_ROW missions per row wanted are sorted first (top-N);
# all of them only if the filters leave too few (at 1,000,000 missions, "refugies": 106,038
# missions summed, 74 ms with the top-N sort against 144 with a full one, when the sums were a
# GROUP BY; docs/benchmarks.md).
SUMS_READ_PER_ROW = 8
# The deepest page read this way (offset + rows + 1); beyond, every match is ranked.
WALK_MAX = 4_096
# The total of a walk that did not read every match is counted from the words' missions when
# the first round's filters passed at least this share of the missions it read: the cap is then
# expected within ~4,000 missions tested, half the budget, so that a share off by half still
# settles it. A mission tested costs about what the text index's bitmap costs per match
# (~2 µs with dates), so up to there the words' count saves the bitmap (docs/benchmarks.md).
COUNT_FROM_WORDS_MIN_SHARE = 0.25
# At most this many of the words' missions are tested before the text index counts instead.
COUNT_FROM_WORDS_BUDGET = 8_192
# Searched texts whose lexemes a process keeps (query_lexemes).
QUERY_LEXEMES_KEPT = 4_096

# The text of a tsquery made of plain lexemes joined by OR: 'caf' | 'cafe'. A lexeme is quoted,
# its quotes doubled and its backslashes escaped; a weight or prefix (`:A`, `:*`), `&`, `!`,
# `<->` or a parenthesis makes the text not match.
_LEXEME = r"'(?:[^'\\]|''|\\.)*'"
_OR_OF_LEXEMES = re.compile(rf"{_LEXEME}(?: \| {_LEXEME})*")
_QUOTED = re.compile(_LEXEME)
_ESCAPE = re.compile(r"''|\\(.)")

_MISSION = f'"{Mission._meta.db_table}"'


def _unquoted(token: str) -> str:
    return _ESCAPE.sub(lambda match: match.group(1) or "'", token[1:-1])


def query_lexemes(text: str) -> list[str] | None:
    """The distinct lexemes of search_query(text), when it is only lexemes joined by OR (one
    word gives `'caf' | 'cafe'`); None for any other query, or none with no lexeme."""
    lexemes = _query_lexemes(text)
    return None if lexemes is None else list(lexemes)


# The answer depends on the text alone (the text search configurations and the unaccent
# function are the server's, the same in every schema): kept per process, it saves each search
# by words a round trip (0.38 ms, 0.28 of them CPU, measured with "cafe").
@functools.lru_cache(maxsize=QUERY_LEXEMES_KEPT)
def _query_lexemes(text: str) -> tuple[str, ...] | None:
    sql, params = search_query_sql(text)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({sql})::text", params)  # noqa: S608 - constant SQL
        row = cursor.fetchone()
    written = row[0] if row else ""
    if not written or not _OR_OF_LEXEMES.fullmatch(written):
        return None
    return tuple(sorted({_unquoted(token) for token in _QUOTED.findall(written)}))


@dataclass(frozen=True)
class WordsWalk:
    """The first `wanted` missions by relevance (fewer if there are fewer), best first, and
    their sums of ranks. `complete`: every matching mission was read, and `matches` is their
    exact number."""

    ids: list[int]
    sums: list[float]
    complete: bool
    matches: int | None
    # The share of the words' missions read by the first round that passed the other filters
    # (None without a round: a page too deep for the rounds goes to the sums at once).
    passing_share: float | None = None


def _walk_sql(
    lexemes: list[str], where: str, where_params: tuple[Any, ...], k: int, *, measure: bool
) -> tuple[str, list[Any]]:
    """One round: each word's first k missions passing `where` (the search's other filters, on
    the unaliased mission table), best first; then the rows (-1, id, sum of the query's ranks,
    0, 0) of every mission read, and per word (its number, last id read, last rank read, how
    many, and with `measure` how many of the word's missions come up to the last one read,
    filtered or not: an index-only count of the range the round went through; else 0)."""
    walks: list[str] = []
    params: list[Any] = []
    for number, lexeme in enumerate(lexemes):
        walks.append(
            f'"w{number}" AS (SELECT "word"."mission_id", "word"."rank" '  # noqa: S608
            'FROM "engagement_missionword" AS "word" '
            f'JOIN {_MISSION} ON {_MISSION}."id" = "word"."mission_id" '
            f'WHERE "word"."lexeme" = %s AND {where} '
            'ORDER BY "word"."rank" DESC, "word"."mission_id" ASC LIMIT %s)'
        )
        params += [lexeme, *where_params, k]
    read = " UNION ".join(
        f'SELECT "mission_id" FROM "w{number}"'  # noqa: S608
        for number in range(len(lexemes))
    )
    # How many of the word's missions come up to the last one read: those ranked higher, and
    # those ranked the same up to its id (two ranges of the index; ranks often tie).
    seen = (
        (
            '(SELECT count(*) FROM "engagement_missionword" AS "seen" '
            'WHERE "seen"."lexeme" = %s AND "seen"."rank" > "last"."rank") + '
            '(SELECT count(*) FROM "engagement_missionword" AS "seen" '
            'WHERE "seen"."lexeme" = %s AND "seen"."rank" = "last"."rank" '
            'AND "seen"."mission_id" <= "last"."mission_id")'
        )
        if measure
        else "0"
    )
    ends = " UNION ALL ".join(
        f'(SELECT {number}, "last"."mission_id", "last"."rank", '  # noqa: S608
        f'(SELECT count(*) FROM "w{number}"), {seen} '
        f'FROM (SELECT "mission_id", "rank" FROM "w{number}" '
        'ORDER BY "rank" ASC, "mission_id" DESC LIMIT 1) AS "last")'
        for number in range(len(lexemes))
    )
    sql = (
        f'WITH {", ".join(walks)}, "read" AS ({read}) '  # noqa: S608
        'SELECT -1, "read"."mission_id", (SELECT sum("all"."rank") '
        'FROM "engagement_missionword" AS "all" '
        'WHERE "all"."mission_id" = "read"."mission_id" AND "all"."lexeme" = ANY(%s)), 0, 0 '
        f'FROM "read" UNION ALL {ends}'
    )
    seen_params = [lexeme for lexeme in lexemes for _ in range(2)] if measure else []
    return sql, [*params, lexemes, *seen_params]


def _threshold_walk(
    lexemes: list[str],
    where: str,
    where_params: tuple[Any, ...],
    *,
    wanted: int,
    rounds: int,
    measure_share: bool,
) -> tuple[WordsWalk | None, float | None]:
    """The threshold algorithm (module docstring), in up to `rounds` rounds: the walk, or None
    when it could not be sure of the first `wanted` missions; and, with `measure_share`, the
    share of the words' missions the first round read that passed the filters (None if no word
    had one, or not measured)."""
    k = max(WALK_FIRST, wanted)
    share = None
    for round_number in range(rounds):
        # Only the first round's share is used.
        measure = measure_share and round_number == 0
        sql, params = _walk_sql(lexemes, where, where_params, k, measure=measure)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        read = sorted((-row[2], row[1]) for row in rows if row[0] == -1)
        # Per word: its last mission read, and whether it has more (k of them were read). A
        # word none of whose missions passes the filters has no row: it has no more either.
        ends = [row for row in rows if row[0] >= 0]
        if measure:
            share = _passing_share(ends)
        open_ends = [row for row in ends if row[3] >= k]
        if not open_ends:
            return _walked(read[:wanted], complete=True, matches=len(read), share=share), share
        threshold = sum(row[2] for row in open_ends)
        last_id = max(row[1] for row in open_ends)
        if len(read) >= wanted:
            negated, mission_id = read[wanted - 1]
            if -negated > threshold or (-negated == threshold and mission_id <= last_id):
                walked = _walked(read[:wanted], complete=False, matches=None, share=share)
                return walked, share
        k *= 4
    return None, share


def _passing_share(ends: list[tuple[Any, ...]]) -> float | None:
    """Of the words' missions a round went through (up to each word's last one read), the share
    that passed the filters."""
    seen = sum(row[4] for row in ends)
    return sum(row[3] for row in ends) / seen if seen else None


def _walked(
    best: list[tuple[float, int]], *, complete: bool, matches: int | None, share: float | None
) -> WordsWalk:
    return WordsWalk(
        ids=[mission_id for _, mission_id in best],
        sums=[-negated for negated, _ in best],
        complete=complete,
        matches=matches,
        passing_share=share,
    )


def _sums_sql(lexemes: list[str]) -> tuple[str, list[Any]]:
    """Every mission with one of the words and its sum of their ranks ("mission_id", "total"),
    from the index alone (index-only: lexeme, rank, mission): the first word's missions, each
    next word's joined to them by mission (FULL JOIN: a mission may have any of the words).

    Not a GROUP BY over all the words' rows: at 1,000,000 missions the hash aggregate of
    "refugies" (159,123 rows, 106,038 missions) took 50 ms, its two hash joins 20; one word is
    its index read in order (13 ms → 0.1 for a page of "jardin"). The sum of a mission's ranks
    is the same either way: one row per mission and word (the primary key), and sums of a few
    float4 ranks are exact in float8 whatever their order."""
    word = (
        'SELECT "mission_id", "rank" AS "total" FROM "engagement_missionword" WHERE "lexeme" = %s'
    )
    sql = word
    for _ in lexemes[1:]:
        sql = (
            'SELECT coalesce("sums"."mission_id", "word"."mission_id") AS "mission_id", '  # noqa: S608
            'coalesce("sums"."total", 0) + coalesce("word"."total", 0) AS "total" '
            f'FROM ({sql}) AS "sums" FULL JOIN ({word}) AS "word" '
            'ON "word"."mission_id" = "sums"."mission_id"'
        )
    return sql, list(lexemes)


def _summed_sql(
    lexemes: list[str], where: str, where_params: tuple[Any, ...], wanted: int, best: int | None
) -> tuple[str, list[Any]]:
    """Every mission with one of the words and its sum of their ranks (_sums_sql); the `best` of
    them (all if None: a full sort instead of a top-N one), best first; then the missions in
    that order, each tested against the other filters, until `wanted` pass (a nested loop under
    the limit, the sort being the subquery's order)."""
    sums, sums_params = _sums_sql(lexemes)
    sql = (
        'SELECT "summed"."mission_id", "summed"."total" FROM ('  # noqa: S608
        f'SELECT "sums"."mission_id", "sums"."total" FROM ({sums}) AS "sums" '
        'ORDER BY "sums"."total" DESC, "sums"."mission_id" ASC '
        f'LIMIT %s) AS "summed" JOIN {_MISSION} ON {_MISSION}."id" = "summed"."mission_id" '
        f'WHERE {where} ORDER BY "summed"."total" DESC, "summed"."mission_id" ASC LIMIT %s'
    )
    return sql, [*sums_params, best, *where_params, wanted]


def _summed(
    lexemes: list[str],
    where: str,
    where_params: tuple[Any, ...],
    *,
    wanted: int,
    share: float | None,
) -> WordsWalk:
    """The first `wanted` missions from every mission's sum of ranks: among the best
    SUMS_READ_PER_ROW per row wanted first (a top-N sort), and if the filters left fewer than
    `wanted` of them, among all."""
    for best in (SUMS_READ_PER_ROW * wanted, None):
        sql, params = _summed_sql(lexemes, where, where_params, wanted, best)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if len(rows) >= wanted:
            break
    return WordsWalk(
        ids=[row[0] for row in rows],
        sums=[row[1] for row in rows],
        complete=False,
        matches=None,
        passing_share=share,
    )


def words_walk(
    lexemes: list[str],
    where: str,
    where_params: tuple[Any, ...],
    *,
    wanted: int,
    narrowed: bool = False,
) -> WordsWalk | None:
    """The first `wanted` missions passing `where` by relevance to `lexemes` (a query of these
    lexemes joined by OR): by the threshold algorithm when it is sure of them within its rounds,
    else from every mission's sum of ranks read from the index (module docstring). None for a
    page beyond WALK_MAX rows (the caller ranks every match then). `narrowed`: `where` asks for
    a cause, a skill or remote missions, and the caller ranks every match when one round is
    not enough."""
    if wanted > WALK_MAX or (narrowed and wanted > THRESHOLD_MAX_WANTED):
        return None
    share = None
    if wanted <= THRESHOLD_MAX_WANTED:
        rounds = 1 if narrowed else WALK_ROUNDS
        # A narrowed search's total is counted by its own index (walk_total_sql): no share.
        walked, share = _threshold_walk(
            lexemes,
            where,
            where_params,
            wanted=wanted,
            rounds=rounds,
            measure_share=not narrowed,
        )
        if walked is not None or narrowed:
            return walked
    return _summed(lexemes, where, where_params, wanted=wanted, share=share)


def walk_total_sql(
    walk: WordsWalk,
    lexemes: list[str],
    where: str,
    where_params: tuple[Any, ...],
    *,
    narrowed: bool,
    cap: int,
    otherwise: tuple[str, tuple[Any, ...]],
) -> tuple[str, Sequence[Any]]:
    """SELECT the total of a walk that did not read every match, up to cap + 1: from the words'
    missions (words_capped_count_sql) when its first round saw at least
    COUNT_FROM_WORDS_MIN_SHARE of them pass the other filters, else the SQL `otherwise` (the
    count from the search's text index). Also `otherwise` when `narrowed`: a cause, a skill or
    remote are found with the words from an index of their own, which counts them faster."""
    if narrowed or walk.passing_share is None or walk.passing_share < COUNT_FROM_WORDS_MIN_SHARE:
        return otherwise
    return words_capped_count_sql(lexemes, where, where_params, cap=cap, otherwise=otherwise)


def words_capped_count_sql(
    lexemes: list[str],
    where: str,
    where_params: tuple[Any, ...],
    *,
    cap: int,
    otherwise: tuple[str, tuple[Any, ...]],
) -> tuple[str, list[Any]]:
    """SELECT the number of missions with one of `lexemes` that pass `where`, up to cap + 1,
    read from the words' missions (module docstring): each word's in turn, a mission already
    met under an earlier word skipped, each tested against `where` until cap + 1 pass, the
    words end, or COUNT_FROM_WORDS_BUDGET were tested; then the SQL `otherwise` (the same count
    from the search's text index) gives it. As an output column it is an uncorrelated subquery:
    run once per statement, `otherwise` only when its branch is taken.

    The missions are numbered as they are read, and PostgreSQL stops one past the budget (a run
    condition on row_number()): that row, if there is one, says that the words did not end
    within the budget. Neither this nor the count depends on the order in which the words'
    missions come."""
    rows: list[str] = []
    params: list[Any] = []
    for number, lexeme in enumerate(lexemes):
        earlier = "".join(
            ' AND NOT EXISTS (SELECT 1 FROM "engagement_missionword" AS "other" '
            'WHERE "other"."mission_id" = "word"."mission_id" AND "other"."lexeme" = %s '
            "OFFSET 0)"
            for _ in lexemes[:number]
        )
        # OFFSET 0 keeps each test a subquery run per mission as it is read: joined, the
        # planner hashed a whole word's missions first (106,038 for 'refug': 23 ms).
        rows.append(
            f"SELECT EXISTS (SELECT 1 FROM {_MISSION} "  # noqa: S608
            f'WHERE {_MISSION}."id" = "word"."mission_id" AND {where} OFFSET 0) AS "pass" '
            'FROM "engagement_missionword" AS "word" '
            f'WHERE "word"."lexeme" = %s{earlier}'
        )
        params += [*where_params, lexeme, *lexemes[:number]]
    otherwise_sql, otherwise_params = otherwise
    budget = COUNT_FROM_WORDS_BUDGET
    sql = (
        'SELECT CASE WHEN "words"."found" > %s OR NOT "words"."cut" THEN "words"."found" '  # noqa: S608
        f"ELSE ({otherwise_sql}) END FROM ("
        'SELECT count(*) FILTER (WHERE "read" <= %s) AS "found", '
        'coalesce(bool_or("read" > %s), false) AS "cut" FROM ('
        'SELECT "read" FROM (SELECT "pass", row_number() OVER () AS "read" '
        f'FROM ({" UNION ALL ".join(rows)}) AS "rows") AS "numbered" '
        'WHERE "read" <= %s AND ("pass" OR "read" > %s) LIMIT %s) AS "passing") AS "words"'
    )
    return sql, [
        cap,
        *otherwise_params,
        budget,
        budget,
        *params,
        budget + 1,
        budget,
        cap + 1,
    ]

"""The database cursor (config/database.py): long statements' conversion cached, results and
statements as psycopg's own."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from config.database import STATEMENT_BYTES, StatementCachingCursor, statement_cache_info

pytestmark = pytest.mark.django_db


def _long_statement(parameters: int, padding: int = 5_000) -> str:
    """A SELECT of `parameters` placeholders, longer than psycopg's own cache takes."""
    columns = ", ".join("%s::int" for _ in range(parameters))
    return f"SELECT {columns} /* {'x' * padding} */"


def test_connections_use_the_caching_cursor():
    with connection.cursor() as cursor:
        assert isinstance(cursor.cursor, StatementCachingCursor)


def test_a_long_statement_is_converted_once_and_bound_anew_each_time():
    statement = _long_statement(60)
    before = statement_cache_info()

    with connection.cursor() as cursor:
        cursor.execute(statement, list(range(60)))
        first = cursor.fetchone()
        cursor.execute(statement, list(range(100, 160)))
        second = cursor.fetchone()

    after = statement_cache_info()
    assert first == tuple(range(60))
    assert second == tuple(range(100, 160))
    assert after.misses == before.misses + 1
    assert after.hits == before.hits + 1


def test_statements_are_the_ones_psycopg_sends():
    """The same bytes as psycopg's own client cursor, quoting included."""
    statement = _long_statement(3) + " WHERE %s <> %s"
    values = [1, 2, 3, "it's; DROP TABLE x --", None]
    with connection.cursor() as cursor:
        ours = cursor.cursor.mogrify(statement, values)
        ours_again = cursor.cursor.mogrify(statement, values)
        raw = cursor.cursor.connection
        reference = psycopg.ClientCursor(raw).mogrify(statement, values)

    assert ours == ours_again == reference
    assert "'it''s; DROP TABLE x --'" in ours


def test_statements_past_the_limit_and_composed_ones_are_not_kept():
    before = statement_cache_info()

    with connection.cursor() as cursor:
        cursor.execute(_long_statement(2, padding=STATEMENT_BYTES + 100), [7, 8])
        long_row = cursor.fetchone()
        cursor.execute(sql.SQL("SELECT {} + %s").format(sql.Literal(1)), [2])
        composed_row = cursor.fetchone()
        cursor.execute("SELECT %s::int", [3])
        short_row = cursor.fetchone()

    assert (long_row, composed_row, short_row) == ((7, 8), (3,), (3,))
    assert statement_cache_info().currsize == before.currsize
    assert statement_cache_info().misses == before.misses

"""The database cursor: Django's psycopg cursor, with the conversion of long statements cached.

Django's psycopg 3 cursor binds parameters on the client: before sending a statement, psycopg
splits its text at the `%s` placeholders and turns it into a template (pure Python, a regular
expression over the whole text). psycopg remembers that work for statements of up to 4,096 bytes
and 50 parameters only. The search's statements are longer (5.5 to 10.6 KB, 45 to 114
parameters, one text per query shape), so each search converted its statement again: 0.2 to
0.5 ms of CPU, more than the rest of psycopg's work on it (docs/benchmarks.md, "Broad search").

This cursor keeps the conversion of statements up to STATEMENT_BYTES and STATEMENT_PARAMETERS in
a cache of its own (CACHED_STATEMENTS texts per process, least recently used first out); shorter
ones keep psycopg's cache, longer ones (a bulk INSERT of many rows, whose text changes with its
row count) are converted each time as before. Only the conversion is cached: the parameters are
written into the template for each execution, as psycopg does.

DATABASES' OPTIONS["cursor_factory"] selects it (config/settings/base.py): Django passes that
option to psycopg's connect() in place of its own cursor class.

It uses psycopg's query classes (`psycopg._queries`), which psycopg does not document: the pinned
version is the one checked, and tests/config/test_database.py compares this cursor's statements
with psycopg's own and fails if those names change.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.backends.postgresql.base import Cursor
from psycopg._queries import (
    MAX_CACHED_STATEMENT_LENGTH,
    MAX_CACHED_STATEMENT_PARAMS,
    PostgresClientQuery,
    _query2pg_client_nocache,
)

__all__ = [
    "CACHED_STATEMENTS",
    "STATEMENT_BYTES",
    "STATEMENT_PARAMETERS",
    "StatementCachingCursor",
    "statement_cache_info",
]

STATEMENT_BYTES = 32_768
STATEMENT_PARAMETERS = 512
CACHED_STATEMENTS = 128


@functools.lru_cache(maxsize=CACHED_STATEMENTS)
def _converted(query: bytes, encoding: str) -> Any:
    return _query2pg_client_nocache(query, encoding)


def statement_cache_info() -> Any:
    """The cache's hits, misses and size (functools' CacheInfo)."""
    return _converted.cache_info()


class _CachingClientQuery(PostgresClientQuery):
    """psycopg's client-side query, converting long statements through _converted."""

    __slots__ = ()

    def convert(self, query: Any, vars: Any) -> None:
        # Composed statements (psycopg.sql) and those without parameters: psycopg's own way.
        if vars is None or not isinstance(query, str | bytes):
            super().convert(query, vars)
            return
        data = self._ensure_bytes(query)
        if (
            (len(data) <= MAX_CACHED_STATEMENT_LENGTH and len(vars) <= MAX_CACHED_STATEMENT_PARAMS)
            or len(data) > STATEMENT_BYTES
            or len(vars) > STATEMENT_PARAMETERS
        ):
            super().convert(query, vars)
            return
        self.template, self._order, self._parts = _converted(data, self._tx.encoding)
        self.dump(vars)


class StatementCachingCursor(Cursor):
    """Django's psycopg cursor (client-side binding), its long statements' conversion cached."""

    _query_cls = _CachingClientQuery

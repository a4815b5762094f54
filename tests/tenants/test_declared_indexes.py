"""The indexes the models declare are the ones the migrated schemas have: each one there, with
its access method, its columns and its condition, and no table with two copies of one index.

Django's PostGIS schema editor once turned a partial GiST index on a geography field into a full
copy of the field's own index (it drops the condition of an index on such a field:
engagement/migrations/0032_indexes_once_as_declared.py); three indexes declared on a foreign key
copied the key's own. Neither shows in the models, nor in `makemigrations`: only here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import F, Index, Model, OrderBy
from django_tenants.utils import get_public_schema_name

from tenants.provisioning import template_schema_name

SCHEMAS = ("public", "template", "tenant")


@dataclass(frozen=True)
class _Stored:
    method: str
    key_columns: int
    included_columns: int
    has_expressions: bool
    has_condition: bool


def _schema(which: str, paris) -> str:  # type: ignore[no-untyped-def]
    if which == "public":
        return get_public_schema_name()
    return template_schema_name() if which == "template" else paris.schema_name


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def _stored_indexes(schema: str) -> dict[tuple[str, str], _Stored]:
    """(table, index name) → what PostgreSQL holds, for every index of the schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, ic.relname, am.amname, i.indnkeyatts, i.indnatts - i.indnkeyatts,
                   i.indexprs IS NOT NULL, i.indpred IS NOT NULL
            FROM pg_index AS i
            JOIN pg_class AS t ON t.oid = i.indrelid
            JOIN pg_class AS ic ON ic.oid = i.indexrelid
            JOIN pg_namespace AS n ON n.oid = t.relnamespace
            JOIN pg_am AS am ON am.oid = ic.relam
            WHERE n.nspname = %s
            """,
            [schema],
        )
        return {(row[0], row[1]): _Stored(*row[2:]) for row in cursor.fetchall()}


def _declared_method(index: Index) -> str:
    # django.contrib.postgres' index classes are named by their method (GinIndex.suffix = "gin");
    # models.Index is a B-tree.
    suffix = getattr(index, "suffix", "idx")
    return "btree" if suffix == "idx" else suffix


def _is_column(expression: object) -> bool:
    """An expression PostgreSQL keeps as a plain column: `(location)`, `published_at DESC`."""
    if isinstance(expression, OrderBy):
        expression = expression.expression
    return isinstance(expression, F)


def _declared(index: Index) -> _Stored:
    return _Stored(
        method=_declared_method(index),
        key_columns=len(index.fields) or len(index.expressions),
        included_columns=len(index.include),
        has_expressions=not all(_is_column(expression) for expression in index.expressions),
        has_condition=index.condition is not None,
    )


def _concrete_models() -> list[type[Model]]:
    return [
        model
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
    ]


@pytest.mark.parametrize("which", SCHEMAS)
def test_every_declared_index_is_in_the_schema_as_declared(which: str, paris) -> None:  # type: ignore[no-untyped-def]
    schema = _schema(which, paris)
    tables = _tables(schema)
    stored = _stored_indexes(schema)
    checked = 0
    wrong: list[str] = []
    for model in _concrete_models():
        table = model._meta.db_table
        if table not in tables:
            continue
        for index in model._meta.indexes:
            checked += 1
            found = stored.get((table, index.name))
            if found is None:
                wrong.append(f"{table}.{index.name}: missing")
            elif found != _declared(index):
                wrong.append(f"{table}.{index.name}: declared {_declared(index)}, stored {found}")
    assert not wrong, f"in {schema}:\n" + "\n".join(wrong)
    # The schema holds the models it should (the tenant's several declared indexes each).
    assert checked >= (1 if which == "public" else 10), (schema, checked)


@pytest.mark.parametrize("which", SCHEMAS)
def test_no_table_has_two_copies_of_one_index(which: str, paris) -> None:  # type: ignore[no-untyped-def]
    """Two indexes of one table with the same method, columns, operator classes, order,
    expressions and condition: every write updates both, and the planner uses either."""
    schema = _schema(which, paris)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, array_agg(ic.relname ORDER BY ic.relname)
            FROM pg_index AS i
            JOIN pg_class AS t ON t.oid = i.indrelid
            JOIN pg_class AS ic ON ic.oid = i.indexrelid
            JOIN pg_namespace AS n ON n.oid = t.relnamespace
            WHERE n.nspname = %s
            GROUP BY t.relname, ic.relam, i.indisunique, i.indkey::text, i.indclass::text,
                     i.indcollation::text, i.indoption::text,
                     coalesce(pg_get_expr(i.indexprs, i.indrelid), ''),
                     coalesce(pg_get_expr(i.indpred, i.indrelid), '')
            HAVING count(*) > 1
            """,
            [schema],
        )
        copies = cursor.fetchall()
    assert copies == [], f"in {schema}: {copies}"

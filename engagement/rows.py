"""Model instances from a SELECT written by hand, made as the ORM makes them.

The ORM compiles a queryset on every evaluation, and for a select_related over three or four
tables that compile costs more CPU than the statement's rows (1-3 ms per list on the throughput
bench's machine: docs/benchmarks.md, "Throughput"). The few statements every signed-in page runs
("Mes engagements", a mission page's own participations, the slot a sign-up locks) are written
once from the models' metadata instead: `Columns` names a model's columns under a table alias,
`instances` cuts a row into one instance per model with `Model.from_db` (columns left out are
deferred, as with `.defer()`). Only names come from the models; every value is a parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model


@dataclass(frozen=True)
class Columns:
    """A model's columns in a SELECT (its table under `alias`), in the order `instances` reads
    them."""

    model: type[Model]
    alias: str
    attnames: tuple[str, ...]

    @classmethod
    def of(cls, model: type[Model], alias: str, *, deferred: Sequence[str] = ()) -> Columns:
        fields = model._meta.concrete_fields
        unknown = set(deferred) - {field.name for field in fields}
        if unknown:
            raise ValueError(f"{model._meta.label} has no column {sorted(unknown)}")
        return cls(model, alias, tuple(f.attname for f in fields if f.name not in deferred))

    @property
    def sql(self) -> str:
        """The select list: `alias."column", …`."""
        return ", ".join(
            f'{self.alias}."{self.model._meta.get_field(name).column}"' for name in self.attnames
        )

    @property
    def table(self) -> str:
        """The FROM item: `table alias`."""
        return f'"{self.model._meta.db_table}" {self.alias}'


def instances(row: Sequence[Any], *parts: Columns) -> list[Any]:
    """One instance per part, from its slice of `row` (the parts in their select list order)."""
    made, start = [], 0
    for part in parts:
        end = start + len(part.attnames)
        made.append(part.model.from_db(connection.alias, part.attnames, row[start:end]))
        start = end
    return made


def joined(row: Sequence[Any], *parts: Columns) -> Any:
    """The first part's instance, each later part's set on the one before as its foreign key
    (the earlier model's one field that points to the later model), as select_related sets
    them: `joined(row, participation, slot, mission)` is the participation, its slot and that
    slot's mission loaded."""
    made = instances(row, *parts)
    for earlier, later in zip(made, made[1:], strict=False):
        (field,) = [
            field
            for field in type(earlier)._meta.concrete_fields
            if field.is_relation and field.related_model is type(later)
        ]
        setattr(earlier, field.name, later)
    return made[0]


def fetch_all(sql: str, params: Sequence[Any] | dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()

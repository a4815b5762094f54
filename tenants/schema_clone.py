"""Copy the template schema into a new tenant schema, fast.

django-tenants' `clone_schema()` is a generic PL/pgSQL function that handles every kind of object
one statement at a time; on the template (~30 tables) it takes 1–2 s, most of provisioning. The
template only ever holds what Django migrations create: tables, identity columns, constraints,
indexes, and a few rows (content types, permissions, the migration history). So the copy is built
from the catalog in a handful of queries and sent as one script:

1. `CREATE TABLE … (LIKE template.… INCLUDING DEFAULTS, IDENTITY, GENERATED, STORAGE, COMMENTS)`;
2. the rows, `INSERT … SELECT` from the template;
3. every constraint and index under its own name (migrations drop them by name later), from
   `pg_get_constraintdef` / `pg_get_indexdef` read with the template as the search_path, so the
   definitions name tables unqualified and resolve inside the new schema;
4. identity sequences set to where the template's are.

Anything else in the template (a view, a function, a trigger, a sequence that is not an identity
column's) is refused loudly rather than silently left out, and the copy's tables, constraints,
indexes and columns are counted against the template's. Runs inside the caller's transaction.

The catalog grows with every tenant (a few hundred relations each), so only the first query of a
schema scans pg_class; every other one goes through the indexed OID columns of the catalogs, and
sequences are read directly rather than through the pg_sequences view (which reads every sequence
of the database).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.backends.utils import CursorWrapper

from tenants.db import connection
from tenants.errors import ProvisioningError, TenantErrorCode


@dataclass(frozen=True)
class SchemaSignature:
    tables: frozenset[str]
    columns: int
    constraints: frozenset[tuple[str, str, str]]
    indexes: frozenset[tuple[str, str]]
    rows: dict[str, int]


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


@dataclass(frozen=True)
class _Relations:
    tables: dict[str, int]  # name -> oid
    others: list[tuple[str, str, int]]  # (kind, name, oid) of sequences, views, ... (no indexes)


def _relations(cursor: CursorWrapper, schema: str) -> _Relations:
    cursor.execute(
        "SELECT c.relkind::text, c.relname, c.oid::int FROM pg_class c "
        "WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %s) "
        "AND c.relkind NOT IN ('i', 'I', 't')",
        [schema],
    )
    tables, others = {}, []
    for kind, name, oid in cursor.fetchall():
        if kind == "r":
            tables[name] = oid
        else:
            others.append((kind, name, oid))
    return _Relations(tables, others)


def _unsupported_objects(cursor: CursorWrapper, schema: str, relations: _Relations) -> list[str]:
    found = [f"{kind}:{name}" for kind, name, _ in relations.others if kind != "S"]
    sequences = {oid: name for kind, name, oid in relations.others if kind == "S"}
    if sequences:
        # Identity sequences depend on their column internally ('i'); any other is unsupported.
        cursor.execute(
            "SELECT objid::int FROM pg_depend WHERE classid = 'pg_class'::regclass "
            "AND objid = ANY(%s::oid[]) AND deptype = 'i'",
            [list(sequences)],
        )
        owned = {row[0] for row in cursor.fetchall()}
        found += [f"S:{name}" for oid, name in sequences.items() if oid not in owned]
    table_oids = list(relations.tables.values())
    cursor.execute(
        """
        SELECT 'function:' || p.proname FROM pg_proc p
        WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s)
        UNION ALL
        SELECT 'trigger:' || t.tgname FROM pg_trigger t
        WHERE t.tgrelid = ANY(%(tables)s::oid[]) AND NOT t.tgisinternal
        UNION ALL
        SELECT 'default:' || d.adrelid::regclass::text || '.' || d.adnum FROM pg_attrdef d
        WHERE d.adrelid = ANY(%(tables)s::oid[])
          AND pg_get_expr(d.adbin, d.adrelid) LIKE '%%nextval(%%'
        """,
        {"schema": schema, "tables": table_oids},
    )
    return found + [row[0] for row in cursor.fetchall()]


def _clone_script(cursor: CursorWrapper, source: str, relations: _Relations) -> list[str]:
    """The statements that recreate `source` in the schema first on the search_path.

    Primary key, unique, check and exclusion constraints go inside each CREATE TABLE, and a
    table's foreign keys in one ALTER TABLE: fewer statements, each a catalog round of its own.
    """
    quoted_source = _quote(source)
    tables = sorted(relations.tables)
    if not tables:
        return []
    table_oids = [relations.tables[table] for table in tables]
    # Which tables hold rows (one query for all of them).
    cursor.execute(
        " UNION ALL ".join(
            f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quoted_source}.{_quote(table)})"  # noqa: S608
            for table in tables
        ),
        tables,
    )
    tables_with_rows = [row[0] for row in cursor.fetchall()]

    # With the template alone on the search_path, definitions name its tables unqualified.
    cursor.execute(f"SET LOCAL search_path = {quoted_source}")
    try:
        cursor.execute(
            """
            SELECT c.relname, con.contype, con.conname, pg_get_constraintdef(con.oid)
            FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
            WHERE con.conrelid = ANY(%s::oid[]) AND con.contype IN ('p', 'u', 'c', 'x', 'f')
            ORDER BY c.relname, con.contype, con.conname
            """,
            [table_oids],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT ic.relname, c.relname, i.indisunique, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
            WHERE i.indrelid = ANY(%s::oid[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                              WHERE con.conrelid = i.indrelid AND con.conindid = i.indexrelid)
            ORDER BY 1
            """,
            [table_oids],
        )
        indexes = cursor.fetchall()
        # Identity columns of the tables with rows: their sequences continue where the
        # template's stand (the others' have never been used, or their rows are gone).
        identities = []
        if tables_with_rows:
            cursor.execute(
                "SELECT c.relname, a.attname, pg_get_serial_sequence(c.oid::regclass::text, "
                "a.attname) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "WHERE a.attrelid = ANY(%s::oid[]) AND a.attidentity <> ''",
                [[relations.tables[table] for table in tables_with_rows]],
            )
            identities = cursor.fetchall()
        sequences = []
        if identities:
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s, %s, last_value, is_called FROM {sequence}"  # noqa: S608
                    for _, _, sequence in identities
                ),
                [value for table, column, _ in identities for value in (table, column)],
            )
            sequences = [
                (table, column, last_value)
                for table, column, last_value, is_called in cursor.fetchall()
                if is_called
            ]
    finally:
        cursor.execute("SET LOCAL search_path = public")

    inline: dict[str, list[str]] = {table: [] for table in tables}
    foreign: dict[str, list[str]] = {}
    for table, kind, name, definition in constraints:
        clause = f"CONSTRAINT {_quote(name)} {definition}"
        if kind == "f":
            foreign.setdefault(table, []).append(f"ADD {clause}")
        else:
            inline[table].append(clause)

    statements = [
        f"CREATE TABLE {_quote(table)} (LIKE {quoted_source}.{_quote(table)} INCLUDING DEFAULTS "
        "INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS"
        + "".join(f", {clause}" for clause in inline[table])
        + ")"
        for table in tables
    ]
    statements += [
        f"INSERT INTO {_quote(table)} OVERRIDING SYSTEM VALUE "  # noqa: S608
        f"SELECT * FROM {quoted_source}.{_quote(table)}"
        for table in tables_with_rows
    ]
    statements += [
        f"ALTER TABLE {_quote(table)} {', '.join(clauses)}" for table, clauses in foreign.items()
    ]
    for name, table, is_unique, definition in indexes:
        # pg_get_indexdef always names the table with its schema: keep only what follows.
        method_and_keys = definition.split(" USING ", 1)[1]
        unique = "UNIQUE " if is_unique else ""
        statements.append(
            f"CREATE {unique}INDEX {_quote(name)} ON {_quote(table)} USING {method_and_keys}"
        )
    statements += [
        f"SELECT setval(pg_get_serial_sequence('{_quote(table)}', '{column}'), {int(last_value)})"
        for table, column, last_value in sequences
    ]
    return statements


def schema_signature(schema: str) -> SchemaSignature:
    """What must be equal between the template and a copy: names, definitions, row counts."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL search_path = {_quote(schema)}")
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            [schema],
        )
        tables = frozenset(row[0] for row in cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = %s", [schema]
        )
        columns = cursor.fetchone()[0]
        cursor.execute(
            "SELECT c.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con "
            "JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = %s",
            [schema],
        )
        constraints = frozenset(cursor.fetchall())
        cursor.execute(
            "SELECT indexname, regexp_replace(indexdef, ' ON \\S+ USING ', ' ON USING ') "
            "FROM pg_indexes WHERE schemaname = %s",
            [schema],
        )
        indexes = frozenset(cursor.fetchall())
        rows: dict[str, int] = {}
        if tables:
            ordered = sorted(tables)
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s, count(*) FROM {_quote(table)}"  # noqa: S608
                    for table in ordered
                ),
                ordered,
            )
            rows = dict(cursor.fetchall())
        cursor.execute("SET LOCAL search_path = public")
    connection.set_schema_to_public()
    return SchemaSignature(tables, columns, constraints, indexes, rows)


def _object_counts(cursor: CursorWrapper, schema: str) -> tuple[int, int, int, int]:
    """Tables, constraints, indexes and columns of a schema."""
    tables = list(_relations(cursor, schema).tables.values())
    cursor.execute(
        """
        SELECT (SELECT count(*) FROM pg_constraint WHERE conrelid = ANY(%(t)s::oid[])),
               (SELECT count(*) FROM pg_index WHERE indrelid = ANY(%(t)s::oid[])),
               (SELECT count(*) FROM pg_attribute
                 WHERE attrelid = ANY(%(t)s::oid[]) AND attnum > 0 AND NOT attisdropped)
        """,
        {"t": tables},
    )
    constraints, indexes, columns = cursor.fetchone()
    return len(tables), constraints, indexes, columns


def clone_schema(*, source: str, target: str) -> None:
    """Create `target` as a copy of `source`; must run inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("clone_schema must run inside transaction.atomic()")
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        relations = _relations(cursor, source)
        unsupported = _unsupported_objects(cursor, source, relations)
        if unsupported:
            raise ProvisioningError(
                f"Schema {source!r} holds objects the clone does not copy: "
                + ", ".join(sorted(unsupported)[:10]),
                code=TenantErrorCode.CLONE_FAILED,
            )
        statements = _clone_script(cursor, source, relations)
        expected = _object_counts(cursor, source)
        cursor.execute(f"CREATE SCHEMA {_quote(target)}")
        cursor.execute(f"SET LOCAL search_path = {_quote(target)}, public")
        cursor.execute(";\n".join(statements))
        cursor.execute("SET LOCAL search_path = public")
        copied = _object_counts(cursor, target)
    # django-tenants remembers the search_path it last sent; make it send it again.
    connection.set_schema_to_public()
    if copied != expected:
        raise ProvisioningError(
            f"The copy of {source!r} into {target!r} differs: tables, constraints, indexes and "
            f"columns {expected} vs {copied}.",
            code=TenantErrorCode.CLONE_FAILED,
        )

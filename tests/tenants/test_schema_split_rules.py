"""The rules a move to Citus schema-based sharding needs, checked on the real models, the migrated
schemas and the code (docs/scaling.md, "The path to Citus").

Under Citus' distributed schemas each tenant schema becomes one shard group that lives on one
node and moves whole; the public schema stays on the coordinator, and a public table a tenant
table points at must become a *reference table* (copied to every node). So:

1. no foreign key from a tenant table to a public-only table, except the reference tables listed
   below with why; none from a public-only table to a tenant table;
2. in the database, no object of a tenant schema (foreign key, column default, sequence, index)
   depends on a relation of another schema, and nothing outside depends on it: each tenant
   schema is reachable only from within itself;
3. keys that a sequence fills are bigint (Citus' per-node sequences need 64 bits), except the
   Django and allauth tables listed below;
4. the code that crosses schemas is a known list, each entry with the kind of crossing; a new
   one fails here until it is added to the list and to docs/scaling.md.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.db.models import Model
from django.test.utils import isolate_apps

from tenants.models import Tenant
from tenants.provisioning import template_schema_name

ROOT = Path(__file__).resolve().parents[2]

# Public-only tables a tenant table may point at, with why each can be a Citus reference table
# (small, read far more than written). Empty today: tenants name public rows (their Tenant, a
# city's Tenant in mission sharing) by id, never by a key (docs/adr/0011). `tenants.Tenant` and
# `tenants.Domain` in particular must stay out: their rows are written on every provisioning,
# status change, domain check and usage refresh, and each write to a reference table is a
# transaction on every node.
ALLOWED_REFERENCE_TABLES: dict[str, str] = {}

# Tenant-schema tables whose sequence-filled key is a 32-bit integer: Django's and allauth's own
# models, which declare AutoField themselves (their AppConfig's default_auto_field) whatever
# DEFAULT_AUTO_FIELD says. Small per-tenant tables (content types, permissions, a tenant's few
# SSO apps); bigint for ours (DEFAULT_AUTO_FIELD = BigAutoField).
INTEGER_KEY_TABLES: frozenset[str] = frozenset(
    {
        "account_emailaddress",
        "account_emailconfirmation",
        "auth_group",
        "auth_permission",
        "django_admin_log",
        "django_content_type",
        "socialaccount_socialaccount",
        "socialaccount_socialapp",
        "socialaccount_socialtoken",
    }
)

# Every module that leaves its own schema, and how (docs/scaling.md lists the same, by kind):
# - "fan-out": a loop over tenants, each unit of work inside one tenant schema (routed to that
#   schema's node under Citus);
# - "public+tenant": public-schema code that reads or writes one tenant's schema (and public
#   rows) in the same transaction;
# - "tenant+tenant": two tenant schemas in one transaction (mission sharing, ADR 0011);
# - "same tenant": re-enters the caller's own schema (a callback, a stream);
# - "multi-schema SQL": one statement over many schemas' tables;
# - "schema DDL": creates, copies or drops whole schemas;
# - "routing": sets the request's or task's schema;
# - "public function": tenant queries call a function that lives in the public schema.
CROSS_SCHEMA_MODULES: dict[str, str] = {
    # Tenant + tenant: the one module that joins two tenants' data (ADR 0011), and its demo data.
    "engagement/sharing/services.py": "tenant+tenant",
    "engagement/sharing/demo.py": "tenant+tenant",
    # Fan-out over tenants (beat tasks, the demo seeding): one schema at a time.
    "engagement/alerts/services.py": "fan-out",
    "engagement/backoffice/services_exports.py": "fan-out",
    "engagement/emails/digests.py": "fan-out",
    "engagement/groups/services.py": "fan-out",
    "engagement/reminders/services.py": "fan-out",
    "engagement/management/commands/seed_demo.py": "fan-out",
    "tenants/audit/services.py": "fan-out",
    "tenants/tenant_migrations.py": "fan-out",
    # Public-schema code reading or writing one tenant's schema.
    "billing/selectors.py": "public+tenant",
    "billing/services/events.py": "public+tenant",
    "signup/services.py": "public+tenant",
    "tenants/domains.py": "public+tenant",
    "tenants/provisioning_steps.py": "public+tenant",
    "tenants/usage.py": "public+tenant",
    # Back into the caller's own schema (an on_commit callback, a streamed response).
    "engagement/organizations/services.py": "same tenant",
    "engagement/backoffice/views_audit_log.py": "same tenant",
    # One statement over many schemas (catalog, django_migrations, outbox tables).
    "tenants/migration_executor.py": "multi-schema SQL",
    "tenants/outbox/services.py": "multi-schema SQL",
    # Whole schemas created, copied, dropped.
    "tenants/provisioning.py": "schema DDL",
    "tenants/schema_clone.py": "schema DDL",
    "tenants/lifecycle.py": "schema DDL",
    # Sets the request's schema.
    "tenants/middleware.py": "routing",
    # Tenant queries call public.entraide_unaccent (an immutable wrapper around unaccent).
    "engagement/missions/text_search.py": "public function",
}

_SCHEMA_SWITCHES = frozenset({"tenant_context", "schema_context", "set_tenant", "set_schema"})
_QUALIFIED_SQL = re.compile(
    r"\b(FROM|JOIN|INTO|UPDATE|TABLE|EXISTS)\s+\{[^}]+\}\.|\btable_of\(|\bpublic\.\w+|\"public\"\.",
    re.IGNORECASE,
)
_SEARCH_PATH = re.compile(r"\bSET\s+(LOCAL\s+|SESSION\s+)?search_path", re.IGNORECASE)
_SCHEMA_DDL = re.compile(r"\b(CREATE|DROP|ALTER)\s+SCHEMA\b", re.IGNORECASE)
_FIRST_PARTY = (
    "accounts",
    "billing",
    "config",
    "console",
    "engagement",
    "signup",
    "tenants",
    "website",
)


def _app_names(setting: list[str]) -> set[str]:
    return {
        apps.get_app_config(name.rsplit(".", 1)[-1]).name for name in setting if _installed(name)
    }


def _installed(name: str) -> bool:
    return any(config.name == name for config in apps.get_app_configs())


def _side_of(model: type[Model]) -> tuple[bool, bool]:
    """(has a table in tenant schemas, has a table in the public schema)."""
    name = model._meta.app_config.name
    return name in set(settings.TENANT_APPS), name in set(settings.SHARED_APPS)


def _relations(model: type[Model]):  # type: ignore[no-untyped-def]
    for field in model._meta.get_fields(include_hidden=True):
        if field.is_relation and field.concrete and field.related_model is not None:
            yield field


def _split_offences(models: Iterable[type[Model]]) -> tuple[list[str], int]:
    """The relations that cross the schema split, and how many tenant relations were looked at."""
    offences = []
    tenant_relations = 0
    for model in models:
        in_tenant, in_public = _side_of(model)
        for field in _relations(model):
            tenant_relations += in_tenant
            target = field.related_model
            target_in_tenant, target_in_public = _side_of(target)
            label = f"{model._meta.label}.{field.name} -> {target._meta.label}"
            if in_tenant and not target_in_tenant:
                if target._meta.label not in ALLOWED_REFERENCE_TABLES:
                    offences.append(f"{label}: a tenant table points at a public-only table")
            if in_public and not in_tenant and not target_in_public:
                offences.append(f"{label}: a public table points at a tenant-only table")
    return offences, tenant_relations


def test_tenant_tables_point_at_no_public_only_table_but_listed_reference_tables() -> None:
    offences, tenant_relations = _split_offences(apps.get_models(include_auto_created=True))
    assert tenant_relations > 100  # every tenant model's relations were looked at
    assert not offences, (
        "Foreign keys across the schema split (Citus: a tenant schema may only reference its own "
        "tables and reference tables; name public rows by id instead, or list the target in "
        "ALLOWED_REFERENCE_TABLES with why it is small and rarely written):\n  "
        + "\n  ".join(offences)
    )


@isolate_apps("engagement")
def test_a_key_from_a_tenant_table_to_the_tenant_row_is_named() -> None:
    class Mirror(models.Model):
        city = models.ForeignKey(Tenant, on_delete=models.CASCADE)

        class Meta:
            app_label = "engagement"

        def __str__(self) -> str:
            return str(self.pk)

    offences, _ = _split_offences([Mirror])
    assert offences == [
        "engagement.Mirror.city -> tenants.Tenant: a tenant table points at a public-only table"
    ]


def test_every_listed_reference_table_is_public_only_and_exists() -> None:
    for label in ALLOWED_REFERENCE_TABLES:
        model = apps.get_model(label)
        assert _side_of(model) == (False, True), label


_OUTSIDE_DEPENDENCIES = """
SELECT pg_describe_object(d.classid, d.objid, d.objsubid),
       pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid),
       own.nspname, other.nspname
FROM pg_depend d
JOIN pg_class referenced ON d.refclassid = 'pg_class'::regclass AND referenced.oid = d.refobjid
JOIN pg_namespace other ON other.oid = referenced.relnamespace
JOIN LATERAL (
    SELECT c.relnamespace FROM pg_class c
    WHERE d.classid = 'pg_class'::regclass AND c.oid = d.objid
    UNION ALL
    SELECT k.connamespace FROM pg_constraint k
    WHERE d.classid = 'pg_constraint'::regclass AND k.oid = d.objid
    UNION ALL
    SELECT c.relnamespace FROM pg_attrdef a JOIN pg_class c ON c.oid = a.adrelid
    WHERE d.classid = 'pg_attrdef'::regclass AND a.oid = d.objid
) dependent ON true
JOIN pg_namespace own ON own.oid = dependent.relnamespace
WHERE own.oid <> other.oid
  AND (own.nspname = %(schema)s OR other.nspname = %(schema)s)
  AND other.nspname NOT IN ('pg_catalog', 'pg_toast', 'information_schema')
  AND own.nspname NOT IN ('pg_catalog', 'pg_toast', 'information_schema')
ORDER BY 1, 2
"""


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["template", "tenant"])
def test_tenant_schema_objects_depend_on_nothing_outside_it(which: str, paris) -> None:  # type: ignore[no-untyped-def]
    schema = template_schema_name() if which == "template" else paris.schema_name
    allowed = {apps.get_model(label)._meta.db_table for label in ALLOWED_REFERENCE_TABLES}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = "
            "c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
            [schema],
        )
        tables = cursor.fetchone()[0]
        cursor.execute(_OUTSIDE_DEPENDENCIES, {"schema": schema})
        rows = cursor.fetchall()
    assert tables > 50  # the query looked at a migrated tenant schema
    offences = [
        f"{own}: {dependent} -> {other}: {referenced}"
        for dependent, referenced, own, other in rows
        if not (own == schema and other == "public" and referenced.split(" ")[-1] in allowed)
    ]
    assert not offences, (
        f"Objects of schema {schema} tied to another schema (a foreign key, a default or a "
        "sequence across schemas cannot move with the schema):\n  " + "\n  ".join(offences)
    )


@pytest.mark.django_db
def test_sequence_filled_keys_of_tenant_tables_are_bigint(paris) -> None:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped "
            "AND (a.attidentity <> '' OR pg_get_serial_sequence(quote_ident(n.nspname) || '.' "
            "|| quote_ident(c.relname), a.attname) IS NOT NULL) ORDER BY 1",
            [paris.schema_name],
        )
        keys = cursor.fetchall()
    assert len(keys) > 50
    narrow = {table for table, _column, kind in keys if kind != "bigint"}
    new = sorted(narrow - INTEGER_KEY_TABLES)
    assert not new, (
        "Sequence-filled keys narrower than bigint in tenant tables (give the model a "
        f"BigAutoField): {', '.join(new)}"
    )
    assert not INTEGER_KEY_TABLES - narrow, (
        f"Now bigint, remove from INTEGER_KEY_TABLES: {sorted(INTEGER_KEY_TABLES - narrow)}"
    )


@dataclass(frozen=True)
class _Crossing:
    path: str
    line: int
    what: str


def _call_name(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def _crossings(path: Path, *, root: Path = ROOT) -> list[_Crossing]:
    relative = path.relative_to(root).as_posix()
    tree = ast.parse(path.read_text(), filename=relative)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    parts_of_fstrings = {
        id(value)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for value in node.values
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in parts_of_fstrings:
            continue
        if isinstance(node, ast.Call) and _call_name(node) in _SCHEMA_SWITCHES:
            found.append(_Crossing(relative, node.lineno, f"calls {_call_name(node)}()"))
        elif isinstance(node, ast.JoinedStr | ast.Constant) and id(node) not in docstrings:
            if isinstance(node, ast.Constant) and not isinstance(node.value, str):
                continue
            text = ast.unparse(node) if isinstance(node, ast.JoinedStr) else node.value
            if _QUALIFIED_SQL.search(text):
                found.append(_Crossing(relative, node.lineno, "schema-qualified SQL"))
            if _SEARCH_PATH.search(text):
                found.append(_Crossing(relative, node.lineno, "sets search_path"))
            if _SCHEMA_DDL.search(text):
                found.append(_Crossing(relative, node.lineno, "schema DDL"))
    return found


def _first_party_modules() -> list[Path]:
    return [
        path
        for package in _FIRST_PARTY
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_code_that_crosses_schemas_is_the_documented_list() -> None:
    found: dict[str, list[_Crossing]] = {}
    for path in _first_party_modules():
        for crossing in _crossings(path):
            found.setdefault(crossing.path, []).append(crossing)
    unlisted = sorted(set(found) - set(CROSS_SCHEMA_MODULES))
    gone = sorted(set(CROSS_SCHEMA_MODULES) - set(found))
    assert not unlisted, (
        "New code that leaves its schema (a schema switch, a schema-qualified query or a "
        "search_path change). Keep such reads in the services that already cross (docs/"
        "scaling.md), or add the module to CROSS_SCHEMA_MODULES and to docs/scaling.md with its "
        "kind:\n  "
        + "\n  ".join(
            f"{crossing.path}:{crossing.line}: {crossing.what}"
            for path in unlisted
            for crossing in found[path]
        )
    )
    assert not gone, f"No longer crosses schemas, remove from CROSS_SCHEMA_MODULES: {gone}"


def test_each_crossing_module_has_a_known_kind_and_is_in_docs_scaling() -> None:
    kinds = {
        "fan-out",
        "public+tenant",
        "tenant+tenant",
        "same tenant",
        "multi-schema SQL",
        "schema DDL",
        "routing",
        "public function",
    }
    scaling = (ROOT / "docs" / "scaling.md").read_text()
    assert {path: kind for path, kind in CROSS_SCHEMA_MODULES.items() if kind not in kinds} == {}
    missing = sorted(path for path in CROSS_SCHEMA_MODULES if f"`{path}`" not in scaling)
    assert not missing, f"docs/scaling.md does not list: {missing}"


def test_the_scanner_sees_each_kind_of_crossing(tmp_path: Path) -> None:
    """The check above would pass vacuously if the scanner missed what it looks for."""
    module = tmp_path / "probe.py"
    module.write_text(
        "def probe(tenant, schema, cursor):\n"
        '    """SET search_path in a docstring is not code."""\n'
        "    with tenant_context(tenant):\n"
        "        pass\n"
        '    cursor.execute(f"SELECT 1 FROM {quote(schema)}.engagement_mission")\n'
        '    cursor.execute("SET LOCAL search_path = public")\n'
        '    cursor.execute("SELECT 1 FROM public.tenants_tenant")\n'
        '    cursor.execute(f"DROP SCHEMA {schema} CASCADE")\n'
    )
    found = sorted((c.line, c.what) for c in _crossings(module, root=tmp_path))
    assert found == [
        (3, "calls tenant_context()"),
        (5, "schema-qualified SQL"),
        (6, "sets search_path"),
        (7, "schema-qualified SQL"),
        (8, "schema DDL"),
    ]

"""The template copy: same tables, columns, named constraints and indexes, rows and sequences."""

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_exists

from tenants.errors import ProvisioningError, TenantErrorCode
from tenants.provisioning import template_schema_name
from tenants.schema_clone import clone_schema, schema_signature

pytestmark = pytest.mark.django_db


def _clone(target: str) -> None:
    with transaction.atomic():
        clone_schema(source=template_schema_name(), target=target)


def test_copy_has_the_template_tables_columns_constraints_indexes_and_rows():
    _clone("t_copy")

    template = schema_signature(template_schema_name())
    copy = schema_signature("t_copy")
    assert copy.tables == template.tables
    assert len(copy.tables) > 20
    assert copy.columns == template.columns
    assert copy.constraints == template.constraints  # names and definitions
    assert {name for name, _ in copy.indexes} == {name for name, _ in template.indexes}
    assert copy.rows == template.rows
    assert copy.rows["django_migrations"] > 40
    assert copy.rows["django_content_type"] > 10


def test_provisioned_tenants_match_the_template(paris):
    template = schema_signature(template_schema_name())
    tenant = schema_signature(paris.schema_name)

    assert tenant.tables == template.tables
    assert tenant.constraints == template.constraints
    assert {name for name, _ in tenant.indexes} == {name for name, _ in template.indexes}


def test_foreign_keys_of_the_copy_point_inside_the_copy():
    _clone("t_copy")

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT rn.nspname FROM pg_constraint con
            JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_class rc ON rc.oid = con.confrelid
            JOIN pg_namespace rn ON rn.oid = rc.relnamespace
            WHERE n.nspname = 't_copy' AND con.contype = 'f'
            """
        )
        assert cursor.fetchall() == [("t_copy",)]


def test_identity_sequences_continue_after_the_copied_rows():
    _clone("t_copy")

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM t_copy.django_content_type")
        highest = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO t_copy.django_content_type (app_label, model) VALUES ('x', 'y') "
            "RETURNING id"
        )
        assert cursor.fetchone()[0] == highest + 1
        # The template's own sequence did not move.
        cursor.execute(
            f"SELECT last_value FROM {template_schema_name()}.django_content_type_id_seq"
        )
        assert cursor.fetchone()[0] == highest


def test_a_template_with_objects_the_copy_does_not_handle_is_refused():
    _clone("t_source")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIEW t_source.user_emails AS SELECT email FROM t_source.accounts_user"
        )

    with pytest.raises(ProvisioningError) as error:
        with transaction.atomic():
            clone_schema(source="t_source", target="t_copy")

    assert error.value.code == TenantErrorCode.CLONE_FAILED
    assert "v:user_emails" in error.value.message
    assert not schema_exists("t_copy")

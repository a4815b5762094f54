"""migrate_schemas skips tenant schemas that are up to date and still migrates the others."""

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.signals import schema_migrated

from tenants.migration_executor import expected_migrations, schemas_needing_migration

pytestmark = pytest.mark.django_db

# A leaf migration whose operation changes no SQL (field choices), so it can be applied again.
REAPPLIABLE = ("admin", "0003_logentry_add_action_flag_choices")


@pytest.fixture
def migrated_schemas() -> Iterator[list[str]]:
    migrated: list[str] = []

    def record(sender, schema_name, **kwargs):  # type: ignore[no-untyped-def]
        migrated.append(schema_name)

    schema_migrated.connect(record, dispatch_uid="test-migrated-schemas")
    yield migrated
    schema_migrated.disconnect(dispatch_uid="test-migrated-schemas")


def _forget_migration(schema: str, app: str, name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s', [app, name]
        )


def _is_recorded(schema: str, app: str, name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT count(*) FROM "{schema}".django_migrations WHERE app = %s AND name = %s',
            [app, name],
        )
        return cursor.fetchone()[0] == 1


def test_up_to_date_schemas_are_skipped(paris, montreal, acme, migrated_schemas, capsys):
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=1)

    assert migrated_schemas == []
    assert "3 tenant schema(s) up to date, skipped; 0 to migrate." in capsys.readouterr().out


def test_schema_missing_a_migration_is_migrated_and_the_others_skipped(
    paris, montreal, acme, migrated_schemas, capsys
):
    _forget_migration("t_montreal", *REAPPLIABLE)

    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=1)

    assert migrated_schemas == ["t_montreal"]
    assert _is_recorded("t_montreal", *REAPPLIABLE)
    out = capsys.readouterr().out
    assert "2 tenant schema(s) up to date, skipped; 1 to migrate." in out
    assert "Applying admin.0003_logentry_add_action_flag_choices... OK" in out


def test_one_schema_by_name_is_checked_the_same_way(paris, migrated_schemas):
    call_command("migrate_schemas", schema_name="t_paris", interactive=False, verbosity=0)
    assert migrated_schemas == []

    _forget_migration("t_paris", *REAPPLIABLE)
    call_command("migrate_schemas", schema_name="t_paris", interactive=False, verbosity=0)

    assert migrated_schemas == ["t_paris"]
    assert _is_recorded("t_paris", *REAPPLIABLE)


def test_multiprocessing_executor_with_nothing_to_do_forks_nothing(paris, migrated_schemas, capsys):
    call_command(
        "migrate_schemas", tenant=True, executor="multiprocessing", interactive=False, verbosity=1
    )

    assert migrated_schemas == []
    assert "[multiprocessing] 3 tenant schema(s) up to date" in capsys.readouterr().out


def test_other_than_a_plain_run_goes_through_the_stock_path(paris, migrated_schemas):
    call_command(
        "migrate_schemas", schema_name="t_paris", fake=True, interactive=False, verbosity=0
    )

    assert migrated_schemas == ["t_paris"]


def test_switched_off_by_the_setting(settings, paris, migrated_schemas):
    settings.TENANT_MIGRATIONS_SKIP_UP_TO_DATE = False

    call_command("migrate_schemas", schema_name="t_paris", interactive=False, verbosity=0)

    assert migrated_schemas == ["t_paris"]


def test_schema_without_a_migrations_table_needs_migrating(paris):
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "t_never_migrated"')

    needing = schemas_needing_migration(["t_paris", "t_never_migrated"], database="default")

    assert needing == ["t_never_migrated"]


def test_expected_migrations_cover_every_installed_app():
    expected, replaces = expected_migrations()

    assert REAPPLIABLE in expected
    assert ("engagement", "0001_initial") in expected
    assert ("tenants", "0001_initial") in expected
    assert replaces == {}

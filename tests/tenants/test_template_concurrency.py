"""Rebuilding the template schema while tenants are provisioned: both succeed, in one order or
the other (the template's advisory lock, tenants/provisioning.py). Each side runs in a thread of
its own, on its own connection, with committed data (no django_db mark), cleaned up after."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django_tenants.utils import schema_exists

from tenants import provisioning
from tenants.models import Tenant
from tenants.services import tenant_provision

SLUGS = ("brest", "lorient")


class Worker(threading.Thread):
    """Runs `work` on a connection of its own; keeps its result or its exception."""

    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error
        finally:
            connections.close_all()


def _cleanup() -> None:
    connection.set_schema_to_public()
    Tenant.objects.filter(slug__in=SLUGS).delete()
    for slug in SLUGS:
        provisioning.schema_drop(Tenant.schema_name_for(slug))
    provisioning.schema_drop("t_clone_probe")


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    assert connection.settings_dict["NAME"].startswith("test_")
    with django_db_blocker.unblock():
        _cleanup()
        try:
            yield
        finally:
            _cleanup()
            if not provisioning.template_state().is_current:
                provisioning.template_build()


def _provision(slug: str) -> Tenant:
    return tenant_provision(
        kind="city", name=slug.title(), slug=slug, admin_email=f"admin@{slug}.example"
    ).tenant


def test_a_rebuild_waits_for_a_clone_in_progress_and_the_clone_is_whole(committed):
    clone_started = threading.Event()
    may_commit = threading.Event()

    def clone() -> int:
        with transaction.atomic():
            provisioning.template_lock_shared()
            provisioning.schema_clone_from_template("t_clone_probe")
            clone_started.set()
            may_commit.wait(30)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
                ["t_clone_probe"],
            )
            return cursor.fetchone()[0]

    cloner = Worker(clone)
    cloner.start()
    assert clone_started.wait(30), cloner.error
    rebuilder = Worker(provisioning.template_build)
    rebuilder.start()

    time.sleep(1.0)
    # The rebuild waits on the lock: the template is untouched while the clone's transaction
    # is open.
    assert rebuilder.is_alive()
    assert provisioning.template_state().is_current
    may_commit.set()
    cloner.join(60)
    rebuilder.join(120)

    assert (cloner.error, rebuilder.error) == (None, None)
    assert cloner.result > 20
    assert provisioning.template_state().is_current


def test_provisioning_and_rebuilding_at_the_same_time_both_succeed(committed):
    rebuilder = Worker(provisioning.template_build)
    first = Worker(lambda: _provision("brest"))
    second = Worker(lambda: _provision("lorient"))

    rebuilder.start()
    time.sleep(0.05)
    first.start()
    second.start()
    for worker in (rebuilder, first, second):
        worker.join(180)

    assert [w.error for w in (rebuilder, first, second)] == [None, None, None]
    assert sorted(Tenant.objects.filter(slug__in=SLUGS).values_list("slug", flat=True)) == [
        "brest",
        "lorient",
    ]
    assert schema_exists("t_brest") and schema_exists("t_lorient")
    assert provisioning.template_state().is_current
    # Each clone is whole: as many tables as the template.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, count(*) FROM information_schema.tables "
            "WHERE table_schema IN ('t_brest', 't_lorient', %s) GROUP BY 1 ORDER BY 1",
            [provisioning.template_schema_name()],
        )
        counts = dict(cursor.fetchall())
    template_tables = counts.pop(provisioning.template_schema_name())
    assert counts == {"t_brest": template_tables, "t_lorient": template_tables}

"""The routing cache's layers: Redis entries, the generation token, the per-process copies."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants import routing
from tenants.models import Domain, Tenant
from tenants.routing import NOWHERE, resolve_host
from tests.tenants.routing_trace import routing_counts, routing_trace

pytestmark = pytest.mark.django_db


def _generation_key_delete() -> None:
    client, key = routing._generation._client()
    client.delete(key)


def test_every_hit_gets_its_own_tenant_instance(paris):
    first = resolve_host(paris.primary_host)
    first.tenant.name = "Changed by a view"

    second = resolve_host(paris.primary_host)

    assert second.tenant is not first.tenant
    assert second.tenant.name == "Paris"


def test_process_copy_misses_only_go_to_redis_not_sql(paris):
    counts = routing_counts()
    resolve_host(paris.primary_host)
    routing._local.clear()  # as in another process, or after a restart

    with CaptureQueriesContext(connection) as queries:
        route = resolve_host(paris.primary_host)

    trace = routing_trace(paris.primary_host, counts_before=counts)
    assert len(queries) == 0, trace
    assert route.tenant.slug == "paris", trace


def test_a_change_made_by_another_process_is_seen_through_the_generation(paris):
    assert resolve_host(paris.primary_host).tenant.name == "Paris"
    # Another process saves the tenant: no signal here, only its new generation token in Redis.
    Tenant.objects.filter(pk=paris.pk).update(name="Paris Centre")
    routing._generation.bump()

    assert resolve_host(paris.primary_host).tenant.name == "Paris Centre"


def test_without_a_new_generation_the_process_copy_is_served(paris):
    """What the token protects against: a write that skips the signals (QuerySet.update) must
    call invalidate_routes() itself."""
    counts = routing_counts()
    resolve_host(paris.primary_host)
    Tenant.objects.filter(pk=paris.pk).update(name="Paris Centre")

    served = resolve_host(paris.primary_host)
    assert served.tenant.name == "Paris", routing_trace(paris.primary_host, counts_before=counts)

    routing.invalidate_routes()

    assert resolve_host(paris.primary_host).tenant.name == "Paris Centre"


def test_a_lost_generation_key_invalidates_everything(paris):
    resolve_host(paris.primary_host)
    Tenant.objects.filter(pk=paris.pk).update(status=Tenant.Status.DISABLED)
    _generation_key_delete()  # evicted, or Redis restarted empty

    assert resolve_host(paris.primary_host) == NOWHERE


def test_a_renamed_domain_stops_answering_under_its_old_name(paris):
    domain = Domain.objects.create(
        domain="old.paris.example", tenant=paris, is_primary=False, is_verified=True
    )
    assert resolve_host("old.paris.example").kind == "tenant"

    domain.domain = "new.paris.example"
    domain.save()

    assert resolve_host("old.paris.example") == NOWHERE
    assert resolve_host("new.paris.example").tenant.slug == "paris"


def test_invalidation_is_sent_again_once_the_change_is_committed(
    paris, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        paris.tagline = "Nouveau"
        paris.save()

    assert callbacks == [routing.invalidate_routes]


def test_unknown_hosts_are_remembered_without_sql():
    assert resolve_host("scan-1.example") == NOWHERE

    with CaptureQueriesContext(connection) as queries:
        assert resolve_host("scan-1.example") == NOWHERE

    assert len(queries) == 0


def test_process_layer_is_bounded(paris, monkeypatch):
    monkeypatch.setattr(routing, "_LOCAL_MAX_ENTRIES", 3)
    for index in range(5):
        resolve_host(f"scan-{index}.example")

    assert len(routing._local) <= 3
    assert resolve_host(paris.primary_host).tenant.slug == "paris"


def test_a_migration_run_invalidates_every_route(paris):
    """Data migrations update Tenant rows without signals (QuerySet.update)."""
    resolve_host(paris.primary_host)
    Tenant.objects.filter(pk=paris.pk).update(name="Paris (migrated)")

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)

    assert resolve_host(paris.primary_host).tenant.name == "Paris (migrated)"

"""Test tenants are created once per session; every test runs in a transaction rolled back.

Fixtures:
- `paris`, `montreal` (cities) and `acme` (company): the Tenant rows.
- `in_paris` / `in_montreal` / `in_acme`: the connection set to that tenant for the test.
- `client_for(tenant)`: a Django test client whose requests carry that tenant's host.
- `provisioning_step(name, func, order=...)`: an extra provisioning step, for this test only.
- `dns_zone`: the zone of a real DNS server on loopback (tests/dns_server.py), emptied, with the
  settings pointing dnspython (tenants/dns.py) at it; the test adds the records it needs.
- `facebook_graph`: the fake Facebook Graph API (tests/accounts/idp/facebook.py) the settings
  point at, reset around the test.
- `smtp_inbox`: what a real SMTP server on loopback (tests/smtp_server.py) received during the
  test; Django sends through SMTP to it for that test (other tests keep the in-memory outbox).
- `s3_media`: uploaded files go to a new bucket of a real S3-compatible server on loopback
  (moto's server mode, tests/s3_server.py) for this test (MEDIA_STORAGE=s3); other tests keep
  local disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from celery._state import _set_task_join_will_block
from django.db import connection
from django.test import Client

from tests.accounts.idp.facebook import FakeGraph, FakeGraphServer
from tests.dns_server import LoopbackDnsServer, Zone
from tests.s3_server import LoopbackS3Server, S3Media
from tests.smtp_server import Inbox, LoopbackSmtpServer
from tests.tenancy import TEST_TENANTS, create_test_tenants


@pytest.fixture(scope="session")
def django_db_setup(  # type: ignore[no-untyped-def]
    request, django_test_environment, django_db_modify_db_settings, django_db_blocker
):
    """The test database and its tenants, created once per session.

    Always set up (unlike pytest-django's, which only does when a collected test is marked), so
    that fixtures reaching the database through `django_db_blocker.unblock()` always find the
    test database, never the development one.
    """
    from django.test.utils import setup_databases, teardown_databases

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        databases = setup_databases(
            verbosity=verbosity, interactive=False, aliases={"default"}, serialized_aliases=set()
        )
        create_test_tenants()
        connection.set_schema_to_public()
    yield
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        teardown_databases(databases, verbosity=verbosity)


@pytest.fixture(scope="session", autouse=True)
def _test_database_always(django_db_setup):  # type: ignore[no-untyped-def]
    """Create the test database first in every session, so that a test reaching the database
    only through `django_db_blocker.unblock()` can never touch the development database."""
    from django.db import connection as default_connection

    assert default_connection.settings_dict["NAME"].startswith("test_"), "not a test database"


@pytest.fixture(autouse=True)
def _public_schema_between_tests() -> Iterator[None]:
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _celery_join_flag_between_tests() -> Iterator[None]:
    """Eager tasks run in parallel threads (concurrency tests) race on Celery's process-wide
    "join will block" flag and can leave it set; a later eager `.get()` would then refuse."""
    yield
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _empty_cache_between_tests() -> Iterator[None]:
    """The database rolls back after each test, the cache does not: drop this run's keys, and
    the process's own copy of the routes (tenants.routing._local, and an invalidation left
    pending by an outage test). And take Redis as up again: a test that saw it fail (an outage,
    a private server stopped) would otherwise send the next tests of this process to the
    fallbacks for REDIS_RETRY_AFTER_SECONDS (routing from PostgreSQL, pages uncached)."""
    yield
    from django.conf import settings
    from django.core.cache import cache

    from tenants import routing
    from tenants.cache import redis_health

    redis_health.reset()
    routing._local.clear()
    routing._invalidation_pending.clear()

    client = cache._cache.get_client(write=True)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"*:{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def _tenant(slug: str):  # type: ignore[no-untyped-def]
    from tenants.models import Tenant

    return Tenant.objects.get(slug=slug)


@pytest.fixture
def paris(db):  # type: ignore[no-untyped-def]
    return _tenant("paris")


@pytest.fixture
def montreal(db):  # type: ignore[no-untyped-def]
    return _tenant("montreal")


@pytest.fixture
def acme(db):  # type: ignore[no-untyped-def]
    return _tenant("acme")


@pytest.fixture
def in_paris(paris):  # type: ignore[no-untyped-def]
    connection.set_tenant(paris)
    yield paris
    connection.set_schema_to_public()


@pytest.fixture
def in_montreal(montreal):  # type: ignore[no-untyped-def]
    connection.set_tenant(montreal)
    yield montreal
    connection.set_schema_to_public()


@pytest.fixture
def in_acme(acme):  # type: ignore[no-untyped-def]
    connection.set_tenant(acme)
    yield acme
    connection.set_schema_to_public()


@pytest.fixture
def client_for(db) -> Callable[..., Client]:  # type: ignore[no-untyped-def]
    def make(tenant=None) -> Client:  # type: ignore[no-untyped-def]
        from django.conf import settings

        host = tenant.primary_host if tenant is not None else settings.BASE_DOMAIN
        return Client(HTTP_HOST=host)

    return make


@pytest.fixture
def provisioning_step(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Register an extra provisioning step (tenants/provisioning_steps.py) for this test only."""
    from tenants.provisioning_steps import provisioning_steps, register_provisioning_step

    monkeypatch.setattr(provisioning_steps, "_steps", dict(provisioning_steps._steps))
    return register_provisioning_step


@pytest.fixture(scope="session")
def _dns_server() -> Iterator[LoopbackDnsServer]:
    server = LoopbackDnsServer().start()
    yield server
    server.stop()


@pytest.fixture
def dns_zone(_dns_server: LoopbackDnsServer, settings) -> Iterator[Zone]:  # type: ignore[no-untyped-def]
    """The DNS server's zone, empty; custom-domain checks ask this server and no other."""
    _dns_server.zone.clear()
    settings.DNS_RESOLVER_NAMESERVERS = [_dns_server.address]
    settings.DNS_RESOLVER_PORT = _dns_server.port
    yield _dns_server.zone
    _dns_server.zone.clear()


@pytest.fixture(scope="session")
def _smtp_server() -> Iterator[LoopbackSmtpServer]:
    server = LoopbackSmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_inbox(_smtp_server: LoopbackSmtpServer, settings) -> Iterator[Inbox]:  # type: ignore[no-untyped-def]
    """E-mails go through SMTP to the loopback server for this test; its inbox, emptied."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = _smtp_server.host
    settings.EMAIL_PORT = _smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    _smtp_server.inbox.clear()
    yield _smtp_server.inbox
    _smtp_server.inbox.clear()


# One fake Facebook Graph per test process, on the port the settings name, for every package's
# tests (sign-in with Facebook, "find my friends").


@pytest.fixture(scope="session")
def facebook_graph_session() -> Iterator[FakeGraphServer]:
    from django.conf import settings

    server = FakeGraphServer(settings.FACEBOOK_FAKE_PORT)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def facebook_graph(facebook_graph_session: FakeGraphServer) -> Iterator[FakeGraph]:
    facebook_graph_session.graph.reset()
    yield facebook_graph_session.graph
    facebook_graph_session.graph.reset()


__all__ = ["TEST_TENANTS"]


@pytest.fixture(scope="session")
def _s3_server() -> Iterator[LoopbackS3Server]:
    server = LoopbackS3Server().start()
    yield server
    server.stop()


@pytest.fixture
def s3_media(_s3_server: LoopbackS3Server, settings) -> Iterator[S3Media]:  # type: ignore[no-untyped-def]
    """MEDIA_STORAGE=s3 for this test, on a new (private) bucket of the loopback S3 server."""
    media = S3Media.create(_s3_server)
    settings.S3_PUBLIC_BASE_URL = ""
    settings.MEDIA_S3 = media.options()
    settings.MEDIA_STORAGE = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tenants.storage.TenantS3Storage"},
    }
    yield media
    media.destroy()

"""A real Redis (the test's own, see private_redis.py) stopped and restarted under the site:
nothing a volunteer did is lost, pages keep answering, readiness tells the truth, and the cache
is used again once Redis is back, without a restart and without a failed request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.celery import app
from engagement.participations.models import Participation
from tenants import routing
from tenants.cache import REDIS_ERRORS, redis_health
from tenants.context import tenant_context
from tenants.outbox.models import OutboxMessage
from tenants.outbox.services import outbox_sweep
from tenants.routing import resolve_host
from tests.engagement.factories import MembershipFactory, MissionFactory, SlotFactory, UserFactory
from tests.tenants.private_redis import RedisServer, deliver, pointed_at

pytestmark = pytest.mark.django_db

STARTS = datetime(2031, 6, 14, 8, 0, tzinfo=UTC)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(str(tmp_path))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mission_in_paris(paris):
    with tenant_context(paris):
        membership = MembershipFactory(user__email="admin-asso@example.org")
        mission = MissionFactory(organization=membership.organization)
        slot = SlotFactory(mission=mission, starts_at=STARTS, ends_at=STARTS + timedelta(hours=2))
        volunteer = UserFactory(email="camille@example.org")
    return mission, slot, volunteer


def _sweep_later():
    # The sweep leaves rows younger than OUTBOX_SWEEP_GRACE_SECONDS to the sender after commit.
    return outbox_sweep(tasks=app.tasks, now=timezone.now() + timedelta(minutes=1), full=True)


def test_a_participation_made_while_redis_is_down_is_kept_and_mailed_once_when_it_returns(
    paris, mission_in_paris, redis_server, settings, client_for, django_capture_on_commit_callbacks
):
    mission, slot, volunteer = mission_in_paris
    client = client_for(paris)
    with tenant_context(paris):
        client.force_login(volunteer)
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with pointed_at(redis_server, settings):
        assert client.get("/").status_code == 200
        assert redis_server.client().dbsize() > 0  # the route is cached in this Redis

        redis_server.stop()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/api/v1/missions/{mission.pk}/participations/",
                {"slot": slot.pk},
                content_type="application/json",
            )

        # The sign-up is kept, and so are its e-mails, waiting in the outbox.
        assert response.status_code == 201, response.content
        with tenant_context(paris):
            participation = Participation.objects.get(volunteer=volunteer, slot=slot)
            pending = list(OutboxMessage.objects.order_by("pk"))
        assert participation.status == Participation.Status.CONFIRMED
        assert [(m.task_name, m.args, m.status) for m in pending] == [
            (
                "engagement.participation_email_send",
                [participation.pk, "participation_confirmed"],
                "pending",
            ),
            (
                "engagement.organizer_email_send",
                [participation.pk, "organizer_new_participation"],
                "pending",
            ),
        ]
        assert all(m.last_error.startswith("OperationalError") for m in pending)
        assert mail.outbox == []
        # Pages answer from PostgreSQL; readiness says what is missing, and stays ready.
        assert client.get("/").status_code == 200
        assert client.get(f"/missions/{mission.pk}/").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "degraded",
            "checks": {"database": "ok", "redis": "down"},
        }
        # The sweep finds the broker down too: nothing sent, nothing lost.
        result = _sweep_later()
        assert (result.sent, result.broker_down) == (0, True)

        redis_server.start()  # empty: --save "" keeps nothing
        settings.REDIS_RETRY_AFTER_SECONDS = 0
        assert client.get("/readyz").json()["status"] == "ok"
        assert client.get("/").status_code == 200

        result = _sweep_later()
        assert (result.sent, result.broker_down) == (2, False)
        assert result.schemas_with_work == [paris.schema_name]
        # Sent once: a second sweep has nothing left to send.
        assert _sweep_later().sent == 0
        messages = redis_server.queue(queue)
        assert len(messages) == 2

        for message in messages:
            deliver(message)
        recipients = sorted(address for sent in mail.outbox for address in sent.to)
        assert recipients == ["admin-asso@example.org", "camille@example.org"]
        # Delivered again (a worker lost its acknowledgement): nothing is sent twice.
        for message in messages:
            assert deliver(message) is None
        assert len(mail.outbox) == 2
        with tenant_context(paris):
            assert not OutboxMessage.objects.exists()


def test_routing_works_without_redis_and_uses_it_again_when_it_returns(
    paris, redis_server, settings
):
    host = paris.primary_host
    settings.REDIS_RETRY_AFTER_SECONDS = 0
    with pointed_at(redis_server, settings):
        resolve_host(host)
        with CaptureQueriesContext(connection) as cached:
            assert resolve_host(host).tenant.pk == paris.pk
        assert len(cached) == 0

        redis_server.stop()
        with CaptureQueriesContext(connection) as without_redis:
            assert resolve_host(host).tenant.pk == paris.pk
            assert resolve_host(host).tenant.pk == paris.pk
        assert len(without_redis) == 2  # one indexed lookup per request
        assert redis_health.is_down

        redis_server.start()
        # The pooled connections are stale (the server restarted): redis-py reconnects them
        # instead of failing the request, so this resolution succeeds through Redis.
        assert resolve_host(host).tenant.pk == paris.pk
        assert not redis_health.is_down
        with CaptureQueriesContext(connection) as cached_again:
            assert resolve_host(host).tenant.pk == paris.pk
        assert len(cached_again) == 0


def test_a_stale_cache_connection_is_reconnected_not_failed(redis_server, settings):
    with pointed_at(redis_server, settings):
        cache.set("probe", 1)
        redis_server.stop()
        redis_server.start()

        # Django's plain Redis cache call on the pooled connection the restart left stale.
        assert RedisCache.get(caches["default"], "probe", "absent") == "absent"
        assert not redis_health.is_down


def test_a_tenant_changed_while_redis_is_down_is_not_served_stale_when_it_returns(
    paris, redis_server, settings
):
    host = paris.primary_host
    settings.REDIS_RETRY_AFTER_SECONDS = 0
    with pointed_at(redis_server, settings):
        assert resolve_host(host).kind == "tenant"  # cached in Redis
        # Down, and back later with its data (the old route and generation included).
        redis_server.stop(keep_data=True)
        paris.status = paris.Status.DISABLED
        paris.save(update_fields=["status"])  # the invalidation cannot reach Redis
        assert resolve_host(host).kind == "none"  # from PostgreSQL

        redis_server.start()
        assert redis_server.client().dbsize() > 0  # the old entries are back

        assert resolve_host(host).kind == "none"
        assert not redis_health.is_down


def test_sign_in_works_while_redis_is_down(paris, redis_server, settings, client_for):
    with tenant_context(paris):
        UserFactory(email="lea@example.org", password="correct horse battery")
    client = client_for(paris)
    with pointed_at(redis_server, settings):
        redis_server.stop()

        wrong = client.post("/accounts/login/", {"login": "lea@example.org", "password": "nope"})
        right = client.post(
            "/accounts/login/", {"login": "lea@example.org", "password": "correct horse battery"}
        )

    assert wrong.status_code == 200  # the form again, with its error
    assert right.status_code == 302
    with tenant_context(paris):
        assert "_auth_user_id" in client.session


def test_the_routing_token_never_pairs_one_cache_s_key_with_another_s_server(
    paris, redis_server, settings
):
    """A connection to the token's Redis that cannot be made leaves the last key and server as
    they were. It once replaced the key alone: the suite's processes then read and wrote the
    token of a private server's prefix in the shared Redis, outside what each test empties."""
    shared = settings.CACHES
    shared_key = routing._generation._client()[1]
    with pointed_at(redis_server, settings):
        redis_server.stop()
        with pytest.raises(REDIS_ERRORS):
            routing._generation._client()  # the private server is down: no pair made
        settings.CACHES = shared  # this cache's settings again, as after the test

        client, key = routing._generation._client()

        assert key == shared_key
        assert client.connection_pool is cache._cache.get_client(write=True).connection_pool
        assert resolve_host(paris.primary_host).tenant.pk == paris.pk

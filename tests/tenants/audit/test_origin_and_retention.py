"""The audit trail records from where (the client's address and browser, read from the request
being answered) and keeps each tenant's rows AUDIT_RETENTION_DAYS days (the daily purge)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants.audit import services
from tenants.audit.models import USER_AGENT_MAX_LENGTH, AuditEvent
from tenants.audit.services import audit_purge_all_tenants, audit_purge_expired, audit_record
from tenants.audit.tasks import audit_purge_expired_task
from tenants.context import current_request, log_scope_enter, log_scope_exit
from tests.accounts.conftest import make_user
from tests.engagement.factories import AuditEventFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _failed_sign_in(tenant: Any, client_for: Any, **headers: str) -> AuditEvent:
    client_for(tenant).post(
        "/accounts/login/", {"login": "who@paris.example", "password": "wrong"}, **headers
    )
    with tenant_context(tenant):
        return AuditEvent.objects.get(action="auth.sign_in_failed")


# --- from where ---------------------------------------------------------------------------------


def test_a_row_written_in_a_request_has_the_client_address_and_browser(paris, client_for):
    event = _failed_sign_in(paris, client_for, HTTP_USER_AGENT="Firefox/128.0")

    assert (event.ip, event.user_agent) == ("127.0.0.1", "Firefox/128.0")


def test_behind_the_trusted_proxy_the_address_is_the_one_it_saw(paris, client_for, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    event = _failed_sign_in(
        paris,
        client_for,
        HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7",
        REMOTE_ADDR="10.0.0.2",
    )

    # The entry the proxy wrote; the one the client wrote itself is ignored.
    assert event.ip == "203.0.113.7"


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(paris, client_for):
    event = _failed_sign_in(paris, client_for, HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert event.ip == "127.0.0.1"


def test_the_browser_is_kept_short_and_printable(paris, client_for):
    event = _failed_sign_in(paris, client_for, HTTP_USER_AGENT="Bot\x00\x1b[31m/" + "x" * 500)

    assert len(event.user_agent) == USER_AGENT_MAX_LENGTH
    assert event.user_agent.startswith("Bot[31m/xxx")
    assert event.user_agent.isprintable()


def test_outside_a_request_nothing_is_recorded_of_where(in_paris):
    admin = make_user(in_paris, "outside@paris.example", role="admin")

    event = audit_record(actor=admin, action="x.done", target=OrganizationFactory())

    assert current_request() is None
    assert (event.ip, event.user_agent, event.actor_id) == (None, "", admin.pk)


def test_the_current_request_is_the_one_the_log_scope_holds(in_paris):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="curl/8", HTTP_HOST="paris.localhost"
    )
    token = log_scope_enter(request_id="r1", request=request)
    try:
        assert current_request() is request
        event = audit_record(actor=None, action="x.done", target=OrganizationFactory())
    finally:
        log_scope_exit(token)

    assert (event.ip, event.user_agent) == ("198.51.100.4", "curl/8")
    assert current_request() is None


# --- retention ----------------------------------------------------------------------------------


def _aged(tenant: Any, days: float) -> int:
    with tenant_context(tenant):
        event = AuditEventFactory(action=f"aged.{days}")
        AuditEvent.objects.filter(pk=event.pk).update(
            created_at=timezone.now() - timedelta(days=days)
        )
        return event.pk


def _actions(tenant: Any) -> set[str]:
    with tenant_context(tenant):
        return set(
            AuditEvent.objects.filter(action__startswith="aged.").values_list("action", flat=True)
        )


def test_rows_past_the_retention_are_purged_in_every_tenant(paris, montreal, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    for tenant in (paris, montreal):
        _aged(tenant, 29.9)
        _aged(tenant, 30.1)
        _aged(tenant, 400)

    purged = audit_purge_all_tenants()

    assert purged[paris.schema_name] == 2
    assert purged[montreal.schema_name] == 2
    assert _actions(paris) == _actions(montreal) == {"aged.29.9"}


def test_the_default_retention_is_400_days(paris, settings):
    assert settings.AUDIT_RETENTION_DAYS == 400
    _aged(paris, 399)
    _aged(paris, 401)

    with tenant_context(paris):
        assert audit_purge_expired() == 1

    assert _actions(paris) == {"aged.399"}


def test_the_purge_deletes_in_batches(paris, settings, monkeypatch):
    settings.AUDIT_RETENTION_DAYS = 10
    monkeypatch.setattr(services, "PURGE_BATCH_SIZE", 2)
    for _ in range(5):
        _aged(paris, 11)
    _aged(paris, 1)

    with tenant_context(paris):
        assert audit_purge_expired() == 5

    assert _actions(paris) == {"aged.1"}


def test_the_daily_task_runs_the_purge(paris, acme, settings):
    settings.AUDIT_RETENTION_DAYS = 10
    _aged(paris, 20)
    _aged(acme, 20)
    _aged(acme, 5)

    assert audit_purge_expired_task.apply().get() == 2
    assert _actions(paris) == set()
    assert _actions(acme) == {"aged.5"}
    assert "audit-purge-expired" in settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_BEAT_SCHEDULE["audit-purge-expired"]["task"] == "audit.purge_expired"

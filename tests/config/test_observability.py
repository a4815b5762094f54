"""Errors reach Sentry tagged with the tenant and without personal data."""

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from config.observability import sentry_init
from tenants.context import tenant_context
from tests.config.metrics_tasks import tenant_task_fails

pytestmark = pytest.mark.django_db


class KeepingTransport(Transport):
    def __init__(self, options=None):  # type: ignore[no-untyped-def]
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):  # type: ignore[no-untyped-def]
        self.envelopes.append(envelope)


@pytest.fixture
def sentry_events():
    transport = KeepingTransport()
    sentry_init(dsn="http://public@127.0.0.1:9/1", transport=transport, environment="test")
    events: list[dict] = []
    yield transport, events
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)


def _events(transport: KeepingTransport) -> list[dict]:
    found = []
    for envelope in transport.envelopes:
        for item in envelope.items:
            if item.type == "event":
                found.append(item.payload.json)
    return found


def test_view_error_is_tagged_with_the_tenant_without_personal_data(
    sentry_events, client_for, paris, settings
):
    from django_tenants.utils import tenant_context

    from accounts.services import user_create

    settings.ROOT_URLCONF = "tests.config.urls_boom"
    transport, _ = sentry_events
    with tenant_context(paris):
        user = user_create(email="resident@paris.example", password="pw-123456789")
    client = client_for(paris)
    client.raise_request_exception = False
    with tenant_context(paris):
        client.force_login(user)

    response = client.get("/boom/?q=1", REMOTE_ADDR="203.0.113.9")
    sentry_sdk.flush()

    assert response.status_code == 500
    events = _events(transport)
    assert len(events) == 1
    event = events[0]
    assert event["tags"]["tenant"] == paris.schema_name
    assert event["tags"]["request_id"] == response["X-Request-ID"]
    assert event["exception"]["values"][0]["value"] == "boom in a tenant view"
    assert event["transaction"] == "/boom/"
    serialized = str(event)
    assert "resident@paris.example" not in serialized
    assert "203.0.113.9" not in serialized
    assert "sessionid" not in serialized


def test_task_error_is_tagged_with_the_tenant_that_sent_it(sentry_events, paris):
    transport, _ = sentry_events
    with tenant_context(paris):
        # As a worker runs it: the error is caught by the task's trace, not raised here.
        result = tenant_task_fails.apply(throw=False)
    sentry_sdk.flush()

    assert result.state == "FAILURE"
    events = _events(transport)
    assert len(events) == 1
    assert events[0]["tags"]["tenant"] == paris.schema_name
    assert events[0]["exception"]["values"][0]["value"] == "boom in a tenant task"

"""Error reporting: Sentry, tagged with the tenant, without personal data."""

from collections.abc import Mapping
from typing import Any

import sentry_sdk
from django.db import connection
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from tenants.context import current_request_id


def _tag_tenant(event: dict[str, Any], hint: Mapping[str, Any]) -> dict[str, Any]:
    schema_name = getattr(connection, "schema_name", None)
    if schema_name:
        event.setdefault("tags", {})["tenant"] = schema_name
    request_id = current_request_id()
    if request_id:
        # The same id as the request's log lines and its error page's reference.
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def sentry_init(*, dsn: str, transport: Any = None, environment: str = "production") -> None:
    sentry_sdk.init(
        dsn=dsn,
        transport=transport,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        before_send=_tag_tenant,
        traces_sample_rate=0.0,
    )

"""Logs an operator can use: one JSON object per line, with tenant, request id, user id and every
`extra=` field; 4xx tagged with the tenant that answered."""

from __future__ import annotations

import io
import json
import logging
import re
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from celery.signals import before_task_publish
from django.test import Client
from django_tenants.utils import tenant_context

from accounts.services import user_create
from config.celery import app
from tenants.context import log_scope_enter, log_scope_exit
from tests.celery_worker import worker_start
from tests.config.log_tasks import log_from_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the configured console handler writes while the test runs."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def _lines(stream: io.StringIO) -> list[dict]:
    """Every line is one JSON object."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def boom_urls(settings):  # type: ignore[no-untyped-def]
    settings.ROOT_URLCONF = "tests.config.urls_boom"


def _signed_in_client(tenant, email: str) -> tuple[Client, object]:  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        user = user_create(email=email, password="pw-123456789")
    client = Client(HTTP_HOST=tenant.primary_host)
    with tenant_context(tenant):
        client.force_login(user)
    return client, user


def test_log_line_is_json_with_tenant_request_id_user_id_and_extra_fields(
    boom_urls, paris, log_lines
):
    client, user = _signed_in_client(paris, "logger@paris.example")

    response = client.get("/log-event/", HTTP_X_REQUEST_ID="ingress-7f3a9c")

    assert response["X-Request-ID"] == "ingress-7f3a9c"
    (line,) = [line for line in _lines(log_lines) if line["message"] == "test.event"]
    assert line["level"] == "WARNING"
    assert line["logger"] == "entraide.tests"
    assert line["tenant"] == paris.schema_name
    assert line["request_id"] == "ingress-7f3a9c"
    assert line["user_id"] == user.pk
    assert line["mission_id"] == 42
    assert line["is_authenticated"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", line["timestamp"])
    # Never personal data.
    assert "logger@paris.example" not in json.dumps(line)


@pytest.mark.parametrize(
    "incoming", ["", "bad id with spaces", "x" * 129, "id\r\nX-Injected: 1", '"quoted"', "é"]
)
def test_insane_request_id_is_replaced_by_a_generated_one(paris, log_lines, incoming):
    response = Client(HTTP_HOST=paris.primary_host).get(
        "/no/such/page/", HTTP_X_REQUEST_ID=incoming
    )

    generated = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    (line,) = [line for line in _lines(log_lines) if line["logger"] == "django.request"]
    assert line["request_id"] == generated


def test_each_request_writes_one_access_line_with_its_route_not_its_path(paris, log_lines, caplog):
    caplog.set_level(logging.INFO, logger="entraide.access")
    client = Client(HTTP_HOST=paris.primary_host)

    response = client.get("/api/v1/missions/987654/?q=secret-query")

    (line,) = [line for line in _lines(log_lines) if line["logger"] == "entraide.access"]
    assert line["message"] == "http.request"
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/missions/<int:mission_id>/"
    assert line["status_code"] == response.status_code == 404
    assert line["tenant"] == paris.schema_name
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] is None
    assert isinstance(line["duration_ms"], float)
    assert "987654" not in json.dumps(line) and "secret-query" not in json.dumps(line)


def test_every_response_carries_a_new_request_id(paris):
    client = Client(HTTP_HOST=paris.primary_host)

    first, second = client.get("/"), client.get("/")

    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize(
    "path",
    [
        "/no/such/page/",  # Http404 raised by the resolver
        "/api/v1/missions/abc/",  # a 404 response returned by an API view
        "/api/v1/me/participations/",  # a 401 returned by DRF
    ],
)
def test_4xx_is_logged_with_the_tenant_that_answered(paris, log_lines, path):
    response = Client(HTTP_HOST=paris.primary_host).get(path)

    assert 400 <= response.status_code < 500
    (line,) = [line for line in _lines(log_lines) if line["logger"] == "django.request"]
    assert line["tenant"] == paris.schema_name
    assert line["status_code"] == response.status_code
    assert line["request_id"] == response["X-Request-ID"]


def test_csrf_failure_is_logged_with_the_tenant_that_answered(acme, log_lines):
    client = Client(HTTP_HOST=acme.primary_host, enforce_csrf_checks=True)

    client.post("/accounts/login/", {"login": "a@b.example", "password": "x"})

    (line,) = [line for line in _lines(log_lines) if line["logger"] == "django.security.csrf"]
    assert line["tenant"] == acme.schema_name
    assert line["status_code"] == 403
    assert line["message"].startswith("Forbidden (CSRF")


def test_unknown_host_is_logged_without_a_tenant(log_lines):
    Client(HTTP_HOST="nowhere.entraide.test").get("/")

    (line,) = [line for line in _lines(log_lines) if line["logger"] == "django.request"]
    assert line["tenant"] is None
    assert line["status_code"] == 404


def test_exception_is_logged_as_an_exc_info_string_with_the_user(boom_urls, montreal, log_lines):
    client, user = _signed_in_client(montreal, "boom@montreal.example")
    client.raise_request_exception = False
    client.get("/log-event/")  # loads the user, as most views do before failing

    client.get("/boom/")

    (line,) = [
        line
        for line in _lines(log_lines)
        if line["logger"] == "django.request" and line["level"] == "ERROR"
    ]
    assert line["tenant"] == montreal.schema_name
    assert isinstance(line["exc_info"], str)
    assert "RuntimeError: boom in a tenant view" in line["exc_info"]
    assert "boom@montreal.example" not in json.dumps(line)


def test_task_log_line_carries_the_request_id_and_user_id_from_its_headers(paris, log_lines):
    with tenant_context(paris):
        log_from_task.apply(headers={"entraide_request_id": "req-from-web", "entraide_user_id": 7})

    (line,) = [line for line in _lines(log_lines) if line["message"] == "test.task_event"]
    assert line["tenant"] == paris.schema_name
    assert line["request_id"] == "req-from-web"
    assert line["user_id"] == 7
    assert line["attempt"] == 1


def test_task_run_eagerly_in_a_request_logs_with_the_requests_id(paris, log_lines):
    token = log_scope_enter(request_id="req-eager", user_id=None)
    try:
        with tenant_context(paris):
            log_from_task.delay()
    finally:
        log_scope_exit(token)

    (line,) = [line for line in _lines(log_lines) if line["message"] == "test.task_event"]
    assert line["request_id"] == "req-eager"


def test_publishing_a_task_puts_the_request_id_and_user_id_in_its_headers(boom_urls, paris):
    client, user = _signed_in_client(paris, "publisher@paris.example")
    seen: list[dict] = []

    class SendOnLog(logging.Handler):
        """Publishes a task from inside the view, when it logs its event."""

        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() == "test.event":
                headers: dict = {}
                before_task_publish.send(sender="tests.log_from_task", headers=headers, body=())
                seen.append(headers)

    logger = logging.getLogger("entraide.tests")
    probe = SendOnLog()
    logger.addHandler(probe)
    try:
        response = client.get("/log-event/")
    finally:
        logger.removeHandler(probe)

    assert seen == [{"entraide_request_id": response["X-Request-ID"], "entraide_user_id": user.pk}]


def test_text_format_is_available_for_a_developer_terminal(settings):
    formatter = logging.Formatter(settings.LOGGING["formatters"]["text"]["format"])
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "event.name", None, None)
    record.schema_name, record.request_id, record.user_id = "paris", "r1", 3

    assert "tenant=paris request=r1 user=3 event.name" in formatter.format(record)


@pytest.mark.worker
def test_real_worker_logs_json_with_the_senders_request_id_user_id_and_tenant(paris, settings):
    """A Celery worker process on Redis: the ids travel in the task headers, the line is JSON."""
    queue = f"entraide-test-{uuid.uuid4().hex[:8]}"
    worker = worker_start(
        queue=queue,
        include="tests.config.log_tasks",
        environment={"LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"},
        log_level=None,
    )
    done_key = f"entraide-test:{uuid.uuid4().hex}"
    # The app's conf holds Django's settings under the CELERY_ namespace once it has read them
    # (an earlier test on this worker may have): set the key there, as tests/tenants/test_tasks.
    previous = app.conf["CELERY_TASK_ALWAYS_EAGER"]
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = False
    assert not app.conf.task_always_eager
    token = log_scope_enter(request_id="req-to-worker", user_id=31)
    try:
        with tenant_context(paris):
            log_from_task.apply_async(args=[done_key], queue=queue)
        done = redis.Redis.from_url(settings.REDIS_URL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None and not done.get(done_key):
            time.sleep(0.2)
    finally:
        app.conf["CELERY_TASK_ALWAYS_EAGER"] = previous
        log_scope_exit(token)
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")

    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    (line,) = [line for line in lines if line["message"] == "test.task_event"]
    assert line["tenant"] == paris.schema_name
    assert line["request_id"] == "req-to-worker"
    assert line["user_id"] == 31
    assert line["attempt"] == 1

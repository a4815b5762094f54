"""SCIM 2.0 conformance of /scim/v2/: scim2-tester's checks over real HTTP on loopback.

The server is Django's WSGI application in a thread of this process, answering on 127.0.0.1 for
Acme's host (the Host header names it; the transport connects to loopback). It shares the test's
database connection, so that what the checks create lives in the test's transaction and rolls
back with it (no committed data, no other schema touched).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx2
import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection, connections
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class _LoopbackTransport(httpx2.HTTPTransport):
    """Connect to 127.0.0.1 whatever the URL's host, which stays in the Host header."""

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.url = request.url.copy_with(host="127.0.0.1")
        return super().handle_request(request)


@pytest.fixture
def loopback_server(in_acme: Any) -> Iterator[WSGIServer]:
    server = make_server("127.0.0.1", 0, WSGIHandler(), handler_class=_QuietHandler)
    shared = connections["default"]
    shared.inc_thread_sharing()
    # The server must not close the test's connection after each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)

    def serve() -> None:
        connections["default"] = shared
        server.serve_forever(poll_interval=0.05)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        shared.dec_thread_sharing()
        connection.set_tenant(in_acme)


def test_every_scim2_tester_check_passes(loopback_server, acme, acme_token):
    port = loopback_server.server_address[1]
    http = httpx2.Client(
        base_url=f"http://{acme.primary_host}:{port}/scim/v2/",
        headers={"Authorization": f"Bearer {acme_token}"},
        transport=_LoopbackTransport(),
        timeout=10,
    )
    client = SyncSCIMClient(http)

    results = check_server(client)

    failed = [
        f"{result.title} [{result.resource_type}]: {result.reason}"
        for result in results
        if result.status not in (Status.SUCCESS, Status.SKIPPED)
    ]
    skipped = [
        f"{result.title} [{result.resource_type}]: {result.reason}"
        for result in results
        if result.status == Status.SKIPPED
    ]
    print("\n".join(["FAILED"] + failed + ["SKIPPED"] + skipped))
    assert failed == []
    assert len(results) > 50

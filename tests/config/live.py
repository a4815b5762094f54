"""A real HTTP server in the test process that sees the test's uncommitted data.

The server answers on 127.0.0.1:<free port> with the whole WSGI stack (host routing, middleware,
views), so the bytes a test sends (Host header, raw path, query, body) really cross a socket and
an HTTP parser. It runs in one thread that borrows the test's own database connection: the data a
test creates inside its transaction is visible, and every request runs inside a savepoint rolled
back afterwards, so requests neither leak into one another nor outlive the test. One thread
serves one request at a time; the test waits for each answer, so the connection is never used by
two threads at once.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIServer

from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connections, transaction
from django.test.testcases import QuietWSGIRequestHandler

Environ = dict[str, Any]


# Writes that are no business data: the session row (a message, a language) may change on any
# answer.
_NOT_DATA = ("django_session",)


class _RollbackEachRequest:
    """WSGI wrapper: each request in a savepoint rolled back once its body is read. The writes
    the request made (INSERT/UPDATE/DELETE statements) are kept in `writes` until the next one."""

    def __init__(self, application: Callable[..., Iterable[bytes]]) -> None:
        self.application = application
        self.writes: list[str] = []

    def _record(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        statement = sql.lstrip().upper()
        if statement.startswith(("INSERT", "UPDATE", "DELETE")) and not any(
            table in sql for table in _NOT_DATA
        ):
            self.writes.append(sql[:200])
        return execute(sql, params, many, context)

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> list[bytes]:
        self.writes = []
        savepoint = transaction.savepoint()
        try:
            with connections["default"].execute_wrapper(self._record):
                response = self.application(environ, start_response)
                try:
                    body = b"".join(response)
                finally:
                    close = getattr(response, "close", None)
                    if close is not None:
                        close()
        finally:
            # A database error in a view leaves the transaction aborted: the rollback to the
            # savepoint makes it usable again for the next request and for the test.
            transaction.savepoint_rollback(savepoint)
        return [body]


class _Server(WSGIServer):
    # An HTTP parser error (bad request line, bad header) is answered by the server itself.
    request_queue_size = 16


class LiveServer:
    """Start with `start()`, stop with `stop()`; `port` is the bound port."""

    def __init__(self) -> None:
        self.httpd = _Server(("127.0.0.1", 0), QuietWSGIRequestHandler)
        self.application = _RollbackEachRequest(WSGIHandler())
        self.httpd.set_app(self.application)
        self.port = self.httpd.server_address[1]
        self.shared = connections["default"]  # the object itself, not the per-thread proxy
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        connections["default"] = self.shared
        self.httpd.serve_forever(poll_interval=0.05)

    def start(self) -> None:
        # Django ends connections at request start and end; in a test transaction that would
        # close the test's own connection (the test client avoids it the same way).
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        self.shared.inc_thread_sharing()
        self.thread.start()

    @property
    def last_writes(self) -> list[str]:
        """The data the last request wrote (rolled back since)."""
        return list(self.application.writes)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
        self.shared.dec_thread_sharing()
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()


@dataclass
class RawClient:
    """Sends exactly the bytes it is given (HTTP/1.0, one connection per request)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        target: bytes | str,
        *,
        host: bytes | str | None,
        body: bytes = b"",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        target_bytes = target.encode("latin-1") if isinstance(target, str) else target
        lines = [method.encode("ascii") + b" " + target_bytes + b" HTTP/1.0"]
        if host is not None:
            lines.append(b"Host: " + (host.encode("latin-1") if isinstance(host, str) else host))
        all_headers = {**self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type is not None:
            all_headers["Content-Type"] = content_type
        if body or method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
            all_headers["Content-Length"] = str(len(body))
        for name, value in all_headers.items():
            lines.append(f"{name}: {value}".encode("latin-1"))
        raw = b"\r\n".join(lines) + b"\r\n\r\n" + body
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(raw)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return _parse(b"".join(chunks))


def _parse(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(status=int(status_line.split()[1]), headers=headers, body=body)


def live_server_running() -> Iterator[LiveServer]:
    server = LiveServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()

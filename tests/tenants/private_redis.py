"""A Redis server of the test's own, on a free loopback port, that a test may stop and restart
(never the shared one on 6379), and the settings and Celery app pointed at it."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import kombu.pools
import redis

from config.celery import app
from tenants import routing
from tenants.cache import redis_health


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """`stop()` kills it (its data is gone, as with a Redis without persistence);
    `stop(keep_data=True)` shuts it down saving to `directory`, and `start()` loads that again
    (the entries survive the outage, as after a network split)."""

    def __init__(self, directory: str) -> None:
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                self.directory,
                "--dbfilename",
                f"redis-{self.port}.rdb",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self, *, keep_data: bool = False) -> None:
        if self.process is None:
            return
        if keep_data:
            self.client().shutdown(save=True)
        else:
            self.client().flushall()
            self.process.kill()
        self.process.wait(timeout=10)
        self.process = None

    def queue(self, name: str) -> list[dict[str, Any]]:
        """The messages waiting in a Celery queue (kombu's Redis list), oldest first."""
        return [json.loads(raw) for raw in reversed(self.client().lrange(name, 0, -1))]


def message_call(message: dict[str, Any]) -> tuple[str, list[Any], dict[str, Any], dict[str, Any]]:
    """(task name, args, kwargs, headers) of a kombu message read from Redis."""
    body = json.loads(base64.b64decode(message["body"]))
    headers = message["headers"]
    return headers["task"], body[0], body[1], headers


def deliver(message: dict[str, Any]) -> Any:
    """Run a message read from the queue as a worker would: its task, args and headers."""
    name, args, kwargs, headers = message_call(message)
    return app.tasks[name].apply(args=args, kwargs=kwargs, headers=headers).get()


@contextmanager
def pointed_at(server: RedisServer, settings: Any, *, eager: bool = False) -> Iterator[None]:
    """The cache, host routing and the Celery broker on `server` (a new key prefix, so nothing
    cached for the shared Redis is reused), Celery not eager: tasks go through the broker."""
    caches = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": server.url,
            "KEY_PREFIX": f"private{server.port}",
        }
    }
    settings.CACHES = caches  # setting_changed: Django drops its cache connections
    # The app reads Django's settings under the CELERY_ namespace: those keys win over
    # `app.conf.broker_url` and friends, so they are the ones to change.
    previous = (app.conf["CELERY_BROKER_URL"], app.conf["CELERY_TASK_ALWAYS_EAGER"])
    app.conf["CELERY_BROKER_URL"] = server.url
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = eager
    _reset_celery_connections()
    redis_health.reset()
    routing._local.clear()
    try:
        yield
    finally:
        app.conf["CELERY_BROKER_URL"], app.conf["CELERY_TASK_ALWAYS_EAGER"] = previous
        _reset_celery_connections()
        redis_health.reset()
        routing._local.clear()


def _reset_celery_connections() -> None:
    # The app keeps the connection and producer pools of the broker it first used (kombu's
    # process-wide pools): drop them all, the next send builds them for the current broker URL.
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None

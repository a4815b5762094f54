"""The heartbeats that `python -m config.probes` reads (see that module).

- Worker: a bootstep of the consumer. Every WORKER_HEARTBEAT_SECONDS its timer (the consumer's
  own event loop, so a blocked loop stops it) touches the file, but only while the broker
  connection is up: a worker that lost Redis for good is restarted.
- Beat: the scheduler touches the file on every tick; beat wakes at least every
  BEAT_MAX_LOOP_SECONDS (CELERY_BEAT_MAX_LOOP_INTERVAL).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import bootsteps
from celery.beat import PersistentScheduler

from config.probes import WORKER_HEARTBEAT_SECONDS, heartbeat_path

logger = logging.getLogger(__name__)


def touch(process: str) -> None:
    try:
        heartbeat_path(process).touch()
    except OSError:  # a full or read-only /tmp: the probe reports it (stale file)
        logger.warning("heartbeat.touch_failed", extra={"process": process}, exc_info=True)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Touches the worker's heartbeat from the consumer's timer while connected."""

    requires = ("celery.worker.consumer.connection:Connection",)

    def __init__(self, consumer: Any, **kwargs: Any) -> None:
        super().__init__(consumer, **kwargs)
        self._timer_entry: Any = None

    def start(self, consumer: Any) -> None:
        def beat() -> None:
            connection = consumer.connection
            if connection is not None and connection.connected:
                touch("worker")

        beat()
        self._timer_entry = consumer.timer.call_repeatedly(WORKER_HEARTBEAT_SECONDS, beat)

    def stop(self, consumer: Any) -> None:
        if self._timer_entry is not None:
            self._timer_entry.cancel()
            self._timer_entry = None

    shutdown = stop


class HeartbeatScheduler(PersistentScheduler):
    """Celery's default scheduler (schedule kept in a file), touching beat's heartbeat per tick."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        touch("beat")
        return super().tick(*args, **kwargs)

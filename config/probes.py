"""Liveness probes of the Celery worker and beat: `python -m config.probes worker|beat`, and
the image's HEALTHCHECK for all three roles: `python -m config.probes` (no argument).

Neither process serves HTTP, so they cannot share web's `/healthz`. Each touches a heartbeat file
from inside its own loop (config/heartbeats.py): the worker's consumer every
`WORKER_HEARTBEAT_SECONDS` (10, or ENTRAIDE_WORKER_HEARTBEAT_SECONDS on the container) while it
holds its broker connection, beat on every scheduler tick. The probe only reads the file's age —
no Django, no Celery, no broker round trip — so it costs a few milliseconds and answers the one
question a liveness probe should: is the loop still turning?

Without an argument the probe works out what the container runs: a worker or beat heartbeat
file present means that process (checked as above); none means web, checked with a GET of
`/healthz` on 127.0.0.1:$PORT (8000 by default, the image's CMD). So the image's one
HEALTHCHECK is right for web, worker and beat alike (a worker that never beat is unhealthy).

Exit status 0: healthy; 1: not (the message says why); 2: wrong usage. The Helm chart runs the
explicit forms as exec liveness probes; `make image-test` runs both forms in the built image.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

WORKER_HEARTBEAT_SECONDS_DEFAULT = 10
_WORKER_HEARTBEAT_VARIABLE = "ENTRAIDE_WORKER_HEARTBEAT_SECONDS"


def worker_heartbeat_seconds_from_env() -> int:
    """How often a worker touches its heartbeat: ENTRAIDE_WORKER_HEARTBEAT_SECONDS (whole
    seconds, 1 or more), WORKER_HEARTBEAT_SECONDS_DEFAULT when unset. Read by the worker and by
    its probe alike, so it belongs on the container, not on one command of it."""
    raw = os.environ.get(_WORKER_HEARTBEAT_VARIABLE, "").strip()
    if not raw:
        return WORKER_HEARTBEAT_SECONDS_DEFAULT
    if not raw.isdecimal() or int(raw) < 1:
        raise ValueError(
            f"{_WORKER_HEARTBEAT_VARIABLE} must be a number of seconds (1 or more), not {raw!r}."
        )
    return int(raw)


WORKER_HEARTBEAT_SECONDS = worker_heartbeat_seconds_from_env()
# Beat sleeps at most this long between ticks (CELERY_BEAT_MAX_LOOP_INTERVAL in the settings).
BEAT_MAX_LOOP_SECONDS = 30
# A loop is dead after missing this many beats in a row.
MISSED_BEATS = 4
MAX_AGE_SECONDS = {
    "worker": WORKER_HEARTBEAT_SECONDS * MISSED_BEATS,
    "beat": BEAT_MAX_LOOP_SECONDS * MISSED_BEATS,
}


def heartbeat_path(process: str) -> Path:
    """Where `process` ("worker" or "beat") leaves its heartbeat (a writable folder: /tmp)."""
    folder = os.environ.get("ENTRAIDE_HEARTBEAT_DIR", "/tmp")  # noqa: S108 - per-container /tmp
    return Path(folder) / f"entraide-{process}.heartbeat"


def heartbeat_age(process: str, *, now: float | None = None) -> float | None:
    """Seconds since `process` last beat; None when it never did."""
    try:
        touched = heartbeat_path(process).stat().st_mtime
    except FileNotFoundError:
        return None
    return max(0.0, (time.time() if now is None else now) - touched)


def check(process: str, *, now: float | None = None) -> tuple[bool, str]:
    """(healthy, a one-line explanation)."""
    limit = MAX_AGE_SECONDS[process]
    age = heartbeat_age(process, now=now)
    if age is None:
        return False, f"{process}: no heartbeat at {heartbeat_path(process)}"
    if age > limit:
        return False, f"{process}: last heartbeat {age:.0f} s ago (limit {limit} s)"
    return True, f"{process}: alive, last heartbeat {age:.0f} s ago"


def check_web(port: int) -> tuple[bool, str]:
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - fixed http URL
            status = response.status
    except (urllib.error.URLError, OSError) as error:
        return False, f"web: {url} unreachable ({error})"
    return status == 200, f"web: {url} answered {status}"


def check_auto() -> tuple[bool, str]:
    for process in MAX_AGE_SECONDS:
        if heartbeat_path(process).exists():
            return check(process)
    return check_web(int(os.environ.get("PORT", "8000")))


def main(argv: list[str]) -> int:
    if len(argv) > 1 or (argv and argv[0] not in MAX_AGE_SECONDS):
        print("usage: python -m config.probes [worker|beat]", file=sys.stderr)
        return 2
    healthy, message = check(argv[0]) if argv else check_auto()
    print(message, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""A real Celery worker process for the tests that need one (marked `worker`).

It runs the project's Celery app on the test database (the one this test session created) with
eager mode off, one task at a time (`--pool solo`, unless told otherwise), and imports the given
test task modules.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

from django.db import connection


def worker_start(
    *,
    queue: str,
    include: str,
    broker_url: str | None = None,
    environment: Mapping[str, str] | None = None,
    log_level: str | None = "WARNING",
    pool: str = "solo",
    concurrency: int = 1,
) -> subprocess.Popen[bytes]:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": (
            f"postgres://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        **({"CELERY_BROKER_URL": broker_url} if broker_url else {}),
        **(environment or {}),
    }
    command = [
        sys.executable,
        *("-m", "celery", "-A", "config", "worker"),
        *("--pool", pool, "--concurrency", str(concurrency)),
        *("-Q", queue, "--include", include),
        *("--without-heartbeat", "--without-gossip", "--without-mingle"),
        *(("--loglevel", log_level) if log_level else ()),
    ]
    return subprocess.Popen(  # noqa: S603
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )

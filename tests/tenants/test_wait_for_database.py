"""`manage.py wait_for_database` (the Helm migrations Job's init container): returns as soon as
the real PostgreSQL answers; fails with the last error, within its timeout, when nothing listens
or when the address swallows packets. The failing cases run manage.py in a subprocess against a
loopback address, as the Job would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_returns_at_once_when_postgresql_answers():
    out = StringIO()
    started = time.monotonic()

    call_command("wait_for_database", "--timeout=5", stdout=out)

    assert out.getvalue() == "Database answered after 1 attempt(s).\n"
    assert time.monotonic() - started < 2


def test_refuses_a_timeout_that_is_not_positive():
    with pytest.raises(CommandError, match="must be positive"):
        call_command("wait_for_database", "--timeout=0")


def test_refuses_an_unknown_database_alias():
    with pytest.raises(CommandError, match="No database named 'replica'"):
        call_command("wait_for_database", "--database=replica")


def _wait(database_url: str, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST_", "DJANGO_"))
    }
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    environment["DATABASE_URL"] = database_url
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", "wait_for_database", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result, time.monotonic() - started


def _start_up_seconds(database_url: str) -> float:
    """The same subprocess refused at once (a zero timeout): Django's start-up and exit, which a
    loaded machine stretches, measured next to the run it is subtracted from."""
    result, elapsed = _wait(database_url, "--timeout=0")
    assert result.returncode != 0
    assert "must be positive" in result.stderr
    return elapsed


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections and never says a word (a database stuck in
    recovery, a load balancer with no backend)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


def test_fails_after_the_timeout_when_nothing_listens():
    port = _closed_port()
    url = f"postgres://postgres:s3cr3t-password@127.0.0.1:{port}/entraide"

    result, elapsed = _wait(url, "--timeout=2", "--interval=0.5")
    waited = elapsed - _start_up_seconds(url)

    assert result.returncode == 1
    assert "Database not reachable after 2 s (" in result.stderr
    assert f"port {port} failed: Connection refused" in result.stderr
    assert result.stderr.count("Database not reachable yet:") >= 2
    assert "s3cr3t-password" not in result.stderr + result.stdout
    assert elapsed >= 2
    assert waited < 2 + 5


def test_an_address_that_never_answers_costs_the_timeout_not_more(silent_server):
    url = f"postgres://postgres@127.0.0.1:{silent_server}/entraide"

    result, elapsed = _wait(url, "--timeout=2")
    waited = elapsed - _start_up_seconds(url)

    assert result.returncode == 1
    assert "Database not reachable after 2 s (1 attempt(s))" in result.stderr
    assert "timeout" in result.stderr.lower()
    assert waited < 2 + 5

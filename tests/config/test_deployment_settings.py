"""Deployment switches of the settings (the Helm chart sets them): PgBouncer's pool mode and the
secret key's fallbacks. Each case imports the production settings in a subprocess, with the
environment a pod would have."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DATABASE_POOL_MODE); print(settings.SECRET_KEY_FALLBACKS); "
    "print(settings.DATABASES['default']['CONN_MAX_AGE']); "
    "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options'))"
)


def _production(**variables: str) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "PYTEST_"))
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ENTRAIDE_SECRET_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_session_pooling_and_secret_key_fallbacks_are_read_from_the_environment():
    old_keys = [secrets.token_urlsafe(50), secrets.token_urlsafe(50)]

    result = _production(
        DATABASE_POOL_MODE="session",
        DATABASE_CONN_MAX_AGE="0",
        DJANGO_SECRET_KEY_FALLBACKS=f" {old_keys[0]} ,{old_keys[1]},",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["session", repr(old_keys), "0", "None"]


def test_defaults_are_a_direct_connection_and_no_fallback():
    result = _production()

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "direct",
        "[]",
        "60",
        "-c jit=off -c max_parallel_workers_per_gather=0",
    ]


def test_database_jit_gives_the_server_setting_back():
    result = _production(DATABASE_JIT="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "-c max_parallel_workers_per_gather=0"


def test_database_parallel_query_gives_the_server_setting_back():
    result = _production(DATABASE_PARALLEL_QUERY="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "-c jit=off"
    both = _production(DATABASE_JIT="true", DATABASE_PARALLEL_QUERY="true")
    assert both.stdout.splitlines()[-1] == "None"


def test_transaction_pooling_is_refused_at_start_up():
    result = _production(DATABASE_POOL_MODE="transaction")

    assert result.returncode == 1
    assert "ImproperlyConfigured: DATABASE_POOL_MODE='transaction'" in result.stderr
    assert "search_path" in result.stderr
    assert result.stdout == ""


@pytest.mark.django_db
def test_the_application_connection_runs_without_jit_or_parallel_workers():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
        cursor.execute("SHOW max_parallel_workers_per_gather")
        workers = cursor.fetchone()[0]

    assert (jit, workers) == ("off", "0")


@pytest.mark.django_db
def test_the_application_connection_prepares_no_statement():
    """Each statement is planned for its own parameters: generic plans of the search were up
    to 7 times slower at 100,000 missions as PostgreSQL chose them, 169 times forced
    (bench/search.py --planning)."""
    with connection.cursor() as cursor:
        for _ in range(8):
            cursor.execute("SELECT count(*) FROM pg_class WHERE relname = %s", ["pg_class"])
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        prepared = cursor.fetchone()[0]

    assert connection.connection.prepare_threshold is None
    assert prepared == 0

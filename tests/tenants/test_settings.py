"""Production settings: `check --deploy` is clean, and they refuse to start without a real secret.

Each case runs manage.py in a subprocess, as a deploy would, with a clean environment."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, secret_key: str | None) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "SENTRY_", "ENTRAIDE_"))
        and name != "PYTEST_CURRENT_TEST"
    }
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    # Required in production by accounts (identity-provider secrets and TOTP seeds are encrypted).
    environment["ENTRAIDE_SECRET_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    if secret_key is not None:
        environment["DJANGO_SECRET_KEY"] = secret_key
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", secret_key=secrets.token_urlsafe(50)
    )

    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"System check identified no issues \(\d+ silenced\)\.\n", result.stdout)
    assert "WARNING" not in result.stderr


def test_production_silences_no_security_check():
    code = (
        "from django.conf import settings; "
        "print(','.join(settings.SILENCED_SYSTEM_CHECKS)); "
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS > 0, "
        "settings.SESSION_COOKIE_DOMAIN, settings.CSRF_COOKIE_DOMAIN)"
    )
    result = _manage("shell", "--verbosity", "0", "-c", code, secret_key=secrets.token_urlsafe(50))

    assert result.returncode == 0, result.stderr
    silenced, flags = result.stdout.splitlines()
    assert not [check for check in silenced.split(",") if check.startswith("security.")]
    assert flags == "False True True True True None None"


@pytest.mark.parametrize(
    "secret_key", [None, "", "too-short-0123456789"], ids=["unset", "empty", "short"]
)
def test_production_refuses_to_start_without_a_real_secret_key(secret_key):
    result = _manage("check", secret_key=secret_key)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY must be set to a random string of 50+ characters" in result.stderr

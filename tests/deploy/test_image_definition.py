"""What the Dockerfile and .dockerignore promise, checked without building (`make image-test`
builds and runs the image itself)."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from engagement.places.gazetteer import CITY_MIN_POPULATION

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
IGNORED = [
    line.strip()
    for line in (ROOT / ".dockerignore").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]


def _ignored(path: str) -> bool:
    """Docker's rules for these patterns: a pattern matches the path or one of its parents;
    `**/` matches any depth."""
    parts = path.split("/")
    candidates = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    for pattern in IGNORED:
        for candidate in candidates:
            if fnmatch.fnmatch(candidate, pattern):
                return True
            if pattern.startswith("**/") and fnmatch.fnmatch(candidate.split("/")[-1], pattern[3:]):
                return True
    return False


def test_secrets_and_local_files_never_reach_the_build_context():
    for path in (
        ".env",
        ".env.production",
        "config/.env.local",
        "deploy/tls.key",
        "keys/saml.pem",
        "certs/idp.crt",
        ".git/config",
        ".venv/bin/python",
        "var/media/t_paris/logo.png",
        "tests/conftest.py",
        "node_modules/x.js",
    ):
        assert _ignored(path), path


def test_what_the_image_needs_is_in_the_build_context():
    for path in (
        "manage.py",
        "config/settings/production.py",
        "tenants/models.py",
        "requirements/production.txt",
        "static/css/entraide.css",
        "locale",
    ):
        assert not _ignored(path), path


def test_dependencies_are_installed_from_the_lock_file_with_hashes():
    assert "COPY requirements/production.txt" in DOCKERFILE
    install = re.search(r"pip install ([^\n]+)", DOCKERFILE).group(1)
    assert "--require-hashes" in install and "-r requirements/production.txt" in install
    assert "pip install ." not in DOCKERFILE


def test_the_image_keeps_the_city_list_the_gazetteer_reads():
    kept = re.search(r"! -name '(cities\d+\.json)'", DOCKERFILE).group(1)
    assert kept == f"cities{CITY_MIN_POPULATION}.json"


def test_the_image_runs_as_a_user_and_collects_hashed_static_files():
    assert re.search(r"^USER 10001:10001$", DOCKERFILE, re.MULTILINE)
    assert "collectstatic" in DOCKERFILE
    production = (ROOT / "config/settings/production.py").read_text()
    assert "CompressedManifestStaticFilesStorage" in production

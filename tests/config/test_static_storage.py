"""Production's static files' storage (config/static_storage.py): whitenoise's hashed URLs, each
worked out once."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.test import override_settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

from config.static_storage import REMEMBERED_NAMES, StaticFilesStorage

PATHS = {
    "css/entraide.css": "css/entraide.0123456789ab.css",
    "js/entraide.js": "js/entraide.ba9876543210.js",
    "fonts/icons.woff2": "fonts/icons.aaaaaaaaaaaa.woff2",
}
NAMES = ["css/entraide.css", "js/entraide.js", "fonts/icons.woff2?#iefix", "css/entraide.css#top"]


def _storages(root: Path) -> tuple[StaticFilesStorage, CompressedManifestStaticFilesStorage]:
    (root / "staticfiles.json").write_text(json.dumps({"paths": PATHS, "version": "1.1"}))
    ours = StaticFilesStorage(location=str(root), base_url="/static/")
    whitenoise = CompressedManifestStaticFilesStorage(location=str(root), base_url="/static/")
    return ours, whitenoise


@pytest.mark.parametrize("name", NAMES)
def test_the_url_is_whitenoises_the_first_time_and_the_next(tmp_path: Path, name: str):
    ours, whitenoise = _storages(tmp_path)
    assert ours.url(name) == whitenoise.url(name)
    assert ours.url(name) == whitenoise.url(name)
    assert ours.url("css/entraide.css") == "/static/css/entraide.0123456789ab.css"


def test_a_name_is_worked_out_once(tmp_path: Path):
    ours, _whitenoise = _storages(tmp_path)
    with mock.patch.object(
        ManifestFilesMixin, "url", autospec=True, side_effect=ManifestFilesMixin.url
    ) as url:
        for _ in range(3):
            ours.url("css/entraide.css")
            ours.url("js/entraide.js")
    assert url.call_count == 2


def test_a_file_missing_from_the_manifest_raises_every_time(tmp_path: Path):
    ours, _whitenoise = _storages(tmp_path)
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            ours.url("css/missing.css")


def test_with_debug_or_force_django_answers(tmp_path: Path):
    ours, whitenoise = _storages(tmp_path)
    assert ours.url("js/entraide.js") == "/static/js/entraide.ba9876543210.js"
    with override_settings(DEBUG=True):
        assert (
            ours.url("js/entraide.js")
            == whitenoise.url("js/entraide.js")
            == "/static/js/entraide.js"
        )
    assert ours.url("js/entraide.js", force=True) == whitenoise.url("js/entraide.js", force=True)


def test_the_table_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("config.static_storage.REMEMBERED_NAMES", 2)
    ours, whitenoise = _storages(tmp_path)
    for name in PATHS:
        assert ours.url(name) == whitenoise.url(name)
    assert len(ours._urls) == 2
    assert REMEMBERED_NAMES == 1024

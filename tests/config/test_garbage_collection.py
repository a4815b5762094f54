"""What a web worker freezes out of the garbage collector's reach (config/garbage_collection.py):
the setting, the freeze itself, the count of requests from several threads, and gunicorn's real
workers (config/gunicorn.py's hooks)."""

from __future__ import annotations

import gc
import json
import logging
import threading
from collections.abc import Iterator

import pytest

from config.garbage_collection import (
    FREEZE_AFTER_REQUESTS_DEFAULT,
    RequestCount,
    freeze,
    freeze_after_requests_from_env,
)
from tests.config.gunicorn_server import Gunicorn, http_get, wait_for

# The servers below log at INFO, where the freezes are logged.
INFO_LOGS = "tests.config.settings_info_logs"


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The test process's collector as it was: whatever a test froze goes back."""
    assert gc.get_freeze_count() == 0
    try:
        yield
    finally:
        gc.unfreeze()


def test_freeze_after_requests_setting(monkeypatch):
    monkeypatch.delenv("GC_FREEZE_AFTER_REQUESTS", raising=False)
    assert freeze_after_requests_from_env() == FREEZE_AFTER_REQUESTS_DEFAULT == 500
    for off in ("off", "OFF", " off "):
        monkeypatch.setenv("GC_FREEZE_AFTER_REQUESTS", off)
        assert freeze_after_requests_from_env() is None
    monkeypatch.setenv("GC_FREEZE_AFTER_REQUESTS", "20")
    assert freeze_after_requests_from_env() == 20
    for bad in ("0", "-1", "1.5", "many", "²"):
        monkeypatch.setenv("GC_FREEZE_AFTER_REQUESTS", bad)
        with pytest.raises(ValueError, match="GC_FREEZE_AFTER_REQUESTS must be a number"):
            freeze_after_requests_from_env()


def test_freeze_takes_every_live_object_out_of_the_collections(unfrozen, caplog):
    kept = [[number] for number in range(10_000)]  # lists: always tracked
    tracked = len(gc.get_objects())
    caplog.set_level(logging.INFO, logger="config.garbage_collection")

    frozen = freeze("test")

    # A frozen object is still freed by reference counting: the count can only have gone down.
    assert frozen >= gc.get_freeze_count() > len(kept)
    # What the collections visit now: only what was made since, a small part of the rest.
    assert len(gc.get_objects()) < tracked // 10
    assert not any(item is kept[0] for item in gc.get_objects())
    [record] = [r for r in caplog.records if r.getMessage() == "gc.frozen"]
    assert (record.stage, record.frozen) == ("test", frozen)
    assert record.seconds >= 0


def test_the_count_freezes_once_at_its_request_whatever_thread_serves_it(unfrozen, caplog):
    caplog.set_level(logging.INFO, logger="config.garbage_collection")
    count = RequestCount(after=150)
    for _request in range(149):
        count.served()
    assert gc.get_freeze_count() == 0

    # Four threads serve 400 more requests between them: the 150th of all freezes, once.
    threads = [
        threading.Thread(target=lambda: [count.served() for _ in range(100)]) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert gc.get_freeze_count() > 0
    assert [r.stage for r in caplog.records if r.getMessage() == "gc.frozen"] == ["after requests"]


def _frozen_lines(output: str) -> list[dict]:
    lines = []
    for line in output.splitlines():
        if '"gc.frozen"' in line:
            lines.append(json.loads(line[line.index("{") :]))
    return lines


def _serve_pages(tmp_path, host: str, setting: str, pages: int) -> tuple[list[int], str, str]:
    """One gunicorn worker with this GC_FREEZE_AFTER_REQUESTS, logging at INFO: the statuses of
    `pages` home pages, what it had logged once ready, and all it logged."""
    server = Gunicorn(
        tmp_path / "metrics",
        workers=1,
        GC_FREEZE_AFTER_REQUESTS=setting,
        DJANGO_SETTINGS_MODULE=INFO_LOGS,
    )
    try:
        wait_for(server.port, server.process)
        ready = server.output()
        statuses = [http_get(server.port, "/", host)[0] for _ in range(pages)]
    finally:
        output = server.stop()
    return statuses, ready, output


@pytest.mark.django_db
def test_gunicorn_workers_freeze_when_loaded_and_after_their_first_requests(tmp_path, paris):
    statuses, ready, output = _serve_pages(tmp_path, paris.primary_host, "5", pages=12)

    assert statuses == [200] * 12
    loaded = _frozen_lines(ready)
    assert [line["stage"] for line in loaded] == ["application loaded"]
    assert loaded[0]["frozen"] > 50_000  # Django, its apps and models
    frozen = _frozen_lines(output)
    # The health check counted as a request too: the 5th falls among the pages.
    assert [line["stage"] for line in frozen] == ["application loaded", "after requests"]
    assert frozen[1]["frozen"] > frozen[0]["frozen"]  # the pages' own loads joined


@pytest.mark.django_db
def test_gunicorn_workers_freeze_nothing_when_told_off(tmp_path, paris):
    statuses, _ready, output = _serve_pages(tmp_path, paris.primary_host, "off", pages=3)

    assert statuses == [200] * 3
    assert "Booting worker" in output
    assert _frozen_lines(output) == []


def test_gunicorn_refuses_a_freeze_setting_that_is_no_number(tmp_path):
    server = Gunicorn(tmp_path / "metrics", GC_FREEZE_AFTER_REQUESTS="soon")
    output = server.exited()

    assert server.process.returncode != 0
    assert "GC_FREEZE_AFTER_REQUESTS must be a number of requests" in output

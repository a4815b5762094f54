"""The outbox finds a task by name in a web process that has not imported the task modules yet,
also when gunicorn's threads miss at the same moment (tenants.outbox.services.task_by_name)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from tenants.outbox import services


class Registry(dict):
    """Celery's registry answers a missing name with a KeyError (NotRegistered is one)."""


def fake_app(registry: Registry) -> Any:
    importing = threading.Event()

    def import_default_modules() -> None:
        # As Python's import of a module another thread is importing: the second caller finds
        # it in sys.modules, half run, and goes on before its tasks are registered.
        if importing.is_set():
            return
        importing.set()
        time.sleep(0.2)
        registry["engagement.participation_email_send"] = "the task"

    return SimpleNamespace(
        tasks=registry, loader=SimpleNamespace(import_default_modules=import_default_modules)
    )


def test_threads_missing_together_all_find_the_task(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = Registry()
    monkeypatch.setattr(services, "current_app", fake_app(registry))
    found: list[object] = []
    failed: list[BaseException] = []

    def look_up() -> None:
        try:
            found.append(services.task_by_name("engagement.participation_email_send"))
        except KeyError as error:
            failed.append(error)

    threads = [threading.Thread(target=look_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failed == []
    assert found == ["the task"] * 4


def test_an_unknown_task_is_still_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "current_app", fake_app(Registry()))

    with pytest.raises(KeyError):
        services.task_by_name("engagement.no_such_task")

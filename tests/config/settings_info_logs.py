"""The test settings with the INFO logs kept: for a server started by a test that reads what it
logged (tests/config/test_garbage_collection.py)."""

from config.settings.test import *  # noqa: F403

LOGGING["root"]["level"] = "INFO"  # noqa: F405

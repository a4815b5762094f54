"""Reminders run at a chosen instant in the tenant's time zone: `at(days, hour)` is that local
day (from today) and hour; slots are placed the same way, in the future of the real clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

At = Callable[[int, int], datetime]


def local_at(tenant, days: int, hour: int, minute: int = 0) -> datetime:  # type: ignore[no-untyped-def]
    zone = ZoneInfo(tenant.timezone)
    today = timezone.now().astimezone(zone).date()
    return datetime.combine(today + timedelta(days=days), time(hour, minute), tzinfo=zone)


@pytest.fixture
def at(in_paris) -> At:  # type: ignore[no-untyped-def]
    return lambda days, hour: local_at(in_paris, days, hour)

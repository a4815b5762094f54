"""Demo content for `manage.py seed_demo`: organizations and missions at real places. Idempotent."""

from __future__ import annotations

from typing import Any


def demo_seed(*, tenant: Any) -> str:
    """Seed the current tenant's demo content; returns a one-line summary."""
    return "no demo content yet"

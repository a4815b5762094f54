"""Reads of a company programme's settings, sites and teams."""

from __future__ import annotations

from engagement.programmes.models import ProgrammeSettings


def programme_settings() -> ProgrammeSettings:
    """The current tenant's programme settings (the row is created with defaults on first read)."""
    settings_row, _created = ProgrammeSettings.objects.get_or_create(pk=1)
    return settings_row

"""The static files' storage in production: whitenoise's compressed, hashed files, each file's URL
worked out once per process.

`{% static %}` asks the storage for a file's URL on every page (the stylesheet, the script, the
map's files). With hashed names that is a lookup in the manifest, then the name split, quoted and
joined to STATIC_URL: the same answer for the same name while the process lives (the manifest is
read when the storage is made; collectstatic runs when the image is built). Answers are kept in a
bounded table on the storage; a missing file still raises as before (nothing is kept), and with
DEBUG on, or `force`, Django's own method answers every time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

# Distinct file names whose URL is kept: the pages use a few dozen.
REMEMBERED_NAMES = 1024


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or settings.DEBUG or name is None:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            pass
        found = super().url(name)
        if len(self._urls) < REMEMBERED_NAMES:
            self._urls[name] = found
        return found

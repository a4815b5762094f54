"""Cleaning what people type before it is stored: a small safe HTML subset for descriptions
(nh3, through tenants.sanitizing, which the core's own texts share), plain text everywhere else,
and length limits.

Stored text is already safe: templates may render a description with `|safe`, and the API
returns what is stored. Limits are checked on the cleaned text (what is kept), and the raw input
is bounded too so a huge payload is refused before any parsing.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from engagement.errors import EngagementError, EngagementErrorCode
from tenants.sanitizing import clean_html, clean_text

DESCRIPTION_MAX_LENGTH = 10_000
# Raw input is refused beyond this many characters, before parsing (markup can be verbose).
RAW_INPUT_FACTOR = 3


def _too_long(field: str, max_length: int) -> EngagementError:
    message = _("At most %(max)d characters.") % {"max": max_length}
    return EngagementError(
        message, code=EngagementErrorCode.TEXT_TOO_LONG, fields={field: [message]}
    )


def sanitize_html(value: str | None, *, field: str = "description", max_length: int = 0) -> str:
    """Keep paragraphs, line breaks, emphasis, lists, quotes, small headings and http(s)/mailto
    links; drop scripts and styles with their content, event handlers and other attributes."""
    max_length = max_length or DESCRIPTION_MAX_LENGTH
    raw = value or ""
    if len(raw) > max_length * RAW_INPUT_FACTOR:
        raise _too_long(field, max_length)
    cleaned = clean_html(raw)
    if len(cleaned) > max_length:
        raise _too_long(field, max_length)
    return cleaned


def sanitize_text(
    value: str | None, *, field: str, max_length: int, multiline: bool = False
) -> str:
    """Plain text: markup removed (script and style content included), entities decoded, control
    characters dropped, runs of spaces collapsed; newlines kept only when `multiline`."""
    raw = value or ""
    if len(raw) > max_length * RAW_INPUT_FACTOR:
        raise _too_long(field, max_length)
    text = clean_text(raw, multiline=multiline)
    if len(text) > max_length:
        raise _too_long(field, max_length)
    return text

"""Cleaning what people type before it is stored: a small safe HTML subset for descriptions
(nh3, the maintained Rust `ammonia` binding), plain text everywhere else, and length limits.

Stored text is already safe: templates may render a description with `|safe`, and the API
returns what is stored. Limits are checked on the cleaned text (what is kept), and the raw input
is bounded too so a huge payload is refused before any parsing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

import nh3
from django.utils.translation import gettext as _

from engagement.errors import EngagementError, EngagementErrorCode

ALLOWED_TAGS: frozenset[str] = frozenset(
    {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a", "blockquote", "h3", "h4"}
)
ALLOWED_ATTRIBUTES: Mapping[str, set[str]] = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
# Links in user content never pass referrers or ranking, and cannot reach window.opener.
LINK_REL = "noopener noreferrer nofollow"

DESCRIPTION_MAX_LENGTH = 10_000
# Raw input is refused beyond this many characters, before parsing (markup can be verbose).
RAW_INPUT_FACTOR = 3

# Control characters except tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r\f\v]+")


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
    cleaned = nh3.clean(
        _CONTROL.sub("", raw),
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()
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
    text = html.unescape(nh3.clean(_CONTROL.sub("", raw), tags=set(), strip_comments=True))
    # Decoding entities can reveal markup that was escaped in the input: strip it as well.
    if "<" in text:
        text = html.unescape(nh3.clean(text, tags=set(), strip_comments=True))
    if multiline:
        lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    else:
        text = _SPACES.sub(" ", text.replace("\n", " ")).strip()
    if len(text) > max_length:
        raise _too_long(field, max_length)
    return text

"""Cleaning what people type, for every app: a small safe HTML subset (nh3, the maintained Rust
`ammonia` binding) and plain text.

Only the cleaning lives here; length limits and how a refusal is reported are the callers'
(engagement.sanitizing raises its error codes, tenants.settings_services field errors), so the
core's own texts (a tenant's welcome text) and the domains' texts are cleaned the same way.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

import nh3

ALLOWED_TAGS: frozenset[str] = frozenset(
    {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a", "blockquote", "h3", "h4"}
)
ALLOWED_ATTRIBUTES: Mapping[str, set[str]] = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
# Links in user content never pass referrers or ranking, and cannot reach window.opener.
LINK_REL = "noopener noreferrer nofollow"

# Control characters except tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r\f\v]+")


def clean_html(raw: str, *, extra_tags: frozenset[str] = frozenset()) -> str:
    """Keep paragraphs, line breaks, emphasis, lists, quotes, small headings (plus `extra_tags`:
    the legal pages' section headings) and http(s)/mailto links; drop scripts and styles with
    their content, event handlers and other attributes."""
    return nh3.clean(
        _CONTROL.sub("", raw),
        tags=set(ALLOWED_TAGS | extra_tags),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def clean_text(raw: str, *, multiline: bool = False) -> str:
    """Plain text: markup removed (script and style content included), entities decoded, control
    characters dropped, runs of spaces collapsed; newlines kept only when `multiline`."""
    text = html.unescape(nh3.clean(_CONTROL.sub("", raw), tags=set(), strip_comments=True))
    # Decoding entities can reveal markup that was escaped in the input: strip it as well.
    if "<" in text:
        text = html.unescape(nh3.clean(text, tags=set(), strip_comments=True))
    if multiline:
        lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()

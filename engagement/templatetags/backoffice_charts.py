"""Figures and charts of the back office's statistics page, drawn on the server.

A bar is an SVG hidden from assistive technologies: it sits in a table cell next to the number it
draws, so a screen reader reads the table and nothing is lost. No script, no external resource.
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from engagement.backoffice.periods import Change

register = template.Library()

# The thinnest bar drawn for a figure above zero, in per cent of the longest, so it shows.
MIN_VISIBLE_WIDTH = Decimal("0.8")
MINUS = "\u2212"


@register.filter
def figure(value: int | Decimal | None) -> str:
    """A count or a number of hours in the active language: "12 345", "2,5"."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        number = value.normalize()
        decimals = max(-int(number.as_tuple().exponent), 0)
        return number_format(number, min(decimals, 2), force_grouping=True)
    return number_format(value, 0, force_grouping=True)


def _signed(value: int | Decimal) -> str:
    text = figure(abs(value))
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"{MINUS}{text}"
    return text


@register.filter
def change_text(change: Change) -> str:
    """ "+3 (+50 %)", "new" from nothing, "no change"."""
    if change.is_new:
        return _("new")
    if change.difference == 0:
        return _("no change")
    percent = change.percent
    assert percent is not None  # the previous figure is not zero here
    percent_text = _("%(percent)s%%") % {"percent": _signed(percent.normalize())}
    return _("%(difference)s (%(percent)s)") % {
        "difference": _signed(change.difference),
        "percent": percent_text,
    }


@register.simple_tag
def bar(value: int | Decimal, largest: int | Decimal) -> SafeString:
    """A horizontal bar, `value` in proportion to `largest` (the chart's longest bar)."""
    width = Decimal(0)
    if largest and value > 0:
        width = max(MIN_VISIBLE_WIDTH, Decimal(value) * 100 / Decimal(largest))
    return format_html(
        '<svg class="stat-bar" aria-hidden="true" focusable="false" viewBox="0 0 100 10" '
        'preserveAspectRatio="none"><rect width="{}" height="10"></rect></svg>',
        width.quantize(Decimal("0.1")),
    )

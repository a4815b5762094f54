"""Charts of the CSR report as inline SVG drawn on the server: no script, no fetch, the same
drawing in the HTML page and in the PDF. Every text is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from engagement.reports.selectors import ReportRow

BAR_COLOUR = "#1f4e8c"
TEXT_COLOUR = "#222222"


def _number(value: Decimal) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def hours_bars(rows: Sequence[ReportRow], *, title: str, width: int = 560) -> SafeString:
    """Horizontal bars of hours, one per row, labelled; empty when no row has hours."""
    rows = [row for row in rows if row.hours > 0]
    if not rows:
        return mark_safe("")  # noqa: S308 (constant)
    largest = max(row.hours for row in rows)
    label_width, value_width, bar_height, gap = 200, 60, 16, 6
    bar_space = width - label_width - value_width
    height = len(rows) * (bar_height + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, row in enumerate(rows):
        y = gap + index * (bar_height + gap)
        bar = int(bar_space * (row.hours / largest)) if largest else 0
        label = row.label if len(row.label) <= 34 else row.label[:33] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 4}" text-anchor="end" '
            f'font-size="11" fill="{TEXT_COLOUR}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{max(bar, 1)}" height="{bar_height}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{label_width + max(bar, 1) + 4}" y="{y + bar_height - 4}" '
            f'font-size="11" fill="{TEXT_COLOUR}">{_number(row.hours)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def month_columns(rows: Sequence[ReportRow], *, title: str, width: int = 560) -> SafeString:
    """Vertical columns of hours per month (the months with none show as a baseline)."""
    if not rows or not any(row.hours > 0 for row in rows):
        return mark_safe("")  # noqa: S308 (constant)
    largest = max(row.hours for row in rows)
    height, top, bottom = 180, 16, 30
    plot = height - top - bottom
    step = width / len(rows)
    column = max(step * 0.6, 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="0" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        f'stroke="{TEXT_COLOUR}" stroke-width="1"/>',
    ]
    for index, row in enumerate(rows):
        bar = float(plot * (row.hours / largest)) if largest else 0.0
        x = index * step + (step - column) / 2
        y = height - bottom - bar
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{column:.1f}" height="{bar:.1f}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{x + column / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
            f'font-size="10" fill="{TEXT_COLOUR}">{escape(row.label[5:7])}</text>'
        )
        if row.hours > 0:
            parts.append(
                f'<text x="{x + column / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                f'font-size="9" fill="{TEXT_COLOUR}">{_number(row.hours)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)

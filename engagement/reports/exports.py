"""The CSR report and certificates as files: PDF (WeasyPrint, from the HTML templates), CSV (one
flat table of figures with their frame references) and XLSX (openpyxl, one sheet per part).

PDF rendering fetches nothing over the network: the charts and QR codes are inline SVG, the
styles are inline, and the URL fetcher serves files of the static folders only (found by the
staticfiles finders) and refuses every other address.
"""

from __future__ import annotations

import csv
import io
import logging
import mimetypes
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import segno
import weasyprint  # type: ignore[import-untyped]
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

from engagement.reports.charts import hours_bars, month_columns
from engagement.reports.frame import (
    FRAME_NAME,
    Figure,
    not_measured,
    report_breakdowns,
    report_figures,
)
from engagement.reports.selectors import CsrReport, ReportRow
from engagement.spreadsheets import cell_text

# WeasyPrint reports each step of every rendering at INFO: noise in the logs of every process.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Relative addresses in the templates resolve against this origin, which is never fetched: the
# fetcher maps it to the static folders.
STATIC_ORIGIN = "https://static.report.invalid/"


class StaticFilesOnlyFetcher(URLFetcher):
    """Serves the project's static files; refuses any other address (no network, no file
    outside the static folders). Refused addresses are kept in `refused`."""

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols=())
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith(STATIC_ORIGIN):
            relative = url[len(STATIC_ORIGIN) :].split("?")[0].split("#")[0]
            relative = relative.removeprefix("static/")
            found = finders.find(relative) if ".." not in relative else None
            if isinstance(found, str):
                with open(found, "rb") as static_file:
                    body = static_file.read()
                content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, headers={"Content-Type": content_type})
        self.refused.append(url)
        raise ValueError(f"Refused to fetch {url!r}: the PDF uses static files only.")


def render_document(html: str) -> weasyprint.Document:
    """The laid-out pages of `html` (nothing fetched but static files)."""
    fetcher = StaticFilesOnlyFetcher()
    return weasyprint.HTML(string=html, base_url=STATIC_ORIGIN, url_fetcher=fetcher).render()


def pdf_from_html(html: str) -> bytes:
    pdf = render_document(html).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def qr_svg(url: str) -> SafeString:
    """A QR code of `url` as inline SVG (segno writes only its own markup)."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=3, dark="#000000", light="#ffffff", omitsize=False)
    return mark_safe(svg)  # noqa: S308 (segno's own SVG)


# --- The CSR report -----------------------------------------------------------------------------


def report_context(report: CsrReport, *, tenant_name: str) -> dict[str, Any]:
    """What the HTML preview and the PDF both show."""
    return {
        "language": get_language() or "fr",
        "report": report,
        "tenant_name": tenant_name,
        "frame_name": FRAME_NAME,
        "figures": report_figures(report),
        "breakdowns": {breakdown.key: breakdown for breakdown in report_breakdowns()},
        "not_measured": not_measured(),
        "charts": {
            "cause": hours_bars(report.by_cause, title=_("Hours by cause")),
            "sdg": hours_bars(report.by_sdg, title=_("Hours by Sustainable Development Goal")),
            "site": hours_bars(report.by_site, title=_("Hours by site")),
            "team": hours_bars(report.by_team, title=_("Hours by team")),
            "month": month_columns(report.by_month, title=_("Hours by month")),
        },
    }


def report_pdf(report: CsrReport, *, tenant_name: str) -> bytes:
    html = render_to_string(
        "reports/report_pdf.html", report_context(report, tenant_name=tenant_name)
    )
    return pdf_from_html(html)


def _breakdown_rows(report: CsrReport) -> Iterable[tuple[str, str, Sequence[ReportRow]]]:
    rows = {
        "cause": report.by_cause,
        "sdg": report.by_sdg,
        "site": report.by_site,
        "team": report.by_team,
        "month": report.by_month,
        "organization": report.by_organization,
    }
    for breakdown in report_breakdowns():
        yield breakdown.title, breakdown.reference, rows[breakdown.key]


def _plain(value: Decimal | int | None) -> str:
    return "" if value is None else str(value)


CSV_HEADER = ("section", "figure", "group", "value", "unit", "frame_reference", "note")


def report_csv(report: CsrReport) -> bytes:
    """One flat table: each headline figure, then each line of each breakdown (hours,
    participations and volunteers as three rows), with the frame's reference."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(CSV_HEADER)
    headline = _("Figures")
    for figure in report_figures(report):
        writer.writerow(
            [
                cell_text(headline),
                cell_text(figure.label),
                "",
                _plain(figure.value),
                cell_text(figure.unit),
                cell_text(figure.reference),
                cell_text(figure.note),
            ]
        )
    for title, reference, rows in _breakdown_rows(report):
        for row in rows:
            for measure, value, unit in (
                (_("Hours"), row.hours, _("hours")),
                (_("Participations"), row.participations, _("participations")),
                (_("Volunteers"), row.volunteers, _("people")),
            ):
                writer.writerow(
                    [
                        cell_text(title),
                        cell_text(measure),
                        cell_text(row.label),
                        _plain(value),
                        cell_text(unit),
                        cell_text(reference),
                        "",
                    ]
                )
    for line in not_measured():
        writer.writerow([cell_text(_("Not measured")), cell_text(line), "", "", "", FRAME_NAME, ""])
    # A byte order mark, so spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def _xlsx_text(value: object) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", cell_text(value))


_SHEET_NAME_FORBIDDEN = str.maketrans({character: " " for character in "[]:*?/\\"})


def _sheet_name(title: object) -> str:
    """A worksheet's name: at most 31 characters, none of []:*?/\\."""
    return _xlsx_text(title).translate(_SHEET_NAME_FORBIDDEN).strip()[:31] or "Sheet"


def _xlsx_value(value: Decimal | int | None) -> float | int | None:
    if isinstance(value, Decimal):
        return float(value)
    return value


def report_xlsx(report: CsrReport, *, tenant_name: str) -> bytes:
    """A workbook: the figures with their frame references, one sheet per breakdown, and what
    the frame asks that is not measured."""
    workbook = Workbook()
    bold = Font(bold=True)
    figures_sheet = workbook.active
    assert figures_sheet is not None
    figures_sheet.title = _sheet_name(_("Figures"))
    figures_sheet.append([_xlsx_text(tenant_name), _xlsx_text(report.scope.title)])
    figures_sheet.append([_xlsx_text(_("Reporting frame")), FRAME_NAME])
    figures_sheet.append([])
    figures_sheet.append(
        [_xlsx_text(text) for text in (_("Figure"), _("Value"), _("Unit"), _("Frame"), _("Note"))]
    )
    for cell in figures_sheet[4]:
        cell.font = bold
    figure: Figure
    for figure in report_figures(report):
        figures_sheet.append(
            [
                _xlsx_text(figure.label),
                _xlsx_value(figure.value),
                _xlsx_text(figure.unit),
                _xlsx_text(figure.reference),
                _xlsx_text(figure.note),
            ]
        )
    figures_sheet.column_dimensions["A"].width = 48
    figures_sheet.column_dimensions["D"].width = 44
    for title, reference, rows in _breakdown_rows(report):
        sheet = workbook.create_sheet(_sheet_name(title))
        sheet.append([_xlsx_text(title), _xlsx_text(reference)])
        sheet.append(
            [_xlsx_text(text) for text in ("", _("Hours"), _("Participations"), _("Volunteers"))]
        )
        for cell in sheet[2]:
            cell.font = bold
        for row in rows:
            sheet.append(
                [_xlsx_text(row.label), float(row.hours), row.participations, row.volunteers]
            )
        sheet.column_dimensions["A"].width = 44
    missing = workbook.create_sheet(_sheet_name(_("Not measured")))
    missing.append([_xlsx_text(_("What the frame asks that these figures do not measure"))])
    for line in not_measured():
        missing.append([_xlsx_text(line)])
    missing.column_dimensions["A"].width = 110
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()

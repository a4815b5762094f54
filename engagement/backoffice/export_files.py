"""The two file formats of the back office's exports, written row by row into a binary file.

- CSV: UTF-8 with a byte-order mark (spreadsheet programs then read accents right), comma
  separated, dates as `YYYY-MM-DD` and times as `YYYY-MM-DD HH:MM` in the tenant's time zone,
  hours with a dot (as the organizations' participants CSV).
- XLSX: openpyxl in write-only mode (rows go to a temporary file as they come, so memory stays
  flat), a bold frozen header, real dates and numbers.

Text cells go through `engagement.spreadsheets.cell_text` in both formats (a leading `=`, `+`,
`-` or `@` gets a quote: never a formula), so a file converted from one format to the other
stays as safe. XLSX text also loses the control characters XML cannot hold.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from typing import IO, Any, Protocol

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from engagement.backoffice.models import ExportJob
from engagement.backoffice.selectors_exports import Column, ColumnType, Row
from engagement.spreadsheets import cell_text

CSV_DATE = "%Y-%m-%d"
CSV_DATETIME = "%Y-%m-%d %H:%M"
CSV_MONTH = "%Y-%m"
XLSX_DATETIME = "yyyy-mm-dd hh:mm"
XLSX_DATE = "yyyy-mm-dd"
XLSX_MONTH = "yyyy-mm"
# Characters a sheet's name may not hold, and its length limit.
_SHEET_NAME_FORBIDDEN = str.maketrans({character: " " for character in "[]:*?/\\"})
_SHEET_NAME_MAX = 31


class SheetWriter(Protocol):
    def write_rows(self, rows: Iterable[Row]) -> None: ...

    def finish(self) -> None: ...


# --- CSV -----------------------------------------------------------------------------------------


def _csv_cells(zone: tzinfo) -> dict[ColumnType, Callable[[Any], str]]:
    """Each column type's text, times in `zone` (the tenant's, read once per file)."""

    def number(value: Any) -> str:
        return "" if value is None else str(value)

    def day(value: Any) -> str:
        return "" if value is None else value.strftime(CSV_DATE)

    def moment(value: Any) -> str:
        return "" if value is None else value.astimezone(zone).strftime(CSV_DATETIME)

    def month(value: Any) -> str:
        return "" if value is None else value.strftime(CSV_MONTH)

    return {
        ColumnType.TEXT: cell_text,
        ColumnType.NUMBER: number,
        ColumnType.DATE: day,
        ColumnType.DATETIME: moment,
        ColumnType.MONTH: month,
    }


class CsvSheet:
    def __init__(self, output: IO[bytes], columns: Sequence[Column]) -> None:
        self._text = io.TextIOWrapper(output, encoding="utf-8", newline="")
        # A byte-order mark so spreadsheet programs read the accents as UTF-8.
        self._text.write("\ufeff")
        self._writer = csv.writer(self._text)
        cells = _csv_cells(timezone.get_current_timezone())
        self._cells = [cells[column.type] for column in columns]
        self._writer.writerow([cell_text(column.title) for column in columns])

    def write_rows(self, rows: Iterable[Row]) -> None:
        cells = self._cells
        self._writer.writerows(
            [cell(value) for cell, value in zip(cells, row, strict=True)] for row in rows
        )

    def finish(self) -> None:
        self._text.flush()
        # Leave the binary file open for the caller (closing the wrapper would close it).
        self._text.detach()


# --- XLSX ----------------------------------------------------------------------------------------


def _xlsx_text(value: Any) -> str | None:
    if value is None:
        return None
    return ILLEGAL_CHARACTERS_RE.sub("", cell_text(value))


def _xlsx_cells(zone: tzinfo) -> dict[ColumnType, Callable[[Any], Any]]:
    """Each column type's cell value, times in `zone` (read once per file)."""

    def as_is(value: Any) -> Any:
        return value

    def moment(value: Any) -> datetime | None:
        # Excel has no time zones: the tenant's wall-clock time.
        return None if value is None else value.astimezone(zone).replace(tzinfo=None)

    return {
        ColumnType.TEXT: _xlsx_text,
        ColumnType.NUMBER: as_is,
        ColumnType.DATE: as_is,
        ColumnType.DATETIME: moment,
        ColumnType.MONTH: as_is,
    }


_XLSX_FORMATS: dict[ColumnType, str] = {
    ColumnType.DATE: XLSX_DATE,
    ColumnType.DATETIME: XLSX_DATETIME,
    ColumnType.MONTH: XLSX_MONTH,
}


def sheet_name(title: str) -> str:
    return str(title).translate(_SHEET_NAME_FORBIDDEN).strip()[:_SHEET_NAME_MAX] or "Export"


class XlsxSheet:
    def __init__(self, output: IO[bytes], columns: Sequence[Column], *, title: str) -> None:
        self._output = output
        self._workbook = Workbook(write_only=True)
        sheet: WriteOnlyWorksheet = self._workbook.create_sheet(title=sheet_name(title))
        self._sheet = sheet
        # Set by the sheet's _setup() (the write-only sheet supports widths); the stubs miss it.
        widths = sheet.column_dimensions  # type: ignore[attr-defined]
        for index, column in enumerate(columns, start=1):
            widths[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=_xlsx_text(column.title))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        cells = _xlsx_cells(timezone.get_current_timezone())
        self._cells = [cells[column.type] for column in columns]
        # Columns with a number format of their own: one styled cell per value.
        self._formats = {
            index: _XLSX_FORMATS[column.type]
            for index, column in enumerate(columns)
            if column.type in _XLSX_FORMATS
        }

    def _row(self, row: Row) -> list[Any]:
        values = [cell(value) for cell, value in zip(self._cells, row, strict=True)]
        for index, number_format in self._formats.items():
            if values[index] is not None:
                cell = WriteOnlyCell(self._sheet, value=values[index])
                cell.number_format = number_format
                values[index] = cell
        return values

    def write_rows(self, rows: Iterable[Row]) -> None:
        append = self._sheet.append
        for row in rows:
            append(self._row(row))

    def finish(self) -> None:
        self._workbook.save(self._output)


def sheet_writer(
    file_format: str, output: IO[bytes], columns: Sequence[Column], *, title: str
) -> SheetWriter:
    """A writer of `file_format` (ExportJob.Format) into `output`, its header written."""
    if file_format == ExportJob.Format.XLSX:
        return XlsxSheet(output, columns, title=title)
    if file_format == ExportJob.Format.CSV:
        return CsvSheet(output, columns)
    raise ValueError(f"Unknown export format {file_format!r}")


CONTENT_TYPES = {
    ExportJob.Format.CSV: "text/csv; charset=utf-8",
    ExportJob.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

"""The export files, cell by cell: each kind in CSV and in XLSX (read back with openpyxl), the
formula escaping in both, and what XML cannot hold."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from engagement.backoffice import services_exports as exports
from engagement.backoffice.export_files import CsvSheet, XlsxSheet, sheet_name
from engagement.backoffice.models import ExportJob
from engagement.backoffice.selectors_exports import Column, ColumnType
from tests.engagement.backoffice.export_world import (
    END,
    EXPECTED_CSV,
    START,
    build_export_world,
    export_files_removed,  # noqa: F401 (fixture)
)
from tests.engagement.factories import ExportJobFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("export_files_removed")]


def _written(kind: str, file_format: str) -> ExportJob:
    job = ExportJobFactory(kind=kind, format=file_format, period_start=START, period_end=END)
    exports.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    return job


def _csv(job: ExportJob) -> list[list[str]]:
    with job.file.open("rb") as file:
        data = file.read()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx(job: ExportJob) -> tuple[list[tuple[object, ...]], list[list[str]], object]:
    with job.file.open("rb") as file:
        workbook = load_workbook(io.BytesIO(file.read()))
    sheet = workbook.worksheets[0]
    values = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
    formats = [[cell.number_format for cell in row] for row in sheet.iter_rows()]
    return values, formats, sheet


@pytest.mark.parametrize("kind", list(ExportJob.Kind))
def test_each_csv_export_cell_by_cell(in_paris, kind):
    build_export_world()

    job = _written(kind, "csv")

    assert _csv(job) == EXPECTED_CSV[kind]
    assert job.rows == len(EXPECTED_CSV[kind]) - 1


def test_participations_in_xlsx(in_paris):
    build_export_world()

    values, formats, sheet = _xlsx(_written("participations", "xlsx"))

    assert sheet.title == "Participations"
    assert sheet.freeze_panes == "A2"
    assert values == [
        ("Mission", "Organization", "Starts", "Ends", "Status", "Volunteer", "E-mail", "Hours"),
        (
            "Distribution de repas",
            "Les Restos du Cœur",
            datetime(2025, 3, 10, 10, 0),
            datetime(2025, 3, 10, 13, 0),
            "Attended",
            "Alice Martin",
            "alice@example.org",
            2.5,
        ),
        (
            "Distribution de repas",
            "Les Restos du Cœur",
            datetime(2025, 3, 10, 10, 0),
            datetime(2025, 3, 10, 13, 0),
            "Cancelled",
            "'-Bob Leroy",
            "bob@example.org",
            None,
        ),
        ("'+Collecte", "'=Evil Org", None, None, "Confirmed", "Dan Petit", "dan@example.org", None),
        (
            "'+Collecte",
            "'=Evil Org",
            datetime(2025, 4, 2, 14, 0),
            datetime(2025, 4, 2, 16, 0),
            "Attended",
            "Alice Martin",
            "alice@example.org",
            2,
        ),
        (
            "'+Collecte",
            "'=Evil Org",
            datetime(2025, 4, 2, 14, 0),
            datetime(2025, 4, 2, 16, 0),
            "Attended",
            "Deleted account",
            None,
            1.5,
        ),
        (
            "'+Collecte",
            "'=Evil Org",
            None,
            None,
            "Attended",
            "Chloé Bernard",
            "chloe@example.org",
            1,
        ),
    ]
    assert formats[1][2:4] == ["yyyy-mm-dd hh:mm", "yyyy-mm-dd hh:mm"]
    assert all(cell.font.bold for cell in next(sheet.iter_rows()))
    # No cell is a formula.
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row if cell.value)


def test_volunteers_and_hours_in_xlsx(in_paris):
    build_export_world()
    volunteers = _written("volunteers", "xlsx")

    values, formats, _sheet = _xlsx(volunteers)

    assert values == [
        ("Name", "E-mail", "Signed up on", "Participations", "Hours"),
        ("Chloé Bernard", "chloe@example.org", datetime(2024, 1, 1), 1, 1),
        ("Dan Petit", "dan@example.org", datetime(2024, 5, 1), 1, 0),
        ("Alice Martin", "alice@example.org", datetime(2024, 6, 1), 2, 4.5),
        ("'-Bob Leroy", "bob@example.org", datetime(2025, 3, 5), 0, 0),
    ]
    assert formats[1][2] == "yyyy-mm-dd"

    volunteers.file.delete(save=False)
    ExportJob.objects.all().delete()
    hours = _written("hours", "xlsx")
    values, formats, sheet = _xlsx(hours)

    assert sheet.title == "Volunteering hours"
    assert values == [
        ("Month", "Organization", "Volunteer", "E-mail", "Participations attended", "Hours"),
        (datetime(2025, 3, 1), "Les Restos du Cœur", "Alice Martin", "alice@example.org", 1, 2.5),
        (datetime(2025, 4, 1), "'=Evil Org", "Chloé Bernard", "chloe@example.org", 1, 1),
        (datetime(2025, 4, 1), "'=Evil Org", "Alice Martin", "alice@example.org", 1, 2),
        (datetime(2025, 4, 1), "'=Evil Org", "Deleted account", None, 1, 1.5),
    ]
    assert formats[1][0] == "yyyy-mm"


def test_an_empty_period_gives_the_header_alone(in_paris):
    build_export_world()
    job = ExportJobFactory(period_start=date(2030, 1, 1), period_end=date(2030, 1, 31))

    exports.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.progress, job.rows) == (ExportJob.Status.DONE, 100, 0)
    assert _csv(job) == [EXPECTED_CSV["participations"][0]]


COLUMNS = (Column("Text", ColumnType.TEXT), Column("Number", ColumnType.NUMBER))
DANGEROUS = ["=1+1", "+33 6 12", "-2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")']


def test_every_formula_prefix_is_escaped_in_csv():
    output = io.BytesIO()
    sheet = CsvSheet(output, COLUMNS)
    sheet.write_rows([(text, Decimal("1.5")) for text in DANGEROUS])
    sheet.finish()

    rows = list(csv.reader(io.StringIO(output.getvalue().decode("utf-8-sig"))))

    assert rows[0] == ["Text", "Number"]
    assert [row[0] for row in rows[1:]] == ["'" + text for text in DANGEROUS]
    assert {row[1] for row in rows[1:]} == {"1.5"}


def test_every_formula_prefix_is_escaped_in_xlsx_and_control_characters_dropped():
    output = io.BytesIO()
    sheet = XlsxSheet(output, COLUMNS, title="A [weird]: title/with*many?chars and more than 31")
    sheet.write_rows([(text, 1) for text in [*DANGEROUS, "bell\x07 tab\x0b end"]])
    sheet.finish()

    workbook = load_workbook(io.BytesIO(output.getvalue()))
    cells = [row[0] for row in workbook.worksheets[0].iter_rows(min_row=2)]

    assert [cell.value for cell in cells] == [
        *("'" + text for text in DANGEROUS),
        "bell tab end",
    ]
    assert all(cell.data_type == "s" for cell in cells)
    assert workbook.worksheets[0].title == "A  weird   title with many char"


def test_sheet_names_stay_within_excels_rules():
    assert sheet_name("Heures de bénévolat") == "Heures de bénévolat"
    assert sheet_name("[]:*?/\\") == "Export"
    assert len(sheet_name("x" * 40)) == 31

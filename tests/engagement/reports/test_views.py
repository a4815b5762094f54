"""The CSR report page (/gestion/rapports/) and its files; tenant isolation and bad input."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import weasyprint
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from engagement.reports import exports
from engagement.taxonomy.models import Cause
from tenants.audit.models import AuditEvent
from tenants.context import tenant_context
from tests.engagement.factories import ParticipationFactory, SlotFactory
from tests.engagement.reports.conftest import YEAR, ReportWorld, build_report_world

pytestmark = pytest.mark.django_db

URL = "/gestion/rapports/"


def document_text(document: weasyprint.Document) -> str:
    """The text laid out on the pages of a WeasyPrint document."""
    texts: list[str] = []

    def walk(box: Any) -> None:
        text = getattr(box, "text", None)
        if isinstance(text, str):
            texts.append(text)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(texts)


@pytest.fixture
def rendered_documents(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[weasyprint.Document]]:
    """Keeps the documents the PDF files are written from (their text, without a PDF reader)."""
    documents: list[weasyprint.Document] = []
    render = exports.render_document

    def keep(html: str) -> weasyprint.Document:
        document = render(html)
        documents.append(document)
        return document

    monkeypatch.setattr(exports, "render_document", keep)
    yield documents


@pytest.fixture
def acme_admin(acme: Any, backoffice_admin: Callable[..., Client]) -> Client:
    return backoffice_admin(acme)


@pytest.fixture
def acme_world(acme: Any) -> ReportWorld:
    with tenant_context(acme):
        return build_report_world()


def test_page_shows_the_year_in_the_frame(acme_admin: Client, acme_world: ReportWorld) -> None:
    response = acme_admin.get(URL, {"year": YEAR, "rate": "30"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "B4SI (Business for Societal Impact)" in page
    assert 'data-figure="time_hours"><th scope="row">' in page
    report = response.context["report"]
    assert report.totals.hours == Decimal("14")
    assert report.valued_hours == Decimal("420.00")
    assert "<svg" in page
    assert f'data-row="{acme_world.finance.pk}"' in page
    # The certificates list is part of the page, and the navigation names it.
    assert reverse("backoffice:report-goals") in page


def test_page_defaults_to_this_year(acme_admin: Client, acme_world: ReportWorld) -> None:
    response = acme_admin.get(URL)
    assert response.status_code == 200
    assert response.context["report"].scope.year == response.context["years"][0]


def test_campaign_report(acme_admin: Client, acme_world: ReportWorld) -> None:
    response = acme_admin.get(URL, {"campaign": acme_world.campaign.pk})
    assert response.status_code == 200
    assert response.context["report"].totals.hours == Decimal("5")
    assert "Juin solidaire" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"year": "deux-mille"}, 400),
        ({"year": "2025", "campaign": "1"}, 400),
        ({"rate": "-3"}, 400),
        ({"format": "docx"}, 400),
        ({"year": "2999"}, 404),
        ({"year": "1999"}, 404),
        ({"campaign": "987654"}, 404),
        ({"campaign": "99999999999999999999999"}, 400),
    ],
)
def test_bad_input_is_a_readable_page(
    acme_admin: Client, acme: Any, query: dict[str, str], status: int
) -> None:
    response = acme_admin.get(URL, query)
    assert response.status_code == status
    assert "report" not in response.context
    assert "CSR report" in response.content.decode() or "Rapport RSE" in response.content.decode()


def test_csv_file(acme_admin: Client, acme_world: ReportWorld) -> None:
    response = acme_admin.get(URL, {"year": YEAR, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="rapport-rse-acme-{YEAR}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(exports.CSV_HEADER)
    hours = next(row for row in rows if row[3] == "14.00")
    assert hours[5].startswith("B4SI")
    lyon = [row for row in rows if row[2] == "Lyon"]
    assert [row[3] for row in lyon] == ["4.50", "1", "1"]
    assert any(row[2] == "Croix-Rouge" and row[3] == "2.00" for row in rows)


def test_xlsx_file(acme_admin: Client, acme_world: ReportWorld) -> None:
    response = acme_admin.get(URL, {"campaign": acme_world.campaign.pk, "format": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 8
    figures = workbook[workbook.sheetnames[0]]
    values = {row[0]: row[1] for row in figures.iter_rows(min_row=5, values_only=True)}
    assert 5.0 in values.values()
    site_sheet = workbook[workbook.sheetnames[3]]
    rows = list(site_sheet.iter_rows(min_row=3, values_only=True))
    assert ("Paris HQ", 5.0, 1, 1) in rows


def test_pdf_file(
    acme_admin: Client, acme_world: ReportWorld, rendered_documents: list[Any]
) -> None:
    started = time.perf_counter()
    response = acme_admin.get(URL, {"year": YEAR, "format": "pdf", "rate": "30"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = document_text(rendered_documents[0])
    assert "B4SI" in text
    for figure in ("Alpha Restos", "Beta Green", "Croix-Rouge", "Finance", "Lyon", "420"):
        assert figure in text
    print(f"report PDF: {elapsed * 1000:.0f} ms, {len(response.content)} bytes")


def test_pdf_fetches_nothing_but_static_files() -> None:
    fetcher = exports.StaticFilesOnlyFetcher()
    for url in ("https://example.org/x.png", "file:///etc/passwd", exports.STATIC_ORIGIN + "../x"):
        with pytest.raises(ValueError, match="Refused"):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 3


def test_page_queries_do_not_grow_with_participations(
    acme_admin: Client, acme_world: ReportWorld, acme: Any, django_assert_max_num_queries: Any
) -> None:
    acme_admin.get(URL, {"year": YEAR})
    with django_assert_max_num_queries(40) as first:
        acme_admin.get(URL, {"year": YEAR})
    with tenant_context(acme):
        for _ in range(15):
            ParticipationFactory(
                slot=SlotFactory(mission=acme_world.m1, starts_at=acme_world.s1.starts_at),
                status="attended",
                hours=Decimal("1"),
            )
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = acme_admin.get(URL, {"year": YEAR})
    assert response.context["report"].totals.participations == 19


def test_only_admins(
    acme: Any,
    acme_world: ReportWorld,
    backoffice_moderator: Callable[..., Client],
    backoffice_volunteer: Callable[..., Client],
    client_for: Callable[..., Client],
) -> None:
    assert backoffice_moderator(acme).get(URL).status_code == 403
    assert backoffice_volunteer(acme).get(URL, {"format": "csv"}).status_code == 403
    response = client_for(acme).get(URL, {"format": "csv"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_paris_admin_cannot_fetch_acme_report(
    paris: Any, acme: Any, acme_world: ReportWorld, backoffice_admin: Callable[..., Client]
) -> None:
    paris_admin = backoffice_admin(paris)
    # Acme's campaign is not Paris's.
    response = paris_admin.get(URL, {"campaign": acme_world.campaign.pk, "format": "csv"})
    assert response.status_code == 404
    response = paris_admin.get(URL, {"year": YEAR, "format": "csv"})
    assert response.status_code == 200
    assert b"Croix-Rouge" not in response.content
    assert b"Beta Green" not in response.content
    # Paris's session means nothing on Acme's host.
    paris_admin.defaults["HTTP_HOST"] = acme.primary_host
    response = paris_admin.get(URL, {"year": YEAR, "format": "csv"})
    assert response.status_code == 302


def test_admin_sets_the_goals_of_a_cause(
    acme: Any,
    acme_admin: Client,
    backoffice_moderator: Callable[..., Client],
    backoffice_admin: Callable[..., Client],
    paris: Any,
) -> None:
    goals_url = reverse("backoffice:report-goals")
    with tenant_context(acme):
        cause = Cause.objects.create(slug="report-goals", name_fr="But", name_en="Goal")
    assert acme_admin.get(goals_url).status_code == 200
    response = acme_admin.post(goals_url, {"cause": cause.pk, "goals": ["17", "3", "3"]})
    assert response.status_code == 302
    with tenant_context(acme):
        cause.refresh_from_db()
        assert cause.sdg_goals == [3, 17]
        assert AuditEvent.objects.filter(action="taxonomy.cause_goals_changed").count() == 1
    for goals in (["18"], ["0"], ["x"]):
        assert acme_admin.post(goals_url, {"cause": cause.pk, "goals": goals}).status_code == 400
    assert acme_admin.post(goals_url, {"cause": "987654", "goals": ["1"]}).status_code == 404
    assert backoffice_moderator(acme).post(goals_url, {"cause": cause.pk}).status_code == 403
    # Paris's admin names Acme's cause id: it is not Acme's cause that changes.
    backoffice_admin(paris).post(goals_url, {"cause": cause.pk, "goals": ["5"]})
    with tenant_context(acme):
        cause.refresh_from_db()
        assert cause.sdg_goals == [3, 17]

"""/gestion/exports/: ask for an export, follow it, download it (tenant admins only).

Who may open what (anonymous, volunteer, moderator, admin, another admin), across tenants (the
job page and the signed link), bad input (400 with field errors, nothing written), the plan's
formats, one export at a time, the progress page with and without JavaScript, expiry (410),
the audit trail, and the list page's query budget."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context
from openpyxl import load_workbook

from billing.services import plan_assign
from engagement.backoffice.models import ExportJob
from engagement.backoffice.services_exports import export_download_token
from tenants.audit.models import AuditEvent
from tests.engagement.backoffice.export_world import (
    EXPECTED_CSV,
    build_export_world,
    export_files_removed,  # noqa: F401 (fixture)
)
from tests.engagement.factories import ExportJobFactory, ParticipationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("export_files_removed")]

LIST = "/gestion/exports/"
Status = ExportJob.Status
FORM = {"kind": "participations", "format": "csv", "start": "2025-03-01", "end": "2025-04-30"}


def _job_url(job: ExportJob) -> str:
    return f"/gestion/exports/{job.pk}/"


def _link(tenant, job: ExportJob) -> str:  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        return f"/gestion/exports/telechargement/{export_download_token(job=job)}/"


def _done_job(tenant, user, **fields):  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        return ExportJobFactory(
            requested_by=user,
            status=Status.DONE,
            progress=100,
            rows=1,
            finished_at=timezone.now(),
            expires_at=timezone.now() + timedelta(hours=24),
            content="\ufeffMission\r\nDistribution\r\n".encode(),
            **fields,
        )


def _body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


def _jobs(tenant) -> int:  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        return ExportJob.objects.count()


# --- who may open it -----------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(paris, client_for, backoffice_admin):
    job = _done_job(paris, backoffice_admin(paris).user)
    client = client_for(paris)

    for url in (LIST, _job_url(job), _link(paris, job)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/gestion/exports/")
    assert client.post(LIST, FORM).status_code == 302
    assert _jobs(paris) == 1


@pytest.mark.parametrize("role", ["backoffice_volunteer", "backoffice_moderator"])
def test_volunteers_and_moderators_get_a_403(request, paris, backoffice_admin, role):
    job = _done_job(paris, backoffice_admin(paris).user)
    client = request.getfixturevalue(role)(paris)

    for url in (LIST, _job_url(job), _link(paris, job)):
        assert client.get(url).status_code == 403
    assert client.post(LIST, FORM).status_code == 403
    assert _jobs(paris) == 1
    assert 'href="/gestion/exports/"' not in client.get("/gestion/").content.decode()


def test_the_admin_finds_exports_in_the_navigation_in_french(paris, backoffice_admin):
    client = backoffice_admin(paris)

    home = client.get("/gestion/").content.decode()
    page = client.get(LIST)
    body = page.content.decode()

    assert '<a href="/gestion/exports/">Exports</a>' in home
    assert page.status_code == 200
    assert '<a href="/gestion/exports/" aria-current="page">Exports</a>' in body
    assert "Nouvel export" in body
    assert "Heures de bénévolat" in body
    assert "Vous n’avez encore rien exporté." in body
    # Paris's plan has no advanced reports: XLSX is shown, disabled, and says why.
    assert 'value="xlsx" required id="id_format_1" disabled' in body
    assert "rapport avancé" in body


def test_the_company_tenant_reads_it_in_english(acme, backoffice_admin):
    body = backoffice_admin(acme).get(LIST).content.decode()

    assert '<h2 id="new-export-title">New export</h2>' in body
    assert "Prepare the export" in body
    assert "Volunteering hours" in body
    assert 'value="xlsx" required id="id_format_1" disabled' in body
    assert "Excel workbooks (XLSX) are an advanced report" in body


# --- asking for one ------------------------------------------------------------------------------


def test_an_export_from_the_form_to_the_file(
    paris, backoffice_admin, django_capture_on_commit_callbacks
):
    client = backoffice_admin(paris)
    with tenant_context(paris):
        build_export_world()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST, {**FORM, "language": "ignored"})

    with tenant_context(paris):
        job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _job_url(job)
    assert (job.status, job.rows, job.language, job.requested_by_id) == (
        Status.DONE,
        6,
        "fr",
        client.user.pk,
    )
    page = client.get(_job_url(job)).content.decode()
    assert "Prêt à télécharger · 6 lignes" in page
    assert "hx-trigger" not in page
    link = page.split('class="button primary" href="')[1].split('"')[0]
    assert link.startswith("/gestion/exports/telechargement/")

    download = client.get(link)

    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == (
        'attachment; filename="participations_2025-03-01_2025-04-30.csv"'
    )
    assert download["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(_body(download).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mission", "Organisation", "Début"]
    assert [row[0] for row in rows[1:]] == [row[0] for row in EXPECTED_CSV["participations"][1:]]
    with tenant_context(paris):
        actions = list(
            AuditEvent.objects.filter(target_type="exportjob", target_id=job.pk)
            .order_by("pk")
            .values_list("action", "actor_id")
        )
    assert actions == [
        ("export.requested", client.user.pk),
        ("export.downloaded", client.user.pk),
    ]


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"kind": "donations"}, ["kind"]),
        ({"format": "pdf"}, ["format"]),
        ({"end": "2025-02-01"}, ["end"]),
        ({"start": "2001-01-01", "end": "2025-01-01"}, ["end"]),
        ({"start": "1899-01-01"}, ["start"]),
        ({"start": "le 3 mars", "end": ""}, ["start", "end"]),
        ({"kind": "", "format": "", "start": "", "end": ""}, ["kind", "format", "start", "end"]),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_nothing_created(
    paris, backoffice_admin, data, fields
):
    client = backoffice_admin(paris)

    response = client.post(LIST, {**FORM, **data})

    assert response.status_code == 400
    form = response.context["form"]
    assert sorted(form.errors) == sorted(fields)
    assert 'class="error-summary"' in response.content.decode()
    assert _jobs(paris) == 0
    with tenant_context(paris):
        assert not AuditEvent.objects.filter(action="export.requested").exists()


def test_xlsx_without_advanced_reports_is_refused_with_a_clear_message(paris, backoffice_admin):
    client = backoffice_admin(paris)

    response = client.post(LIST, {**FORM, "format": "xlsx"})

    assert response.status_code == 403
    assert response.context["form"].errors["format"] == [
        "Les classeurs Excel (XLSX) sont un rapport avancé, que votre formule n’inclut pas : "
        "choisissez CSV, ou changez de formule sur la page Abonnement."
    ]
    assert _jobs(paris) == 0


def test_xlsx_with_advanced_reports(paris, backoffice_admin, django_capture_on_commit_callbacks):
    plan_assign(tenant=paris, plan_code="city_premium")
    client = backoffice_admin(paris)
    with tenant_context(paris):
        build_export_world()
    form = client.get(LIST).content.decode()
    assert 'value="xlsx" required id="id_format_1" disabled' not in form

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST, {**FORM, "kind": "hours", "format": "xlsx"})

    assert response.status_code == 302
    with tenant_context(paris):
        job = ExportJob.objects.get()
    download = client.get(_link(paris, job))
    assert download["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(_body(download))).worksheets[0]
    assert sheet.title == "Heures de bénévolat"
    rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
    assert rows[0] == ("Mois", "Organisation", "Bénévole", "E-mail", "Présences", "Heures")
    assert [row[1:] for row in rows[1:]] == [
        ("Les Restos du Cœur", "Alice Martin", "alice@example.org", 1, 2.5),
        ("'=Evil Org", "Chloé Bernard", "chloe@example.org", 1, 1),
        ("'=Evil Org", "Alice Martin", "alice@example.org", 1, 2),
        ("'=Evil Org", "Compte supprimé", None, 1, 1.5),
    ]


def test_a_second_export_while_one_runs_is_a_429(paris, backoffice_admin):
    client = backoffice_admin(paris)
    assert client.post(LIST, FORM).status_code == 302  # queued: no worker runs it here

    response = client.post(LIST, {**FORM, "kind": "volunteers"})

    assert response.status_code == 429
    assert "Votre export précédent est encore en cours" in response.content.decode()
    assert _jobs(paris) == 1


# --- following it ------------------------------------------------------------------------------


def test_a_running_export_polls_with_htmx_and_reloads_without_javascript(paris, backoffice_admin):
    client = backoffice_admin(paris)
    with tenant_context(paris):
        job = ExportJobFactory(
            requested_by=client.user, status=Status.RUNNING, progress=40, rows=800
        )

    page = client.get(_job_url(job))
    body = page.content.decode()

    assert page.status_code == 200
    assert f'hx-get="{_job_url(job)}" hx-trigger="every 2s" hx-swap="outerHTML"' in body
    assert '<progress id="export-progress" max="100" value="40">40 %</progress>' in body
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in body
    assert f'<a href="{_job_url(job)}">Actualiser</a>' in body
    assert "htmx-2.min.js" in body
    assert "/telechargement/" not in body

    fragment = client.get(_job_url(job), HTTP_HX_REQUEST="true")

    assert fragment.status_code == 200
    assert fragment.content.decode().lstrip().startswith('<section id="export-status"')
    assert "backoffice-nav" not in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]


def test_the_list_shows_the_admins_own_exports_only(paris, backoffice_admin):
    client, other = backoffice_admin(paris), backoffice_admin(paris)
    mine = _done_job(paris, client.user, kind="volunteers")
    theirs = _done_job(paris, other.user, kind="hours")

    body = client.get(LIST).content.decode()

    assert f'href="{_job_url(mine)}">Bénévoles</a>' in body
    assert _job_url(theirs) not in body


def test_the_list_costs_the_same_queries_whatever_the_size(paris, backoffice_admin):
    client = backoffice_admin(paris)
    _done_job(paris, client.user)
    client.get(LIST)
    with CaptureQueriesContext(connection) as small:
        assert client.get(LIST).status_code == 200
    for _ in range(25):
        _done_job(paris, client.user)
    with tenant_context(paris):
        for _ in range(10):
            ParticipationFactory()
    with CaptureQueriesContext(connection) as large:
        assert client.get(LIST).status_code == 200

    assert len(large.captured_queries) == len(small.captured_queries)
    # Session, user, MFA check, the jobs.
    assert len(small.captured_queries) <= 8


# --- expiry ------------------------------------------------------------------------------------


def test_an_expired_export_says_so_and_its_link_is_a_410(paris, backoffice_admin):
    client = backoffice_admin(paris)
    job = _done_job(paris, client.user)
    link = _link(paris, job)
    with tenant_context(paris):
        ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    page = client.get(_job_url(job)).content.decode()
    response = client.get(link)

    assert "Cet export a expiré" in page
    assert "/telechargement/" not in page
    assert response.status_code == 410
    assert "Ce lien de téléchargement a expiré" in response.content.decode()
    with tenant_context(paris):
        assert not AuditEvent.objects.filter(action="export.downloaded").exists()


def test_a_link_older_than_its_lifetime_is_a_410(paris, backoffice_admin, settings):
    client = backoffice_admin(paris)
    link = _link(paris, _done_job(paris, client.user))
    settings.BACKOFFICE_EXPORT_LINK_SECONDS = -1

    assert client.get(link).status_code == 410


# --- across admins and tenants -------------------------------------------------------------------


def test_another_admins_export_is_a_404_page_and_link(paris, backoffice_admin):
    owner, other = backoffice_admin(paris), backoffice_admin(paris)
    job = _done_job(paris, owner.user)

    assert other.get(_job_url(job)).status_code == 404
    assert other.get(_link(paris, job)).status_code == 404
    assert owner.get(_link(paris, job)).status_code == 200


def test_another_tenants_export_is_a_404(paris, montreal, backoffice_admin):
    paris_admin = backoffice_admin(paris)
    montreal_admin = backoffice_admin(montreal)
    job = _done_job(montreal, montreal_admin.user)
    with tenant_context(paris):
        assert not ExportJob.objects.filter(pk=job.pk).exists()

    assert paris_admin.get(_job_url(job)).status_code == 404
    assert paris_admin.get(_link(montreal, job)).status_code == 404


def test_a_paris_link_is_nothing_on_montreal(paris, montreal, backoffice_admin, client_for):
    paris_admin = backoffice_admin(paris)
    montreal_admin = backoffice_admin(montreal)
    job = _done_job(paris, paris_admin.user)
    # The same job id and owner id in Montréal: only the signature's tenant binding tells.
    with tenant_context(montreal):
        twin = ExportJobFactory(
            pk=job.pk,
            requested_by=montreal_admin.user,
            status=Status.DONE,
            expires_at=timezone.now() + timedelta(hours=1),
            content=b"montreal",
        )
    link = _link(paris, job)

    assert montreal_admin.get(link).status_code == 404
    assert montreal_admin.get(_link(montreal, twin)).status_code == 200
    # Paris's session means nothing on Montréal's host.
    elsewhere = client_for(montreal)
    elsewhere.cookies = paris_admin.cookies
    assert elsewhere.get(link).status_code == 302
    with tenant_context(montreal):
        assert (
            not AuditEvent.objects.filter(action="export.downloaded", target_id=job.pk)
            .exclude(actor_id=montreal_admin.user.pk)
            .exists()
        )


def test_a_malformed_link_or_job_id_is_a_404(paris, backoffice_admin):
    client = backoffice_admin(paris)

    assert client.get("/gestion/exports/telechargement/not-a-token/").status_code == 404
    assert client.get("/gestion/exports/99999999999999999999/").status_code == 404
    assert client.get("/gestion/exports/0/").status_code == 404

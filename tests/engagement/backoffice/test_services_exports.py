"""engagement/backoffice/services_exports.py: asking for an export, the worker, the link, the
purge. The files' exact content is in test_export_files.py; the pages in test_exports.py."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from billing.services import plan_assign
from engagement.backoffice import services_exports as exports
from engagement.backoffice.models import ExportJob
from engagement.errors import EngagementError, EngagementErrorCode
from tenants.audit.models import AuditEvent
from tenants.outbox.models import OutboxMessage
from tenants.signing import tenant_dumps
from tests.engagement.backoffice.export_world import (
    END,
    EXPECTED_CSV,
    START,
    build_export_world,
    export_files_removed,  # noqa: F401 (fixture)
)
from tests.engagement.factories import (
    ExportJobFactory,
    ModeratorFactory,
    TenantAdminFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("export_files_removed")]

Status = ExportJob.Status


def _request(tenant, actor, **overrides):  # type: ignore[no-untyped-def]
    values = {
        "kind": ExportJob.Kind.PARTICIPATIONS,
        "file_format": ExportJob.Format.CSV,
        "start": START,
        "end": END,
        "language": "en",
        **overrides,
    }
    return exports.export_request(tenant=tenant, actor=actor, **values)


def _csv_rows(job: ExportJob) -> list[list[str]]:
    with job.file.open("rb") as file:
        text = file.read().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# --- asking ------------------------------------------------------------------------------------


def test_a_request_records_the_job_audits_it_and_schedules_its_worker(in_paris):
    admin = TenantAdminFactory()

    job = _request(in_paris, admin)

    assert (job.status, job.kind, job.format, job.requested_by) == (
        Status.QUEUED,
        "participations",
        "csv",
        admin,
    )
    assert (job.period_start, job.period_end, job.progress, job.file.name) == (START, END, 0, "")
    event = AuditEvent.objects.get(action="export.requested")
    assert (event.actor_id, event.target_type, event.target_id) == (admin.pk, "exportjob", job.pk)
    assert event.data == {
        "kind": "participations",
        "format": "csv",
        "period_start": "2025-03-01",
        "period_end": "2025-04-30",
    }
    message = OutboxMessage.objects.get(task_name="engagement.export_job_run")
    assert message.args == [job.pk]


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"kind": "donations"}, {"kind"}),
        ({"file_format": "pdf"}, {"format"}),
        ({"end": date(2025, 2, 28)}, {"end"}),
        ({"start": date(2014, 1, 1), "end": date(2025, 1, 1)}, {"end"}),
        ({"start": date(1999, 12, 31)}, {"start"}),
        ({"end": date(2101, 1, 1)}, {"end"}),
        ({"kind": "", "file_format": "", "end": date(2020, 1, 1)}, {"kind", "format", "end"}),
    ],
)
def test_bad_input_is_refused_with_field_errors_and_nothing_is_written(in_paris, overrides, fields):
    admin = TenantAdminFactory()

    with pytest.raises(EngagementError) as refused:
        _request(in_paris, admin, **overrides)

    assert refused.value.code == EngagementErrorCode.INVALID
    assert refused.value.status_code == 400
    assert set(refused.value.fields) == fields
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action="export.requested").exists()
    assert not OutboxMessage.objects.filter(task_name="engagement.export_job_run").exists()


def test_ten_years_is_the_longest_period():
    assert exports.export_period_errors(start=date(2015, 1, 1), end=date(2024, 12, 31)) == {}
    assert set(exports.export_period_errors(start=date(2015, 1, 1), end=date(2025, 1, 1))) == {
        "end"
    }
    assert exports.export_period_errors(start=date(2025, 3, 1), end=date(2025, 3, 1)) == {}


@pytest.mark.parametrize("factory", [UserFactory, ModeratorFactory])
def test_only_tenant_admins_export(in_paris, factory):
    with pytest.raises(EngagementError) as refused:
        _request(in_paris, factory())

    assert refused.value.code == EngagementErrorCode.NOT_ALLOWED
    assert not ExportJob.objects.exists()


def test_xlsx_is_an_advanced_report_the_essential_plan_lacks(in_paris):
    admin = TenantAdminFactory()

    with pytest.raises(EngagementError) as refused, translation.override("en"):
        _request(in_paris, admin, file_format="xlsx")

    assert refused.value.code == EngagementErrorCode.FEATURE_NOT_IN_PLAN
    assert refused.value.status_code == 403
    assert "advanced report" in refused.value.fields["format"][0]
    assert not ExportJob.objects.exists()
    assert exports.export_formats_allowed(in_paris) == {"csv"}


def test_xlsx_with_a_plan_that_has_advanced_reports(in_paris):
    plan_assign(tenant=in_paris, plan_code="city_premium")
    admin = TenantAdminFactory()

    job = _request(in_paris, admin, file_format="xlsx")

    assert job.format == "xlsx"
    assert exports.export_formats_allowed(in_paris) == {"csv", "xlsx"}


def test_one_export_at_a_time_per_admin(in_paris):
    admin, other = TenantAdminFactory(), TenantAdminFactory()
    first = _request(in_paris, admin)

    with pytest.raises(EngagementError) as refused:
        _request(in_paris, admin, kind="volunteers")

    assert refused.value.code == EngagementErrorCode.EXPORT_ALREADY_RUNNING
    assert refused.value.status_code == 429
    assert list(ExportJob.objects.filter(requested_by=admin)) == [first]
    # Another admin is not held up; a finished export frees its admin.
    _request(in_paris, other)
    ExportJob.objects.filter(pk=first.pk).update(status=Status.FAILED)
    assert _request(in_paris, admin, kind="hours").kind == "hours"


def test_a_silent_job_no_longer_holds_its_admin(in_paris):
    admin = TenantAdminFactory()
    silent_since = timezone.now() - timedelta(seconds=settings.BACKOFFICE_EXPORT_STALE_SECONDS + 1)
    stale = ExportJobFactory(requested_by=admin, status=Status.RUNNING, updated_at=silent_since)

    job = _request(in_paris, admin)

    stale.refresh_from_db()
    assert stale.status == Status.FAILED
    assert job.status == Status.QUEUED


# --- the worker --------------------------------------------------------------------------------


def test_the_worker_writes_the_file_and_finishes_the_job(in_paris):
    build_export_world()
    job = ExportJobFactory(period_start=START, period_end=END)
    before = timezone.now()

    exports.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.progress, job.rows) == (Status.DONE, 100, 6)
    assert _csv_rows(job) == EXPECTED_CSV[ExportJob.Kind.PARTICIPATIONS]
    assert job.finished_at is not None and job.finished_at >= before
    link = timedelta(seconds=settings.BACKOFFICE_EXPORT_LINK_SECONDS)
    assert job.expires_at == job.finished_at + link


def test_the_file_is_kept_under_the_tenants_media(in_paris):
    job = ExportJobFactory()

    exports.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.file.name.startswith("exports/participations_2025-03-01_2025-03-31")
    path = Path(job.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT) / in_paris.schema_name / "exports")
    assert path.read_bytes().startswith("\ufeffMission,".encode())


def test_progress_is_saved_after_each_chunk_and_never_reaches_100_before_the_file(in_paris):
    build_export_world()
    job = ExportJobFactory(period_start=START, period_end=END)

    with CaptureQueriesContext(connection) as queries:
        exports.export_job_run(job_id=job.pk, chunk_rows=4)

    progress = [
        query["sql"].split('"progress" = ')[1].split(",")[0]
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "engagement_exportjob" SET "progress"')
    ]
    # 6 rows in chunks of 4: 4/6, then 6/6 (held at 99 until the file is stored).
    assert progress == ["66", "99"]
    job.refresh_from_db()
    assert (job.progress, job.rows) == (100, 6)


def test_the_worker_runs_outside_the_outboxs_transaction(
    in_paris, monkeypatch, django_capture_on_commit_callbacks
):
    """Sent through the outbox, the export's progress is seen while the file is written: no
    transaction (here: no savepoint inside the test's own) wraps the task's work."""
    depth = []
    original = exports._progress_save

    def spy(job, *, done, total):  # type: ignore[no-untyped-def]
        depth.append(len(connection.savepoint_ids))
        original(job, done=done, total=total)

    monkeypatch.setattr(exports, "_progress_save", spy)
    build_export_world()
    baseline = len(connection.savepoint_ids)

    with django_capture_on_commit_callbacks(execute=True):
        job = _request(in_paris, TenantAdminFactory())

    job.refresh_from_db()
    assert job.status == Status.DONE
    assert depth == [baseline]
    # The worker removed its outbox row once done.
    assert not OutboxMessage.objects.filter(task_name="engagement.export_job_run").exists()


def test_running_twice_writes_once(in_paris):
    job = ExportJobFactory()
    exports.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    first = (job.file.name, job.finished_at)

    again = exports.export_job_run(job_id=job.pk)

    assert again is not None and (again.file.name, again.finished_at) == first


def test_a_job_running_elsewhere_is_left_alone_and_a_silent_one_is_taken_over(in_paris):
    running = ExportJobFactory(status=Status.RUNNING, updated_at=timezone.now())
    silent = ExportJobFactory(
        status=Status.RUNNING,
        updated_at=timezone.now() - timedelta(seconds=settings.BACKOFFICE_EXPORT_STALE_SECONDS + 1),
    )

    exports.export_job_run(job_id=running.pk)
    exports.export_job_run(job_id=silent.pk)

    running.refresh_from_db()
    silent.refresh_from_db()
    assert (running.status, running.file.name) == (Status.RUNNING, "")
    assert silent.status == Status.DONE


def test_a_failure_fails_the_job_and_keeps_no_file(in_paris, monkeypatch):
    job = ExportJobFactory()

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(exports, "sheet_writer", broken)

    exports.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.file.name, job.expires_at) == (Status.FAILED, "", None)
    assert job.finished_at is not None


def test_a_missing_job_is_nothing_to_do(in_paris):
    assert exports.export_job_run(job_id=987_654) is None


def test_the_file_speaks_the_language_of_the_request(in_paris):
    build_export_world()
    job = ExportJobFactory(period_start=START, period_end=END, language="fr")

    exports.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    rows = _csv_rows(job)
    assert rows[0] == [
        "Mission",
        "Organisation",
        "Début",
        "Fin",
        "Statut",
        "Bénévole",
        "E-mail",
        "Heures",
    ]
    assert rows[1][4] == "Présent·e"
    assert rows[5][5] == "Compte supprimé"


# --- the link ----------------------------------------------------------------------------------


def test_the_download_link_names_the_job_and_its_admin(in_paris):
    job = ExportJobFactory(status=Status.DONE, expires_at=timezone.now() + timedelta(hours=1))

    claim = exports.export_download_claim(token=exports.export_download_token(job=job))

    assert claim == exports.DownloadClaim(job_id=job.pk, user_id=job.requested_by_id)


def test_a_link_of_another_tenant_or_altered_is_invalid(paris, montreal):
    with tenant_context(paris):
        token = exports.export_download_token(
            job=ExportJobFactory(status=Status.DONE, expires_at=timezone.now())
        )
    with tenant_context(montreal), pytest.raises(exports.ExportLinkInvalid):
        exports.export_download_claim(token=token)
    with tenant_context(paris):
        with pytest.raises(exports.ExportLinkInvalid):
            exports.export_download_claim(token=token[:-2] + "xx")
        with pytest.raises(exports.ExportLinkInvalid):
            exports.export_download_claim(token=tenant_dumps("export_download", [1, 2]))


def test_an_old_link_has_expired(in_paris, settings):
    token = exports.export_download_token(
        job=ExportJobFactory(status=Status.DONE, expires_at=timezone.now())
    )
    settings.BACKOFFICE_EXPORT_LINK_SECONDS = -1

    with pytest.raises(exports.ExportLinkExpired):
        exports.export_download_claim(token=token)


def test_a_download_is_audited(in_paris):
    job = ExportJobFactory(
        status=Status.DONE,
        rows=3,
        expires_at=timezone.now() + timedelta(hours=1),
        content=b"\xef\xbb\xbfMission\r\n",
    )

    with exports.export_job_download(job=job, actor=job.requested_by) as file:
        assert file.read() == b"\xef\xbb\xbfMission\r\n"

    event = AuditEvent.objects.get(action="export.downloaded")
    assert (event.actor_id, event.target_id) == (job.requested_by_id, job.pk)
    assert event.data == {"kind": "participations", "format": "csv", "rows": 3}


def test_an_expired_job_is_not_downloaded(in_paris):
    job = ExportJobFactory(
        status=Status.DONE, expires_at=timezone.now() - timedelta(seconds=1), content=b"x"
    )

    with pytest.raises(exports.ExportLinkExpired):
        exports.export_job_download(job=job, actor=job.requested_by)

    assert not AuditEvent.objects.filter(action="export.downloaded").exists()


# --- the purge ---------------------------------------------------------------------------------


def test_the_purge_deletes_expired_files_and_fails_silent_jobs(paris, montreal):
    now = timezone.now()
    with tenant_context(paris):
        expired = ExportJobFactory(
            status=Status.DONE, expires_at=now - timedelta(minutes=1), content=b"old"
        )
        fresh = ExportJobFactory(
            status=Status.DONE, expires_at=now + timedelta(hours=1), content=b"new"
        )
        silent = ExportJobFactory(
            status=Status.QUEUED,
            updated_at=now - timedelta(seconds=settings.BACKOFFICE_EXPORT_STALE_SECONDS + 1),
        )
        expired_path = Path(expired.file.path)
    with tenant_context(montreal):
        elsewhere = ExportJobFactory(
            status=Status.DONE, expires_at=now - timedelta(minutes=1), content=b"old"
        )
        elsewhere_path = Path(elsewhere.file.path)

    assert exports.export_jobs_purge_everywhere(now=now) == 2

    assert not expired_path.exists() and not elsewhere_path.exists()
    with tenant_context(paris):
        for job in (expired, fresh, silent):
            job.refresh_from_db()
        assert (expired.status, expired.file.name) == (Status.EXPIRED, "")
        assert fresh.status == Status.DONE and Path(fresh.file.path).exists()
        assert silent.status == Status.FAILED
    with tenant_context(montreal):
        elsewhere.refresh_from_db()
        assert elsewhere.status == Status.EXPIRED
    assert exports.export_jobs_purge_everywhere(now=now) == 0


def test_beat_runs_the_purge_hourly_as_a_platform_task(paris):
    from config.celery import app
    from engagement.tasks import export_jobs_purge

    with tenant_context(paris):
        ExportJobFactory(
            status=Status.DONE, expires_at=timezone.now() - timedelta(minutes=1), content=b"old"
        )

    assert settings.CELERY_BEAT_SCHEDULE["backoffice-exports-purge"] == {
        "task": "engagement.export_jobs_purge",
        "schedule": 3600,
    }
    assert "engagement.export_jobs_purge" in app.tasks
    assert export_jobs_purge.delay().get() == 1
    assert connection.schema_name == "public"
    with tenant_context(paris):
        assert ExportJob.objects.get().status == Status.EXPIRED

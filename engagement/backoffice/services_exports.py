"""Exports of the back office: ask for one, write it in the background, download it, forget it.

One path for every size: `export_request` records an `ExportJob` (audited) and schedules
`engagement.export_job_run` through the outbox; the worker (`export_job_run`) writes the file
in chunks, saving its progress, and stores it through `export_storage()`; the page polls the job
and, once done, offers a signed link (`export_download_token`) for the admin who asked, until
the job's `expires_at` (BACKOFFICE_EXPORT_LINK_SECONDS); `export_jobs_purge` (hourly, celery
beat, for every tenant) deletes the files whose time is up and fails jobs whose worker died.

Rules: tenant admins only (exports hold personal data); CSV needs the plan's `csv_export`, XLSX
is an advanced report (`advanced_reports`); a period of at most EXPORT_PERIOD_MAX_DAYS between
EXPORT_FIRST_YEAR and EXPORT_LAST_YEAR; at most BACKOFFICE_EXPORT_MAX_ACTIVE_PER_ADMIN exports
queued or running per admin. The worker runs the job once, whatever the broker delivers: it
claims the job under a row lock first.
"""

from __future__ import annotations

import logging
import tempfile
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from accounts.models import User
from accounts.permissions import user_is_tenant_admin
from billing.entitlements import entitlement_has
from engagement.backoffice.export_files import CONTENT_TYPES, sheet_writer
from engagement.backoffice.models import ExportJob, export_storage
from engagement.backoffice.selectors_exports import Period, Row, export_table
from engagement.errors import EngagementError, EngagementErrorCode
from tenants.audit.services import audit_record
from tenants.context import current_tenant, tenant_context
from tenants.models import Tenant
from tenants.outbox.services import outbox_enqueue
from tenants.signing import InvalidToken, TokenExpired, tenant_dumps, tenant_loads
from tenants.storage import StoredFileMissing, signed_download_url

logger = logging.getLogger(__name__)

CSV_EXPORT = "csv_export"
ADVANCED_REPORTS = "advanced_reports"
# The longest period one export covers (ten years), and the years a period may touch.
EXPORT_PERIOD_MAX_DAYS = 3653
EXPORT_FIRST_YEAR, EXPORT_LAST_YEAR = 2000, 2100
TOKEN_KIND = "export_download"
TASK = "engagement.export_job_run"

Status = ExportJob.Status


# --- asking for an export ------------------------------------------------------------------------


def export_period_errors(*, start: date, end: date) -> dict[str, list[str]]:
    """Field errors of a period ({} when it is fine): known years, end not before start, and no
    more than EXPORT_PERIOD_MAX_DAYS days."""
    errors: dict[str, list[str]] = {}
    for field, day in (("start", start), ("end", end)):
        if not EXPORT_FIRST_YEAR <= day.year <= EXPORT_LAST_YEAR:
            errors[field] = [
                _("A date between %(first)d and %(last)d.")
                % {"first": EXPORT_FIRST_YEAR, "last": EXPORT_LAST_YEAR}
            ]
    if errors:
        return errors
    if end < start:
        errors["end"] = [_("The end of the period comes before its start.")]
    elif (end - start).days + 1 > EXPORT_PERIOD_MAX_DAYS:
        errors["end"] = [
            _("A period of at most %(years)d years: export a longer one in several parts.")
            % {"years": EXPORT_PERIOD_MAX_DAYS // 365}
        ]
    return errors


def export_formats_allowed(tenant: Tenant) -> frozenset[str]:
    """The formats the tenant's plan includes: CSV with csv_export, XLSX (an advanced report)
    with advanced_reports too."""
    if not entitlement_has(tenant, CSV_EXPORT):
        return frozenset()
    if entitlement_has(tenant, ADVANCED_REPORTS):
        return frozenset({ExportJob.Format.CSV, ExportJob.Format.XLSX})
    return frozenset({ExportJob.Format.CSV})


def _refuse_format(tenant: Tenant, file_format: str) -> None:
    if file_format in export_formats_allowed(tenant):
        return
    if file_format == ExportJob.Format.XLSX and entitlement_has(tenant, CSV_EXPORT):
        message = _(
            "Excel workbooks (XLSX) are an advanced report, which your plan does not include: "
            "choose CSV, or change plan on the Subscription page."
        )
    else:
        message = _("Your plan does not include exports: change plan on the Subscription page.")
    raise EngagementError(
        message, code=EngagementErrorCode.FEATURE_NOT_IN_PLAN, fields={"format": [message]}
    )


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.BACKOFFICE_EXPORT_STALE_SECONDS)


def _fail_stale(jobs: Q, *, now: datetime) -> int:
    """Fail unfinished jobs with no sign of life since BACKOFFICE_EXPORT_STALE_SECONDS (their
    worker died, or none took them): their admin may ask again."""
    return ExportJob.objects.filter(
        jobs, status__in=ExportJob.UNFINISHED, updated_at__lt=_stale_before(now)
    ).update(status=Status.FAILED, finished_at=now, updated_at=now)


def export_request(
    *,
    tenant: Tenant,
    actor: User,
    kind: str,
    file_format: str,
    start: date,
    end: date,
    language: str,
) -> ExportJob:
    """Record an export job for `actor` and schedule its worker. Refused (EngagementError,
    nothing written): not a tenant admin (403), an unknown kind or format or a bad period (400,
    with field errors), a format the plan lacks (403), an export of this admin still queued or
    running (429)."""
    if not user_is_tenant_admin(actor):
        raise EngagementError(
            _("Only the instance's administrators export data."),
            code=EngagementErrorCode.NOT_ALLOWED,
        )
    errors: dict[str, list[str]] = {}
    if kind not in ExportJob.Kind.values:
        errors["kind"] = [_("Choose what to export.")]
    if file_format not in ExportJob.Format.values:
        errors["format"] = [_("Choose a file format.")]
    errors.update(export_period_errors(start=start, end=end))
    if errors:
        raise EngagementError(
            _("Check the export's details."), code=EngagementErrorCode.INVALID, fields=errors
        )
    _refuse_format(tenant, file_format)
    now = timezone.now()
    with transaction.atomic():
        # One admin's requests one after the other: two clicks cannot both pass the limit.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        _fail_stale(Q(requested_by=actor), now=now)
        active = ExportJob.objects.filter(
            requested_by=actor, status__in=ExportJob.UNFINISHED
        ).count()
        if active >= settings.BACKOFFICE_EXPORT_MAX_ACTIVE_PER_ADMIN:
            raise EngagementError(
                _(
                    "Your previous export is still being written: wait until it is ready "
                    "before asking for another one."
                ),
                code=EngagementErrorCode.EXPORT_ALREADY_RUNNING,
            )
        job = ExportJob(
            kind=kind,
            format=file_format,
            period_start=start,
            period_end=end,
            language=language,
            requested_by=actor,
            created_at=now,
            updated_at=now,
        )
        job.full_clean()
        job.save()
        audit_record(
            actor=actor,
            action="export.requested",
            target=job,
            data={
                "kind": kind,
                "format": file_format,
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
            },
        )
        outbox_enqueue(TASK, job.pk)
    logger.info("export.requested", extra={"job_id": job.pk, "kind": kind, "format": file_format})
    return job


# --- writing it (the worker) ---------------------------------------------------------------------


def _claim(job_id: int, now: datetime) -> ExportJob | None:
    """The job, now RUNNING for this worker; None when there is nothing to do (gone, finished,
    or running elsewhere with recent signs of life)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return None
        if job.status == Status.RUNNING and job.updated_at >= _stale_before(now):
            return None
        if job.status not in ExportJob.UNFINISHED:
            return None
        job.status = Status.RUNNING
        job.started_at = job.updated_at = now
        job.progress = job.rows = 0
        job.save(update_fields=["status", "started_at", "updated_at", "progress", "rows"])
        return job


def _progress_save(job: ExportJob, *, done: int, total: int) -> None:
    """Seen by the progress page at once (the worker runs outside a transaction). Never 100
    before the file is stored."""
    progress = min(99, done * 100 // total) if total else 99
    ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
        progress=progress, rows=done, updated_at=timezone.now()
    )


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _write(job: ExportJob, output: IO[bytes], *, chunk_rows: int) -> int:
    table = export_table(kind=job.kind, period=Period(job.period_start, job.period_end))
    total = table.count()
    writer = sheet_writer(job.format, output, table.columns, title=str(table.title))
    done = 0
    for chunk in _chunks(table.rows(chunk_rows), chunk_rows):
        writer.write_rows(chunk)
        done += len(chunk)
        _progress_save(job, done=done, total=total)
    writer.finish()
    return done


def export_job_run(*, job_id: int, chunk_rows: int | None = None) -> ExportJob | None:
    """Write the job's file and store it; safe to run twice (a job already finished, or running
    elsewhere, is left alone). Any failure marks the job failed (logged), never half done."""
    now = timezone.now()
    job = _claim(job_id, now)
    if job is None:
        return ExportJob.objects.filter(pk=job_id).first()
    tenant = current_tenant()
    chunk_rows = chunk_rows or settings.BACKOFFICE_EXPORT_CHUNK_ROWS
    stored = ""
    try:
        with (
            translation.override(job.language),
            timezone.override(zoneinfo.ZoneInfo(tenant.timezone)),
            tempfile.TemporaryFile() as output,
        ):
            rows = _write(job, output, chunk_rows=chunk_rows)
            output.seek(0)
            stored = export_storage().save(
                f"exports/{job.download_name()}", File(output, name=job.download_name())
            )
    except Exception:
        logger.exception("export.failed", extra={"job_id": job.pk, "kind": job.kind})
        finished = timezone.now()
        ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
            status=Status.FAILED, finished_at=finished, updated_at=finished
        )
        if stored:
            export_storage().delete(stored)
        return ExportJob.objects.filter(pk=job.pk).first()
    finished = timezone.now()
    expires = finished + timedelta(seconds=settings.BACKOFFICE_EXPORT_LINK_SECONDS)
    marked = ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
        status=Status.DONE,
        progress=100,
        rows=rows,
        file=stored,
        finished_at=finished,
        updated_at=finished,
        expires_at=expires,
    )
    if not marked:
        # Failed meanwhile as stale (a very slow chunk): its admin was told to ask again.
        export_storage().delete(stored)
    logger.info(
        "export.written",
        extra={
            "job_id": job.pk,
            "kind": job.kind,
            "format": job.format,
            "rows": rows,
            "seconds": round((finished - now).total_seconds(), 3),
        },
    )
    return ExportJob.objects.filter(pk=job.pk).first()


# --- downloading it ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DownloadClaim:
    job_id: int
    user_id: int


class ExportLinkInvalid(Exception):
    """Not a download link of this tenant (forged, altered, another tenant's): a 404."""


class ExportLinkExpired(Exception):
    """A genuine link whose time is up (the link, or the file): a 410."""


def export_download_token(*, job: ExportJob) -> str:
    """The signed, tenant-bound link value of a finished job, for the admin who asked for it
    (valid BACKOFFICE_EXPORT_LINK_SECONDS, and never beyond the job's expires_at)."""
    return tenant_dumps(TOKEN_KIND, {"job": job.pk, "user": job.requested_by_id})


def export_download_claim(*, token: str) -> DownloadClaim:
    """What a download link names; ExportLinkInvalid or ExportLinkExpired."""
    try:
        value = tenant_loads(TOKEN_KIND, token)
    except TokenExpired:
        raise ExportLinkExpired from None
    except InvalidToken:
        raise ExportLinkInvalid from None
    if not isinstance(value, dict):
        raise ExportLinkInvalid
    job_id, user_id = value.get("job"), value.get("user")
    if not isinstance(job_id, int) or not isinstance(user_id, int):
        raise ExportLinkInvalid
    return DownloadClaim(job_id=job_id, user_id=user_id)


def export_job_download(*, job: ExportJob, actor: User) -> File[bytes]:
    """The job's file, open for reading, for the admin who asked for it (audited). Raises
    ExportLinkExpired once its time is up or its file is gone."""
    if not job.is_downloadable(timezone.now()):
        raise ExportLinkExpired
    try:
        file = job.file.open("rb")
    except OSError:
        raise ExportLinkExpired from None
    _audit_download(job, actor)
    return file


def export_job_download_url(*, job: ExportJob, actor: User) -> str | None:
    """With the files on an object store: a signed URL of the job's file for the admin who
    asked for it (audited), valid S3_SIGNED_URL_SECONDS and never beyond the job's expiry.
    None when the files are on local disk (export_job_download streams it then). Raises
    ExportLinkExpired once its time is up or its file is gone."""
    now = timezone.now()
    if not job.is_downloadable(now):
        raise ExportLinkExpired
    assert job.expires_at is not None  # is_downloadable
    try:
        url = signed_download_url(
            job.file,
            filename=job.download_name(),
            content_type=CONTENT_TYPES[ExportJob.Format(job.format)],
            max_seconds=(job.expires_at - now).total_seconds(),
        )
    except StoredFileMissing:
        raise ExportLinkExpired from None
    if url is not None:
        _audit_download(job, actor)
    return url


def _audit_download(job: ExportJob, actor: User) -> None:
    audit_record(
        actor=actor,
        action="export.downloaded",
        target=job,
        data={"kind": job.kind, "format": job.format, "rows": job.rows},
    )
    logger.info("export.downloaded", extra={"job_id": job.pk})


# --- forgetting it -------------------------------------------------------------------------------


def export_jobs_purge(*, now: datetime | None = None) -> int:
    """In the current tenant: delete the files of finished jobs whose time is up (the jobs stay,
    EXPIRED), and fail jobs whose worker died. Returns the files deleted."""
    now = now or timezone.now()
    _fail_stale(Q(), now=now)
    deleted = 0
    expired = ExportJob.objects.filter(status=Status.DONE, expires_at__lte=now).only("pk", "file")
    for job in expired.iterator():
        if job.file:
            job.file.storage.delete(job.file.name)
            deleted += 1
        ExportJob.objects.filter(pk=job.pk, status=Status.DONE).update(
            status=Status.EXPIRED, file="", updated_at=now
        )
    if deleted:
        logger.info("export.purged", extra={"files": deleted})
    return deleted


def export_jobs_purge_everywhere(*, now: datetime | None = None) -> int:
    """export_jobs_purge in every tenant (the hourly beat task; disabled tenants too: their
    files hold personal data all the same); returns the files deleted. Two small indexed
    queries per tenant when there is nothing to do; a tenant that fails is logged and skipped."""
    deleted = 0
    tenants = Tenant.objects.exclude(schema_name=get_public_schema_name()).order_by("pk")
    for tenant in tenants:
        try:
            with tenant_context(tenant):
                deleted += export_jobs_purge(now=now)
        except (DatabaseError, OSError):
            logger.exception("export.purge_failed", extra={"schema": tenant.schema_name})
    return deleted

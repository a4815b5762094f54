"""A tenant's life after provisioning, for platform staff: suspend, reactivate, archive, restore.

- **Suspend / reactivate** change the Tenant row only (status, suspended_at, suspension_reason):
  the routing cache is invalidated by the row's save (tenants/routing.py), every host then answers
  the suspended page (tenants/middleware.py) without a session or a query, and reactivating
  brings everything back as it was (the schema, sessions and tokens were never touched).
- **Archive** is the deprovisioning job (tenants/deprovisioning.py): export (pg_dump, files, the
  manifest of tenants/archives.py), then drop.
- **Restore** rebuilds a tenant from an archive under the same or a new slug, as a RestoreJob run
  by a worker, all or nothing: on any failure the schema it created is dropped, the rows it wrote
  are deleted and the files it unpacked are removed.

Every action is recorded in the platform audit by the caller's entry point (console, API,
command) through the functions here, which take the actor and the source.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import schema_exists

from tenants import archives, provisioning, storage
from tenants.db import connection
from tenants.deprovisioning import deprovision_job_request
from tenants.errors import ProvisioningError, TenantErrorCode
from tenants.jobs import job_claim
from tenants.models import DeprovisionJob, Domain, RestoreJob, Tenant, is_platform_host
from tenants.outbox.services import outbox_enqueue
from tenants.platform_audit import Action, audit_record
from tenants.services import slug_check_available

logger = logging.getLogger(__name__)

RESTORE_TASK = "tenants.restore_job_run"
RESTORE_RUNNING_STALE = dt.timedelta(hours=2)
REASON_MAX = 300


def _tenant(slug: str) -> Tenant:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise ProvisioningError(
            f"No tenant with slug {slug!r}.", code=TenantErrorCode.TENANT_NOT_FOUND, field="slug"
        )
    return tenant


def _refuse_if_archiving(tenant: Tenant) -> None:
    if tenant.status == Tenant.Status.DISABLED:
        raise ProvisioningError(
            f"The tenant {tenant.slug!r} is being archived.",
            code=TenantErrorCode.TENANT_BEING_ARCHIVED,
        )


def tenant_suspend(
    *, slug: str, reason: str, actor: Any | None, source: str
) -> tuple[Tenant, bool]:
    """Suspend the tenant; (tenant, changed). Suspending a suspended tenant changes nothing
    (its first reason and date stay) and is not an error."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ProvisioningError(
            "Give a reason (it is kept in the audit).",
            code=TenantErrorCode.REASON_INVALID,
            field="reason",
        )
    if len(reason) > REASON_MAX:
        raise ProvisioningError(
            f"The reason is too long ({len(reason)} characters, at most {REASON_MAX}).",
            code=TenantErrorCode.REASON_INVALID,
            field="reason",
        )
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().filter(slug=slug).first()
        if tenant is None:
            _tenant(slug)
        assert tenant is not None
        _refuse_if_archiving(tenant)
        if tenant.status == Tenant.Status.SUSPENDED:
            return tenant, False
        tenant.status = Tenant.Status.SUSPENDED
        tenant.suspended_at = timezone.now()
        tenant.suspension_reason = reason
        # save() sends post_save: the routing cache starts a new generation (now and on commit).
        tenant.save(update_fields=["status", "suspended_at", "suspension_reason", "updated_at"])
        audit_record(
            actor=actor,
            action=Action.SUSPEND,
            source=source,
            tenant_slug=slug,
            details={"reason": reason},
        )
    logger.info("tenant.suspended", extra={"tenant": slug})
    return tenant, True


def tenant_reactivate(*, slug: str, actor: Any | None, source: str) -> tuple[Tenant, bool]:
    """Bring a suspended tenant back; (tenant, changed). An active tenant is left as it is."""
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().filter(slug=slug).first()
        if tenant is None:
            _tenant(slug)
        assert tenant is not None
        _refuse_if_archiving(tenant)
        if tenant.status == Tenant.Status.ACTIVE:
            return tenant, False
        suspended = {
            "reason": tenant.suspension_reason,
            "suspended_at": tenant.suspended_at.isoformat() if tenant.suspended_at else None,
        }
        tenant.status = Tenant.Status.ACTIVE
        tenant.suspended_at = None
        tenant.suspension_reason = ""
        tenant.save(update_fields=["status", "suspended_at", "suspension_reason", "updated_at"])
        audit_record(
            actor=actor,
            action=Action.REACTIVATE,
            source=source,
            tenant_slug=slug,
            details=suspended,
        )
    logger.info("tenant.reactivated", extra={"tenant": slug})
    return tenant, True


def tenant_archive_request(*, slug: str, actor: Any | None, source: str) -> DeprovisionJob:
    """Queue the archive (export, then drop) of a tenant: the deprovisioning job."""
    _tenant(slug)
    with transaction.atomic():
        job = deprovision_job_request(slug=slug, requested_by_id=getattr(actor, "pk", None))
        audit_record(
            actor=actor,
            action=Action.ARCHIVE,
            source=source,
            tenant_slug=slug,
            details={"job_id": job.pk},
        )
    return job


# --- restore ------------------------------------------------------------------------------------


def archive_list() -> list[DeprovisionJob]:
    """Archives a tenant can be restored from: succeeded deprovisionings, newest first."""
    return list(
        DeprovisionJob.objects.filter(status=DeprovisionJob.Status.SUCCEEDED).order_by(
            "-finished_at", "-pk"
        )
    )


def _archive(archive_id: int) -> DeprovisionJob:
    archive = DeprovisionJob.objects.filter(
        pk=archive_id, status=DeprovisionJob.Status.SUCCEEDED
    ).first()
    if archive is None or not archive.export_path:
        raise ProvisioningError(
            f"No archive with id {archive_id}.",
            code=TenantErrorCode.ARCHIVE_NOT_FOUND,
            field="archive",
        )
    return archive


def _pg_env_args() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = [
        "--host",
        db.get("HOST") or "127.0.0.1",
        "--port",
        str(db.get("PORT") or 5432),
        "--username",
        db.get("USER") or "postgres",
    ]
    environment = dict(os.environ)
    if db.get("PASSWORD"):
        environment["PGPASSWORD"] = db["PASSWORD"]
    return args, environment


def _pg_restore(*arguments: str) -> subprocess.CompletedProcess[str]:
    args, environment = _pg_env_args()
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [shutil.which("pg_restore") or "pg_restore", *args, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def archive_check(archive: DeprovisionJob) -> archives.Manifest:
    """The archive's manifest once its files are there and readable, and its schema is one this
    code can bring up to date; else ARCHIVE_INVALID or ARCHIVE_TOO_NEW."""
    dump = Path(archive.export_path)
    if not storage.archive_file_exists(dump):
        raise ProvisioningError(
            f"The archive's dump {dump.name} is missing.",
            code=TenantErrorCode.ARCHIVE_INVALID,
            field="archive",
        )
    manifest_path = archives.manifest_path_for(dump)
    was_local = manifest_path.is_file()
    storage.archive_file_fetch(manifest_path)  # small; from the bucket when it is there
    try:
        manifest = archives.manifest_read(manifest_path)
    finally:
        if not was_local:
            storage.archive_files_forget_local([manifest_path])
    # A dump still in the bucket is read once the worker has fetched it (tenant_restore).
    listing = _pg_restore("--list", str(dump)) if dump.is_file() else None
    if listing is not None and listing.returncode != 0:
        raise ProvisioningError(
            f"The archive's dump {dump.name} is unreadable: {listing.stderr.strip()[:300]}",
            code=TenantErrorCode.ARCHIVE_INVALID,
            field="archive",
        )
    if archive.media_export_path and not storage.archive_file_exists(
        Path(archive.media_export_path)
    ):
        raise ProvisioningError(
            f"The archive's files {Path(archive.media_export_path).name} are missing.",
            code=TenantErrorCode.ARCHIVE_INVALID,
            field="archive",
        )
    unknown = sorted(f"{a}.{n}" for a, n in manifest.migrations - provisioning._disk_migrations())
    if unknown:
        raise ProvisioningError(
            "The archive comes from a newer version of the code (migrations unknown here: "
            f"{', '.join(unknown[:5])}). Restore it with that version.",
            code=TenantErrorCode.ARCHIVE_TOO_NEW,
            field="archive",
        )
    return manifest


def restore_job_request(
    *, archive_id: int, target_slug: str, actor: Any | None, source: str
) -> RestoreJob:
    """Check what can be checked at once (the archive, the slug), then queue the restore."""
    archive = _archive(archive_id)
    target_slug = (target_slug or "").strip().lower()
    slug_check_available(target_slug)
    archive_check(archive)
    try:
        with transaction.atomic():
            job = RestoreJob.objects.create(
                archive=archive,
                target_slug=target_slug,
                requested_by_id=getattr(actor, "pk", None),
            )
            audit_record(
                actor=actor,
                action=Action.RESTORE,
                source=source,
                tenant_slug=target_slug,
                details={
                    "archive_id": archive.pk,
                    "from_slug": archive.tenant_slug,
                    "job_id": job.pk,
                },
            )
            outbox_enqueue(RESTORE_TASK, job.pk)
    except IntegrityError:
        raise ProvisioningError(
            f"A restore to {target_slug!r} is already under way.",
            code=TenantErrorCode.SLUG_TAKEN,
            field="slug",
        ) from None
    return job


Progress = Callable[[str, int], None]


def tenant_restore(*, archive: DeprovisionJob, target_slug: str, progress: Progress) -> Tenant:
    """Rebuild a tenant from an archive under `target_slug`: all or nothing (see the module)."""
    progress(RestoreJob.Step.CHECKING, 5)
    slug_check_available(target_slug)
    # With the bucket, the archive's files come back to TENANT_EXPORT_DIR for pg_restore, and
    # go once the restore is over.
    fetched = [
        Path(name)
        for name in (archive.export_path, archive.media_export_path)
        if name and not Path(name).is_file() and storage.archive_file_fetch(Path(name))
    ]
    try:
        return _tenant_restore(archive, target_slug, progress)
    finally:
        storage.archive_files_forget_local(fetched)


def _tenant_restore(archive: DeprovisionJob, target_slug: str, progress: Progress) -> Tenant:
    manifest = archive_check(archive)
    source_schema = manifest.schema_name
    target_schema = Tenant.schema_name_for(target_slug)
    if source_schema != target_schema and schema_exists(source_schema):
        # The dump creates its own schema name: restoring it while that name is in use would
        # write into another tenant. Archive or restore that one elsewhere first.
        raise ProvisioningError(
            f"The archive's schema {source_schema!r} is in use by another tenant; it cannot be "
            "restored under a new name while that schema exists.",
            code=TenantErrorCode.SCHEMA_IN_USE,
            field="archive",
        )

    progress(RestoreJob.Step.RESTORING_SCHEMA, 15)
    result = _pg_restore(
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--dbname",
        settings.DATABASES["default"]["NAME"],
        archive.export_path,
    )
    if result.returncode != 0:
        # --single-transaction: nothing was created.
        raise ProvisioningError(
            f"pg_restore failed: {result.stderr.strip()[:400]}",
            code=TenantErrorCode.RESTORE_FAILED,
        )
    tenant: Tenant | None = None
    try:
        connection.set_schema_to_public()
        if source_schema != target_schema:
            with connection.cursor() as cursor:
                cursor.execute(f'ALTER SCHEMA "{source_schema}" RENAME TO "{target_schema}"')
        with transaction.atomic():
            # Offline (DISABLED: its hosts answer 404) until its migrations and files are back.
            tenant = Tenant(
                **manifest.tenant_values(),
                slug=target_slug,
                schema_name=target_schema,
                status=Tenant.Status.DISABLED,
            )
            tenant.save()
            primary_host = f"{target_slug}.{settings.BASE_DOMAIN}"
            Domain.objects.create(
                domain=primary_host, tenant=tenant, is_primary=True, is_verified=True
            )
            # Custom domains follow the tenant back under its own slug only, when still free.
            if target_slug == manifest.slug:
                for domain in manifest.domains:
                    host = domain["domain"]
                    if is_platform_host(host) or Domain.objects.filter(domain=host).exists():
                        continue
                    Domain.objects.create(
                        domain=host,
                        tenant=tenant,
                        is_primary=bool(domain["is_primary"]),
                        is_verified=bool(domain["is_verified"]),
                    )
            if Domain.objects.filter(tenant=tenant, is_primary=True).count() > 1:
                Domain.objects.filter(tenant=tenant, domain=primary_host).update(is_primary=False)
            archives.branding_files_restore(tenant, manifest)

        progress(RestoreJob.Step.MIGRATING, 55)
        call_command("migrate_schemas", schema_name=target_schema, interactive=False, verbosity=0)
        connection.set_schema_to_public()

        progress(RestoreJob.Step.RESTORING_FILES, 75)
        if archive.media_export_path:
            storage.tenant_media_restore(target_schema, Path(archive.media_export_path))

        progress(RestoreJob.Step.ACTIVATING, 95)
        tenant.status = Tenant.Status.ACTIVE
        tenant.save(update_fields=["status", "updated_at"])
    except BaseException as error:
        _restore_undo(tenant, target_schema)
        if isinstance(error, ProvisioningError):
            raise
        if isinstance(error, Exception):
            raise ProvisioningError(
                f"Restore failed: {error.__class__.__name__}: {error}"[:450],
                code=TenantErrorCode.RESTORE_FAILED,
            ) from error
        raise
    progress(RestoreJob.Step.DONE, 100)
    logger.info(
        "tenant.restored",
        extra={"tenant": target_slug, "from": manifest.slug, "archive_id": archive.pk},
    )
    return tenant


def _restore_undo(tenant: Tenant | None, schema_name: str) -> None:
    connection.set_schema_to_public()
    if tenant is not None and tenant.pk is not None:
        Tenant.objects.filter(pk=tenant.pk).delete()
        archives.branding_files_drop(tenant.slug)
    provisioning.schema_drop(schema_name)
    storage.tenant_media_drop(schema_name)


def restore_job_run(*, job_id: int) -> RestoreJob | None:
    """Run a queued restore (worker side); None when it is not this delivery's to run."""
    job = job_claim(RestoreJob, job_id, stale_after=RESTORE_RUNNING_STALE)
    if job is None:
        return None

    def progress(step: str, percent: int) -> None:
        RestoreJob.objects.filter(pk=job_id).update(step=step, percent=percent)

    try:
        tenant_restore(archive=job.archive, target_slug=job.target_slug, progress=progress)
    except ProvisioningError as error:
        RestoreJob.objects.filter(pk=job_id).update(
            status=RestoreJob.Status.FAILED,
            error=f"{error.code}: {error.message}"[:500],
            finished_at=timezone.now(),
        )
        logger.warning(
            "tenant.restore.failed",
            extra={"tenant": job.target_slug, "job_id": job_id, "code": str(error.code)},
        )
        return RestoreJob.objects.get(pk=job_id)
    RestoreJob.objects.filter(pk=job_id).update(
        status=RestoreJob.Status.SUCCEEDED,
        step=RestoreJob.Step.DONE,
        percent=100,
        finished_at=timezone.now(),
    )
    return RestoreJob.objects.get(pk=job_id)

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.errors import ProvisioningError
from tenants.lifecycle import archive_list, restore_job_request, restore_job_run
from tenants.models import PlatformAuditEntry, RestoreJob


class Command(BaseCommand):
    help = (
        "Restore an archived tenant (a succeeded deprovisioning job) to its own slug or a new "
        "one, here, printing each step. Without --archive, lists the archives."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--archive", type=int, help="The archive's id (see the list).")
        parser.add_argument("--slug", help="The slug to restore to (the archive's own if free).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["archive"] is None:
            for archive in archive_list():
                when = f"{archive.finished_at:%Y-%m-%d %H:%M}" if archive.finished_at else "?"
                self.stdout.write(
                    f"{archive.pk:6d}  {archive.tenant_slug:40s}  {when}"
                    f"  {archive.export_bytes or 0} bytes"
                )
            return
        if not options["slug"]:
            raise CommandError("--slug is required with --archive.")
        try:
            job = restore_job_request(
                archive_id=options["archive"],
                target_slug=options["slug"],
                actor=None,
                source=PlatformAuditEntry.Source.COMMAND,
            )
        except ProvisioningError as error:
            raise CommandError(f"{error.message} [{error.code}]") from None
        # A worker may have taken it already (tasks run on commit); else run it here.
        restore_job_run(job_id=job.pk)
        job.refresh_from_db()
        if job.status != RestoreJob.Status.SUCCEEDED:
            raise CommandError(f"Restore failed: {job.error or job.status}")
        self.stdout.write(self.style.SUCCESS(f"Restored to {job.target_slug!r}."))

"""What the back office keeps in the tenant's schema.

`ExportJob`: one export a tenant admin asked for (volunteers, participations or hours over a
period, as CSV or XLSX). A worker writes its file (engagement/backoffice/services_exports.py),
saving its progress as it goes; the admin who asked downloads it through a signed link until
`expires_at`, after which the file is deleted and the job stays as a record.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def export_storage() -> Storage:
    """Where export files are kept: the default storage, which keeps each tenant's files apart
    (django-tenants' TenantFileSystemStorage writes under MEDIA_ROOT/<schema>/; an object store
    that replaces it must prefix its keys with the tenant the same way). Files are never served
    by URL from there: only the download view reads them, for the admin who asked."""
    return default_storage


class ExportJob(models.Model):
    class Kind(models.TextChoices):
        VOLUNTEERS = "volunteers", _("Volunteers")
        PARTICIPATIONS = "participations", _("Participations")
        HOURS = "hours", _("Volunteering hours")

    class Format(models.TextChoices):
        CSV = "csv", _("CSV (any spreadsheet program)")
        XLSX = "xlsx", _("Excel workbook (XLSX)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for its turn")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    UNFINISHED = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=16, choices=Kind.choices)
    format = models.CharField(max_length=8, choices=Format.choices)
    # The period, both days included, in the tenant's time zone.
    period_start = models.DateField()
    period_end = models.DateField()
    # The language of the file's headers and labels (the requester's, when they asked).
    language = models.CharField(max_length=8)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    rows = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", storage=export_storage, blank=True)
    # SET_NULL: an admin who deletes their account leaves the record (and the audit trail).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # The worker's last sign of life (each chunk of rows); a job silent for too long is failed.
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="exportjob_requester"),
            # The purge: finished files whose time is up.
            models.Index(
                fields=["expires_at"], condition=Q(status="done"), name="exportjob_expiring"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="exportjob_period_ordered"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="exportjob_progress"),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(expires_at__isnull=False),
                name="exportjob_done_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_start}…{self.period_end} ({self.format}, {self.status})"

    @property
    def is_unfinished(self) -> bool:
        return self.status in self.UNFINISHED

    def is_downloadable(self, now: datetime) -> bool:
        return (
            self.status == self.Status.DONE
            and bool(self.file)
            and self.expires_at is not None
            and now < self.expires_at
        )

    def download_name(self) -> str:
        """The file name the browser saves: `participations_2025-01-01_2025-12-31.csv`."""
        return f"{self.kind}_{self.period_start:%Y-%m-%d}_{self.period_end:%Y-%m-%d}.{self.format}"

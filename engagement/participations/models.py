"""A volunteer's participation in one slot of a mission, and its life cycle."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from engagement.missions.models import Slot
from tenants.choices import choice_display

# --- Participations -----------------------------------------------------------------------------


class Participation(models.Model):
    """A volunteer on a slot. Transitions go through engagement.participations.services only."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting approval")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not come")

    ACTIVE_STATUSES = (Status.REQUESTED, Status.CONFIRMED, Status.WAITLISTED)

    # NULL once the volunteer deleted their account (GDPR): counts and hours stay right.
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participations",
    )
    is_anonymised = models.BooleanField(default=False)
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="participations")
    status = models.CharField(max_length=16, choices=Status.choices)
    # Shown on every row of the lists, the exports and the API (tenants/choices.py).
    get_status_display = choice_display("status", Status)
    message = models.TextField(blank=True, max_length=2000)
    hours = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(999)],
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Why the organization declined (shown to the volunteer in the e-mail).
    decision_note = models.CharField(max_length=500, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Why the volunteer cancelled (optional; the organization sees it).
    cancel_reason = models.CharField(max_length=500, blank=True)
    # Position in the waiting list: the earliest waitlisted_at is promoted first.
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["slot", "status", "waitlisted_at"], name="participation_queue"),
            models.Index(fields=["volunteer", "status"], name="participation_volunteer"),
            # The back office's statistics count participations by the day they were requested
            # (engagement/backoffice/statistics.py): a month is a few per cent of the rows.
            models.Index(fields=["created_at"], name="participation_created"),
            # Their hours count on the day of the slot: a month's attended participations are
            # found through its slots and read from this index alone (no table access).
            models.Index(
                fields=["slot"],
                include=["hours", "decided_at"],
                condition=Q(status="attended"),
                name="participation_attended_hours",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "slot"],
                condition=Q(status__in=["requested", "confirmed", "waitlisted"]),
                name="participation_one_active_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(status="attended"),
                name="participation_hours_only_when_attended",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0),
                name="participation_hours_positive",
            ),
            # A place on the waiting list is ordered by waitlisted_at.
            models.CheckConstraint(
                condition=~Q(status="waitlisted") | Q(waitlisted_at__isnull=False),
                name="participation_waitlisted_has_position",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} → {self.slot_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

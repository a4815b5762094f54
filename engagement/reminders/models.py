"""The reminders sent about a participation, and what the volunteer answered to them."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from engagement.participations.models import Participation

# --- Reminders ----------------------------------------------------------------------------------


class Reminder(models.Model):
    """One reminder of one kind about one participation: never two (unique pair).

    The row is the claim: the run that finds the participation due inserts it (`pending`) with
    the task that sends it, in one transaction; the task sends the e-mail and marks it `sent` in
    the transaction that records the delivery, or `skipped` when the reminder no longer makes
    sense (the volunteer cancelled meanwhile, or does not want reminders). The volunteer's answer
    to the links of its e-mail is kept here too: "I'm coming" (and when), "I can't come", and
    the hours they declare after the slot, which the organization reads when it records
    attendance (Participation.hours stays the organization's figure).
    """

    class Kind(models.TextChoices):
        STILL_COMING = "still_coming", _("Still coming?")
        DAY_BEFORE = "day_before", _("Reminder the day before")
        HOW_WAS_IT = "how_was_it", _("How was it?")

    class Status(models.TextChoices):
        PENDING = "pending", _("To send")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not sent")

    class Answer(models.TextChoices):
        NONE = "", _("No answer")
        COMING = "coming", _("Confirmed coming")
        CANNOT_COME = "cannot_come", _("Cannot come")
        HOURS = "hours", _("Hours declared")

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=16, choices=Answer.choices, blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)
    # "How was it?": the hours the volunteer says they gave (the organization decides).
    declared_hours = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(999)],
    )

    class Meta:
        ordering = ["participation_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "kind"], name="reminder_one_per_participation_and_kind"
            ),
            models.CheckConstraint(
                condition=Q(declared_hours__isnull=True) | Q(declared_hours__gt=0),
                name="reminder_declared_hours_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → participation {self.participation_id} ({self.status})"

"""Seats held for named friends on a slot (a group sign-up).

One row per friend. While `status` is HELD the seat is counted in `Slot.held_count`; every change
of status happens with the slot row locked (engagement.groups.services and .seats), so the count
and the rows agree. A friend has at most one seat held for them on a slot.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement.missions.models import Slot
from engagement.participations.models import Participation


class SeatHold(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("Held")
        CLAIMED = "claimed", _("Claimed")
        DECLINED = "declined", _("Declined")
        RELEASED = "released", _("Released")
        EXPIRED = "expired", _("Expired")

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="seat_holds")
    # The volunteer who signed up as a group; None once their account is deleted.
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="seat_holds_made",
    )
    # The friend the seat is for; None once their account is deleted (the seat then expires).
    for_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="seat_holds_offered",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.HELD)
    # The friend's participation once claimed.
    participation = models.OneToOneField(
        Participation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["expires_at", "id"]
        indexes = [
            # The expiry sweep reads the held seats whose time is up, oldest first.
            models.Index(
                fields=["expires_at", "id"], condition=Q(status="held"), name="seat_hold_due"
            ),
            models.Index(fields=["for_user", "status"], name="seat_hold_friend"),
            models.Index(fields=["held_by", "slot"], name="seat_hold_organizer"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "for_user"],
                condition=Q(status="held"),
                name="seat_hold_one_per_friend_and_slot",
            ),
            models.CheckConstraint(
                condition=Q(status="held") | Q(ended_at__isnull=False),
                name="seat_hold_ended_when_not_held",
            ),
            models.CheckConstraint(
                condition=~Q(status="claimed") | Q(participation__isnull=False),
                name="seat_hold_claimed_has_participation",
            ),
        ]

    def __str__(self) -> str:
        return f"seat on {self.slot_id} for {self.for_user_id} ({self.status})"

    @property
    def is_held(self) -> bool:
        return self.status == self.Status.HELD and self.expires_at > timezone.now()

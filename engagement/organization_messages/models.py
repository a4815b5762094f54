"""The log of messages organizations sent to their participants."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization


class OrganizationMessage(models.Model):
    """One message written by an organization's admin or editor to the participants of a
    mission (or of one of its slots), e-mailed to each of them separately.

    The recipients are chosen when the message is written (`recipient_ids`), so a person who
    joins later does not receive it and a retried task sends to the same people.
    """

    class Audience(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed participants")
        WAITLISTED = "waitlisted", _("People on the waiting list")
        ACTIVE = "active", _("Everyone registered (confirmed, waiting list, requests)")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="+")
    slot = models.ForeignKey(
        Slot, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    audience = models.CharField(max_length=16, choices=Audience.choices)
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"), max_length=5000)
    recipient_ids = ArrayField(models.BigIntegerField(), default=list)
    recipient_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="org_message_rate"),
            models.Index(fields=["mission", "created_at"], name="org_message_mission"),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} of organization {self.organization_id}"

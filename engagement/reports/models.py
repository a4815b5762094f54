"""A certificate of volunteering: what it states is frozen when it is issued."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Certificate(models.Model):
    """A volunteer's confirmed hours over a period, as stated on the day it was issued.

    The token (tenants.signing kind `certificate`, a random value stored here) is the address of
    its public verification page; it names nothing in another tenant's schema. Revoked, the page
    says so and nothing else."""

    # A deleted account's certificates go with it (GDPR): their page then knows nothing.
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    token = models.CharField(max_length=64, unique=True)
    holder_name = models.CharField(max_length=320)
    # Inclusive days; no start for "all time".
    period_starts_on = models.DateField(null=True, blank=True)
    period_ends_on = models.DateField()
    hours = models.DecimalField(max_digits=9, decimal_places=2)
    # [{"day": "2026-03-01", "what": "...", "organization": "...", "hours": "3.00"}, ...]
    activities = models.JSONField(default=list)
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="certificate_hours_positive"),
        ]
        indexes = [models.Index(fields=["volunteer", "issued_at"], name="certificate_volunteer")]
        verbose_name = _("certificate")

    def __str__(self) -> str:
        return f"certificate {self.pk} of {self.volunteer_id}: {self.hours} h"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

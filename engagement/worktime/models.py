"""Hours declared by employees for volunteering done outside the platform.

The work-time requests and balances live here too (added by the volunteering-time work); the CSR
reports and certificates count a declaration's hours once it is confirmed.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from engagement.organizations.models import Organization
from engagement.taxonomy.models import Cause


class HoursDeclaration(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Refused")

    # NULL once the person deleted their account (GDPR): totals stay right.
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="hours_declarations",
    )
    # The organization of this tenant that confirms, or none (an admin confirms) with its name.
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization_name = models.CharField(_("organization"), max_length=160, blank=True)
    cause = models.ForeignKey(
        Cause, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.CharField(_("what you did"), max_length=500)
    date = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("24"))],
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="hours_declaration_hours_range"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="hours_declaration_decided_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["volunteer", "status"], name="hours_declaration_volunteer"),
            models.Index(fields=["organization", "status"], name="hours_declaration_org"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}: {self.hours} h on {self.date} ({self.status})"

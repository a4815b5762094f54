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
from engagement.participations.models import Participation
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


class WorkTimeRequest(models.Model):
    """An employee asks for work time for one of their participations (a dated slot).

    The hours count in the balance of the allowance year containing the slot's start while the
    request is `requested` or `approved` *and* its participation is still confirmed or attended:
    cancelling the participation (engagement.participations.services) frees the hours with no
    write here, and the request shows as cancelled (selectors.effective_status)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATUSES = (Status.REQUESTED, Status.APPROVED)

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="work_time_requests"
    )
    # NULL once the person deleted their account (GDPR): the company's totals stay right.
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="work_time_requests",
    )
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    # The allowance year, named by the calendar year it starts in.
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    # Who decided (the manager, a tenant admin, or the employee for a cancellation); NULL when
    # approved at once (no manager approval in the policy).
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participation"],
                condition=Q(status__in=["requested", "approved"]),
                name="work_time_request_one_active",
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=999), name="work_time_request_hours_range"
            ),
            models.CheckConstraint(
                condition=Q(status="requested") | Q(decided_at__isnull=False),
                name="work_time_request_decided_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["employee", "year", "status"], name="work_time_request_balance"),
            models.Index(fields=["status", "employee"], name="work_time_request_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id}: {self.hours} h in {self.year} ({self.status})"


class WorkTimeBalance(models.Model):
    """One row per employee and allowance year: the lock that serialises the requests of that
    year (SELECT … FOR UPDATE), so pending + approved hours never pass the allowance.

    The totals are not stored: they are summed from the requests under the lock, so a
    participation cancelled elsewhere frees its hours without anything to update here."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_time_balances"
    )
    year = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["employee", "year"], name="work_time_balance_unique"),
        ]

    def __str__(self) -> str:
        return f"work-time balance of {self.employee_id} in {self.year}"

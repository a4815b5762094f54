"""Missions near the offices, from the cities: each side's view of a sharing agreement.

The engagement app lives in tenant schemas only, so an agreement between a city and a company
is two sets of rows, one in each schema, always written together by
engagement.sharing.services (the one module that reads or writes another tenant's schema):

- in the city's schema: `SharingSettings` (whether it shares, and which verified
  organizations), `SharingSubscriber` (each company that subscribed) and `CompanyGuest` (the
  account that stands for a company's employee on the city's missions);
- in the company's schema: `CitySubscription` (a city, a radius around its sites),
  `SharedMission` (the mirror of the city's shared missions near those sites, refreshed by a
  task) and `SharedParticipation` (an employee's participation on a city mission, with the
  hours the city's organization recorded).

Tenants are named by their public-schema id, never by a foreign key (no key crosses schemas).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from engagement.organizations.models import Organization
from engagement.programmes.models import Site
from engagement.taxonomy.models import translated_label

RADIUS_KM_MAX = 100

# --- The city's side ------------------------------------------------------------------------


class SharingSettings(models.Model):
    """Whether this city shares its missions with companies. One row (pk 1) per schema."""

    is_sharing = models.BooleanField(_("share missions with companies"), default=False)
    # All verified organizations, or only those listed below (still only while verified).
    all_verified_organizations = models.BooleanField(_("all verified organizations"), default=True)
    organizations = models.ManyToManyField(
        Organization, blank=True, related_name="+", verbose_name=_("organizations")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sharing settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="sharing_settings_single_row"),
        ]

    def __str__(self) -> str:
        return "sharing settings"


class SharingSubscriber(models.Model):
    """A company that receives this city's shared missions (the city's copy of the agreement)."""

    company_tenant_id = models.BigIntegerField()
    company_name = models.CharField(max_length=120)
    radius_km = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company_tenant_id"], name="sharing_subscriber_one_per_company"
            ),
        ]

    def __str__(self) -> str:
        return self.company_name


class CompanyGuest(models.Model):
    """The account standing for a company's employee on this city's missions.

    It has the employee's name only (and a never-deliverable address): the organization sees
    who comes and from which company; it cannot sign in (no usable password) and gets no e-mail.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_guest"
    )
    company_tenant_id = models.BigIntegerField()
    company_name = models.CharField(max_length=120)
    # The employee's user id in the company's schema.
    company_user_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company_tenant_id", "company_user_id"], name="company_guest_one_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} #{self.company_user_id}"


# --- The company's side ---------------------------------------------------------------------


class CitySubscription(models.Model):
    """This company receives a city's shared missions within `radius_km` of its sites."""

    city_tenant_id = models.BigIntegerField()
    city_name = models.CharField(max_length=120)
    radius_km = models.PositiveSmallIntegerField(
        _("distance from our offices (km)"),
        validators=[MinValueValidator(1), MaxValueValidator(RADIUS_KM_MAX)],
    )
    # Around every active site, or only around those listed.
    all_sites = models.BooleanField(_("around all our sites"), default=True)
    sites = models.ManyToManyField(Site, blank=True, related_name="+", verbose_name=_("sites"))
    is_active = models.BooleanField(default=True)
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["city_tenant_id"], name="city_subscription_one_per_city"
            ),
        ]

    def __str__(self) -> str:
        return self.city_name


class SharedMission(models.Model):
    """A copy of a city's shared mission near the offices, for the company's own search."""

    subscription = models.ForeignKey(
        CitySubscription, on_delete=models.CASCADE, related_name="shared_missions"
    )
    source_mission_id = models.BigIntegerField()
    title = models.CharField(max_length=160)
    summary = models.CharField(max_length=300, blank=True)
    organization_name = models.CharField(max_length=160)
    causes = models.JSONField(default=list, blank=True)  # the causes' names
    point = gis_models.PointField(geography=True, srid=4326, null=True, blank=True)
    address = models.CharField(max_length=255, blank=True)
    requires_approval = models.BooleanField(default=False)
    # The open dates ahead: [{"id", "starts_at", "ends_at", "seats_left"}], soonest first.
    slots = models.JSONField(default=list, blank=True)
    next_starts_at = models.DateTimeField(null=True, blank=True)
    url = models.URLField(max_length=300)
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["next_starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "source_mission_id"], name="shared_mission_one_per_source"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def open_slots(self) -> list[dict[str, Any]]:
        """The mirrored dates with their times as datetimes (for templates)."""
        return [
            {
                **slot,
                "starts_at": parse_datetime(slot["starts_at"]) if slot.get("starts_at") else None,
                "ends_at": parse_datetime(slot["ends_at"]) if slot.get("ends_at") else None,
            }
            for slot in self.slots
        ]

    @property
    def cause_labels(self) -> list[str]:
        return [translated_label(cause["fr"], cause["en"]) for cause in self.causes]


class SharedParticipation(models.Model):
    """An employee on a city's mission: the company's copy, with the hours the city recorded."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting approval")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not come")

    ACTIVE_STATUSES = (Status.REQUESTED, Status.CONFIRMED, Status.WAITLISTED)

    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shared_participations",
    )
    city_tenant_id = models.BigIntegerField()
    city_name = models.CharField(max_length=120)
    source_participation_id = models.BigIntegerField()
    source_mission_id = models.BigIntegerField()
    source_slot_id = models.BigIntegerField()
    mission_title = models.CharField(max_length=160)
    organization_name = models.CharField(max_length=160)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    hours = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # When the city's organization recorded attendance (the hours count on that day's slot).
    decided_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["volunteer", "status"], name="shared_participation_volunteer"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["city_tenant_id", "source_participation_id"],
                name="shared_participation_one_per_source",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(status="attended"),
                name="shared_participation_hours_only_when_attended",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} → {self.city_name} #{self.source_participation_id}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

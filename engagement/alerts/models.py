"""A saved search, and the missions already announced for it.

A saved search stores the filters of engagement.missions.search.MissionSearchFilters that make
sense for an alert: the place (a point and its label) and radius, causes and skills (slugs, as
the search takes them), the weekly availability (the 21-bit mask of Slot.time_bit), words and
the remote/access flags. Dates and sort orders are not kept: an alert is about missions
published from now on, newest first.

"New" for a saved search is precise (engagement.alerts.services): a mission whose
`published_at` falls after `last_checked_at` and at or before the check's cut-off, that matches
the filters at the time of the check, and that no earlier SavedSearchAlert of this search holds:
"never the same mission twice" then holds even for a mission published again later.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.signing import stored_token

# The search's own bounds (engagement.missions.filters): a saved search is a search.
MAX_RADIUS_KM = 100.0
MAX_QUERY_LENGTH = 200
MAX_TERMS = 20
FULL_AVAILABILITY_MASK = (1 << 21) - 1


def _unsubscribe_token() -> str:
    # A random value kept in the tenant's schema: the schema is the boundary (tenants/signing.py,
    # kind `saved_search_unsubscribe`).
    return stored_token("saved_search_unsubscribe")


class SavedSearch(models.Model):
    class Frequency(models.TextChoices):
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Every week")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=100)
    frequency = models.CharField(
        _("frequency"), max_length=8, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    # Paused searches are not evaluated and send nothing.
    is_active = models.BooleanField(_("alerts on"), default=True)

    # The filters (MissionSearchFilters).
    location = gis_models.PointField(geography=True, srid=4326, null=True, blank=True)
    place_label = models.CharField(_("place"), max_length=160, blank=True)
    radius_km = models.FloatField(
        _("radius (km)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(MAX_RADIUS_KM)],
    )
    causes = ArrayField(models.CharField(max_length=50), default=list, blank=True, size=MAX_TERMS)
    skills = ArrayField(models.CharField(max_length=50), default=list, blank=True, size=MAX_TERMS)
    # None: any time; else the bits weekday * 3 + period.
    availability_mask = models.IntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(FULL_AVAILABILITY_MASK)],
    )
    query = models.CharField(_("words"), max_length=MAX_QUERY_LENGTH, blank=True)
    remote = models.BooleanField(null=True, blank=True)
    step_free = models.BooleanField(null=True, blank=True)
    open_to_minors = models.BooleanField(null=True, blank=True)
    beginner_friendly = models.BooleanField(null=True, blank=True)

    # One-click unsubscribe (RFC 8058) of this search only.
    unsubscribe_token = models.CharField(max_length=64, unique=True, default=_unsubscribe_token)
    # Missions published after this instant are new for the search.
    last_checked_at = models.DateTimeField()
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The due searches of a run: active ones checked longest ago.
            models.Index(
                fields=["frequency", "last_checked_at"],
                condition=Q(is_active=True),
                name="saved_search_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(radius_km__isnull=True) | Q(location__isnull=False),
                name="saved_search_radius_needs_place",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SavedSearchAlert(models.Model):
    """The missions found new for a saved search by one run (newest first), and when their
    e-mail went out (`sent_at`). One row per search and run, the missions in an array: a city's
    day can find a million (search, mission) pairs, which as rows cost more to write than to
    find (bench/alerts.py, docs/benchmarks.md)."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="alerts")
    mission_ids = ArrayField(models.BigIntegerField())
    found_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["saved_search", "found_at"], name="saved_search_alert_search"),
        ]

    def __str__(self) -> str:
        return f"{self.saved_search_id}@{self.found_at:%Y-%m-%d}"

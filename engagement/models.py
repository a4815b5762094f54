"""Engagement data: taxonomy, organizations, missions, slots, participations, profiles, audit.

Invariants that the database can hold are constraints here; every rule that spans rows or needs a
lock lives in the engagement.services package.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import PurePath
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tenants.signing import stored_token


def translated_label(name_fr: str, name_en: str) -> str:
    """The label in the active language: English for English, French otherwise."""
    language = (get_language() or "fr").lower()
    return name_en if language.startswith("en") else name_fr


class TranslatedLabelMixin(models.Model):
    """A label stored in French and English; `label` picks the active language."""

    name_fr = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80)

    class Meta:
        abstract = True

    @property
    def label(self) -> str:
        return translated_label(self.name_fr, self.name_en)


class Cause(TranslatedLabelMixin):
    """An interest a volunteer can follow: solidarity, environment, education…"""

    slug = models.SlugField(max_length=50, unique=True)
    icon = models.CharField(max_length=40, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("cause")

    def __str__(self) -> str:
        return self.label


class Skill(TranslatedLabelMixin):
    """Something a volunteer can bring: cooking, driving, tutoring…"""

    slug = models.SlugField(max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("skill")

    def __str__(self) -> str:
        return self.label


# --- Organizations ------------------------------------------------------------------------------


def organization_logo_url(organization_id: int, logo_name: str) -> str:
    """Where an organization's logo is served (engagement.views.resident.organization_logo), or
    "" without one. Every upload gets a new file name, which versions the URL for caches."""
    if not logo_name:
        return ""
    path = reverse("organization-logo", args=[organization_id])
    return f"{path}?v={PurePath(logo_name).stem}"


class Organization(models.Model):
    """An association, a local collective, a company team or a partner nonprofit."""

    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("Association")
        COLLECTIVE = "collectif", _("Local collective")
        COMPANY_TEAM = "company_team", _("Company team")
        PARTNER_NONPROFIT = "partner_nonprofit", _("Partner nonprofit")

    class Verification(models.TextChoices):
        PENDING = "pending", _("Pending verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.ASSOCIATION)
    # Sanitized HTML (engagement.sanitizing).
    description = models.TextField(blank=True)
    # A PNG written by engagement.images (never the uploaded bytes), under MEDIA_ROOT/<schema>/.
    logo = models.ImageField(upload_to="organizations/", blank=True)
    address = models.CharField(max_length=255, blank=True)
    website = models.URLField(blank=True)
    contact_email = models.EmailField(blank=True)
    verification_status = models.CharField(
        max_length=16, choices=Verification.choices, default=Verification.PENDING
    )
    verification_note = models.CharField(max_length=500, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verification_status == self.Verification.VERIFIED

    @property
    def logo_url(self) -> str:
        return organization_logo_url(self.pk, self.logo.name if self.logo else "")


class OrganizationMembership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        EDITOR = "editor", _("Editor")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organization_id} ({self.role})"


def _invitation_token() -> str:
    return stored_token("invitation")


def _invitation_expiry() -> datetime:
    return timezone.now() + timedelta(days=14)


class OrganizationInvitation(models.Model):
    """An e-mailed invitation to join an organization; the token is single-use."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(
        max_length=16,
        choices=OrganizationMembership.Role.choices,
        default=OrganizationMembership.Role.ADMIN,
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation {self.pk} to {self.organization_id}"

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


# --- Missions and slots -------------------------------------------------------------------------


class Mission(models.Model):
    """A volunteering action published by an organization."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="missions"
    )
    title = models.CharField(max_length=160)
    summary = models.CharField(max_length=300, blank=True)
    # Sanitized HTML (engagement.sanitizing).
    description = models.TextField(blank=True)
    causes = models.ManyToManyField(Cause, blank=True, related_name="missions")
    skills = models.ManyToManyField(Skill, blank=True, related_name="missions")

    # Geography (metres, spheroid) so radius search is exact and index-backed.
    location = gis_models.PointField(geography=True, srid=4326, null=True, blank=True)
    address = models.CharField(max_length=255, blank=True)
    postcode = models.CharField(max_length=16, blank=True)
    city = models.CharField(max_length=120, blank=True)
    is_remote = models.BooleanField(default=False)

    is_step_free = models.BooleanField(_("step-free access"), default=False)
    is_open_to_minors = models.BooleanField(_("open to minors"), default=False)
    is_beginner_friendly = models.BooleanField(_("suitable for beginners"), default=True)

    requires_approval = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    moderation_note = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    # Maintained by engagement.search.mission_search_vector_refresh after every text change.
    search_vector = SearchVectorField(null=True, editable=False)

    # Copies for the search, rewritten by services.missions.mission_search_columns_refresh in the
    # transaction of every write to the mission's causes or slots (never stale, no task).
    # The ids of the mission's causes: "has one of these causes" becomes an in-row test.
    cause_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    # Latest start of an open dated slot, and whether an open ongoing slot exists. The mission
    # can be joined iff has_open_ongoing_slot or last_open_slot_start > now: the latest open
    # slot has not started iff some open slot has not started.
    last_open_slot_start = models.DateTimeField(null=True, blank=True, editable=False)
    has_open_ongoing_slot = models.BooleanField(default=False, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="mission_status_published"),
            # Search only ever reads published missions (engagement.selectors.mission_search):
            # partial indexes keep drafts out and let the planner skip the status filter. Each
            # implies "published": without that, the planner would AND the words' bitmap with a
            # full scan of another partial index just to test the status (7 ms at 100k).
            GinIndex(
                fields=["search_vector"],
                condition=Q(status="published"),
                name="mission_published_search",
            ),
            GistIndex(
                fields=["location"],
                condition=Q(status="published"),
                name="mission_published_location",
            ),
            # Map viewports and radius boxes are lon/lat rectangles
            # (engagement.selectors.geo.location_as_geometry). Not partial: PostgreSQL reads the
            # statistics of an expression from a non-partial index only; without them PostGIS
            # estimates any box at 0.01 % of the rows (9 for a box holding 6,900), and the
            # planner then skips ANDing the box with the words' index.
            GistIndex(
                Cast("location", output_field=gis_models.GeometryField(srid=4326)),
                name="mission_geometry",
            ),
            GinIndex(
                fields=["cause_ids"],
                condition=Q(status="published"),
                name="mission_published_causes",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_remote=True) | Q(location__isnull=False),
                name="mission_located_or_remote",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Slot(models.Model):
    """A date (or an ongoing, undated period) with a number of seats.

    `confirmed_count` is the number of confirmed participations; it is written only under a row
    lock by the participation services, and the check constraint makes overbooking impossible
    even if a service were wrong.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CANCELLED = "cancelled", _("Cancelled")

    class Period(models.IntegerChoices):
        MORNING = 0, _("Morning")
        AFTERNOON = 1, _("Afternoon")
        EVENING = 2, _("Evening")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="slots")
    # Both empty: an ongoing mission without dates.
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    confirmed_count = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # Bit (weekday * 3 + period) of the start in the tenant's time zone; None when undated.
    # Lets "available on Saturday mornings" be a bitwise test in SQL.
    time_bit = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["mission", "starts_at"], name="slot_mission_start"),
            models.Index(fields=["starts_at"], name="slot_start"),
            # Mission search probes the joinable slots of each candidate mission index-only
            # (engagement.selectors.search._SlotMatch); seat counts stay out so their updates
            # stay HOT.
            models.Index(
                fields=["mission", "starts_at"],
                include=["ends_at", "time_bit"],
                condition=Q(status="open"),
                name="slot_open_by_mission",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_count__lte=models.F("capacity")), name="slot_not_overbooked"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_capacity_positive"),
            models.CheckConstraint(
                condition=(Q(starts_at__isnull=True) & Q(ends_at__isnull=True))
                | (
                    Q(starts_at__isnull=False)
                    & Q(ends_at__isnull=False)
                    & Q(ends_at__gt=models.F("starts_at"))
                ),
                name="slot_dates_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mission_id} @ {self.starts_at or 'ongoing'}"

    @property
    def is_ongoing(self) -> bool:
        return self.starts_at is None

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.confirmed_count, 0)

    @property
    def is_past(self) -> bool:
        return self.ends_at is not None and self.ends_at <= timezone.now()

    @staticmethod
    def period_of(hour: int) -> int:
        if hour < 12:
            return Slot.Period.MORNING
        if hour < 18:
            return Slot.Period.AFTERNOON
        return Slot.Period.EVENING

    @staticmethod
    def time_bit_for(starts_at: datetime | None, tz_name: str) -> int | None:
        if starts_at is None:
            return None
        local = starts_at.astimezone(ZoneInfo(tz_name))
        return local.weekday() * 3 + Slot.period_of(local.hour)


# --- Participations -----------------------------------------------------------------------------


class Participation(models.Model):
    """A volunteer on a slot. Transitions go through engagement.services only."""

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
    # Position in the waiting list: the earliest waitlisted_at is promoted first.
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["slot", "status", "waitlisted_at"], name="participation_queue"),
            models.Index(fields=["volunteer", "status"], name="participation_volunteer"),
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


# --- Volunteer profile --------------------------------------------------------------------------


class VolunteerProfile(models.Model):
    """What a volunteer likes, can do, when and where: feeds "missions for me"."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_profile"
    )
    causes = models.ManyToManyField(Cause, blank=True, related_name="+")
    skills = models.ManyToManyField(Skill, blank=True, related_name="+")
    # 21 bits: weekday (Mon=0) * 3 + period (morning, afternoon, evening); see Slot.time_bit.
    availability_mask = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator((1 << 21) - 1)]
    )
    home_point = gis_models.PointField(geography=True, srid=4326, null=True, blank=True)
    home_label = models.CharField(max_length=160, blank=True)
    radius_km = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile of {self.user_id}"

    def is_available(self, weekday: int, period: int) -> bool:
        return bool(self.availability_mask & (1 << (weekday * 3 + period)))


# --- Audit --------------------------------------------------------------------------------------


class AuditEvent(models.Model):
    """A change a tenant admin may want to see: who did what to which object, and when."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=40)
    target_id = models.BigIntegerField()
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id}"


# --- E-mail deliveries --------------------------------------------------------------------------


class EmailDelivery(models.Model):
    """One row per e-mail sent, keyed by what it is about ("participation:12:confirmed:user:3").

    The notification task inserts the key in the transaction that sends the message, so a task run
    twice (a retry, a redelivered message) never sends the same e-mail twice.
    """

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.key

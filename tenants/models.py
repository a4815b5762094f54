from __future__ import annotations

import re

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from tenants.storage import platform_storage

HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1f6feb."))
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
# Map zoom levels a tenant may choose for its default view (whole region to a few streets).
MAP_ZOOM_MIN = 2
MAP_ZOOM_MAX = 18


def branding_upload_to(instance: Tenant, filename: str) -> str:
    return f"branding/{instance.slug}/{filename}"


def branding_storage() -> Storage:
    # Branding belongs to the Tenant row (public schema), so it is not stored under a tenant
    # schema's media folder (MEDIA_ROOT/platform/ on disk, `public/` in the bucket: see
    # tenants.storage); the path still names the tenant.
    return platform_storage


def default_map_center() -> Point:
    return Point(2.3522, 48.8566, srid=4326)


class Tenant(TenantMixin):
    """A city or a company: its own schema, host names, branding and policies."""

    class Kind(models.TextChoices):
        CITY = "city", _("City")
        COMPANY = "company", _("Company")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        # Suspended by platform staff (the console or the platform API): its hosts answer a page
        # saying the instance is suspended, nothing else; reactivating restores it as it was.
        SUSPENDED = "suspended", _("Suspended")
        # Being deprovisioned (archived: exported, then dropped): its hosts answer 404.
        DISABLED = "disabled", _("Disabled")

    class Geocoder(models.TextChoices):
        # Places typed by people become points through this service (engagement/places/).
        # "offline" answers from the gazetteer shipped with the code, with no network.
        OFFLINE = "offline", _("Built-in gazetteer (offline)")
        BAN = "ban", _("Base Adresse Nationale (France)")
        NOMINATIM = "nominatim", _("Nominatim (OpenStreetMap)")

    class Language(models.TextChoices):
        FR = "fr", "Français"
        FR_CA = "fr-ca", "Français (Canada)"
        EN = "en", "English"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=40, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    default_language = models.CharField(max_length=8, choices=Language.choices, default=Language.FR)
    # Languages offered by the switcher; always contains default_language.
    languages = models.JSONField(default=list, blank=True)
    timezone = models.CharField(max_length=64, default="Europe/Paris")
    country = models.CharField(max_length=2, default="FR")
    geocoder = models.CharField(max_length=16, choices=Geocoder.choices, default=Geocoder.OFFLINE)
    # Set when platform staff suspend the instance (Status.SUSPENDED), with their reason.
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=300, blank=True)

    logo = models.FileField(upload_to=branding_upload_to, storage=branding_storage, blank=True)
    primary_color = models.CharField(max_length=7, default="#1f4e8c", validators=[HEX_COLOUR])
    accent_color = models.CharField(max_length=7, default="#e85d04", validators=[HEX_COLOUR])
    tagline = models.CharField(max_length=200, blank=True)
    map_center = gis_models.PointField(srid=4326, default=default_map_center)
    map_zoom = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(MAP_ZOOM_MIN), MaxValueValidator(MAP_ZOOM_MAX)]
    )
    tile_url = models.CharField(
        max_length=300, default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    )
    tile_attribution = models.CharField(
        max_length=300,
        default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
    )
    # When on, missions go through review before they are published (missions only).
    moderation_enabled = models.BooleanField(default=True)
    # When on, a new organization waits for a moderator's verification before its missions can
    # be published; when off, it is verified as it is created.
    organization_moderation_enabled = models.BooleanField(default=True)
    # Under the tagline on the home page: sanitized HTML (tenants.sanitizing), stored safe.
    welcome_text = models.TextField(blank=True)
    # Extra links in every page's footer: [{"label": ..., "url": ...}], https:// or /path only
    # (tenants.settings_services checks them).
    footer_links = models.JSONField(default=list, blank=True)
    # The picture link previews show (<meta property="og:image">), a JPEG written by
    # tenants.images.
    social_image = models.FileField(
        upload_to=branding_upload_to, storage=branding_storage, blank=True
    )

    # Sign-in policy (accounts/adapters.py applies it).
    sso_required = models.BooleanField(
        default=False, help_text=_("Password login and sign-up are off, except break-glass admins.")
    )
    allowed_email_domains = models.JSONField(
        default=list, blank=True, help_text=_("Company tenants: e-mail domains allowed to join.")
    )

    # A private instance (default for companies, tenants.services.tenant_provision): every page
    # and endpoint needs a signed-in member (tenants.private_access), sign-up is by SSO,
    # invitation or an allowed e-mail domain only, and the public site never names it.
    is_private = models.BooleanField(
        default=False,
        help_text=_("Only signed-in members see anything; the public site does not list it."),
    )
    # With exactly one SSO connection, the sign-in page sends people straight to the identity
    # provider (`?password=1` still shows the password form, for break-glass admins).
    sso_auto_redirect = models.BooleanField(
        default=False,
        help_text=_("Send people straight to the company's identity provider to sign in."),
    )

    class BillingState(models.TextChoices):
        TRIALING = "trialing", _("Trial")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Payment overdue (grace period)")
        SUSPENDED = "suspended", _("Suspended")

    # Access follows payment. Kept on the Tenant (written only by billing.services) so the
    # routing cache carries it and no request pays a query to know it.
    billing_state = models.CharField(
        max_length=16, choices=BillingState.choices, default=BillingState.TRIALING
    )
    billing_grace_until = models.DateTimeField(null=True, blank=True)
    billing_trial_ends_at = models.DateTimeField(null=True, blank=True)
    # The plan code (billing/plans.py); entitlements resolve from it with no query.
    billing_plan = models.CharField(max_length=40, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Schemas are created and dropped by tenants.provisioning only, never implicitly.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["city", "company"]), name="tenant_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.slug and not SLUG_PATTERN.match(self.slug):
            raise ValidationError(
                {"slug": _("3–40 lowercase letters, digits or hyphens, starting with a letter.")}
            )
        if self.slug in settings.TENANT_RESERVED_SLUGS:
            raise ValidationError({"slug": _("This name is reserved.")})

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def offered_languages(self) -> list[str]:
        languages = [self.default_language] + [
            code for code in (self.languages or []) if code != self.default_language
        ]
        return languages

    def language_for(self, choice: str | None) -> str:
        """The visitor's choice (the switcher's cookie) when offered here, else the default."""
        chosen = (choice or "").lower()
        return chosen if chosen in self.offered_languages else self.default_language

    @property
    def primary_host(self) -> str:
        return f"{self.slug}.{settings.BASE_DOMAIN}"

    @property
    def canonical_host(self) -> str:
        """The tenant's primary verified domain (a custom domain once it is made primary), else
        its subdomain of BASE_DOMAIN. One query, none when the domains are prefetched."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("domains")
        if prefetched is not None:  # lists of tenants (platform API) prefetch their domains
            primary = next(
                (
                    domain.domain
                    for domain in prefetched
                    if domain.is_primary and domain.is_verified
                ),
                None,
            )
        else:
            primary = (
                Domain.objects.filter(tenant_id=self.pk, is_primary=True, is_verified=True)
                .values_list("domain", flat=True)
                .first()
            )
        return primary or self.primary_host

    @property
    def base_url(self) -> str:
        """The tenant's canonical origin, for every absolute link sent out (e-mails, API answers).

        Built from the tenant's primary verified domain, never from a request's Host header: a
        link in an e-mail must lead to the tenant's own address whichever host the request that
        caused it came in on.
        """
        port = settings.BASE_PORT
        suffix = f":{port}" if port and port not in {"80", "443"} else ""
        return f"{settings.BASE_URL_SCHEME}://{self.canonical_host}{suffix}"

    @staticmethod
    def schema_name_for(slug: str) -> str:
        return "t_" + slug.replace("-", "_")


class Domain(DomainMixin):
    """A host name that routes to a tenant: its subdomain, or a custom domain once verified.

    A custom domain added by a tenant admin (tenants/domains.py) routes only once the DNS shows
    both records: a CNAME to the platform and a TXT record holding `verification_token` (so
    pointing a name at the platform is not enough to claim it). Until then a periodic task checks
    it again, less and less often, until `checks_until`.
    """

    is_verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Custom domains added by a tenant admin; empty for the platform's own subdomain and for
    # domains platform staff set up at provisioning.
    verification_token = models.CharField(max_length=64, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    # What the last check found wrong: [{"code": tenants.dns.DnsProblemCode, "found": str}].
    last_check_problems = models.JSONField(default=list, blank=True)
    # Failed checks in a row (the periodic check waits longer after each).
    failed_checks = models.PositiveIntegerField(default=0)
    # When the periodic task checks it next; None: no automatic check (verified, or given up).
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Automatic checks stop after this; "Verify now" starts a new period.
    checks_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_primary", "domain"]

    def __str__(self) -> str:
        return self.domain

    @property
    def is_platform_host(self) -> bool:
        """The platform's own domain or one of its subdomains (a tenant's `<slug>.BASE_DOMAIN`)."""
        return is_platform_host(self.domain)


def is_platform_host(host: str) -> bool:
    base = settings.BASE_DOMAIN
    return host == base or host.endswith("." + base)


class DeprovisionJob(models.Model):
    """One deprovisioning (export, then drop) run by a worker, with its progress.

    The platform API answers with this job at once and a worker does the work
    (tenants/tasks.py); the status URL shows the step, the percentage and, at the end, the export
    files or the error. The slug is kept: the tenant row is gone once the job succeeds.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Step(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        DISABLING = "disabling", _("Taking the tenant offline")
        EXPORTING_SCHEMA = "exporting_schema", _("Exporting the database schema")
        EXPORTING_FILES = "exporting_files", _("Exporting the uploaded files")
        DROPPING = "dropping", _("Dropping the schema and the tenant")
        DONE = "done", _("Done")

    tenant_slug = models.CharField(max_length=40)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=20, choices=Step.choices, default=Step.QUEUED)
    percent = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    export_path = models.CharField(max_length=500, blank=True)
    export_bytes = models.BigIntegerField(null=True, blank=True)
    media_export_path = models.CharField(max_length=500, blank=True)
    # A platform user (public schema) or none (the command).
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_slug"],
                condition=models.Q(status__in=["queued", "running"]),
                name="tenants_deprovision_one_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_slug} {self.status} {self.percent}%"


class RestoreJob(models.Model):
    """One restore of an archive (a succeeded DeprovisionJob's export) to a slug, run by a
    worker, with its progress (tenants/lifecycle.py). All or nothing: on failure the schema it
    created is dropped, the rows it wrote are deleted, and the error is kept here."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Step(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        CHECKING = "checking", _("Checking the export")
        RESTORING_SCHEMA = "restoring_schema", _("Restoring the database schema")
        MIGRATING = "migrating", _("Bringing the schema up to date")
        RESTORING_FILES = "restoring_files", _("Restoring the uploaded files")
        ACTIVATING = "activating", _("Bringing the tenant online")
        DONE = "done", _("Done")

    archive = models.ForeignKey(
        DeprovisionJob, on_delete=models.PROTECT, related_name="restore_jobs"
    )
    target_slug = models.CharField(max_length=40)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=20, choices=Step.choices, default=Step.QUEUED)
    percent = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_slug"],
                condition=models.Q(status__in=["queued", "running"]),
                name="tenants_restore_one_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_slug} {self.status} {self.percent}%"


class PlatformAuditEntry(models.Model):
    """One action of platform staff on a tenant (public schema): who, what, where from, when."""

    class Source(models.TextChoices):
        CONSOLE = "console", _("Console")
        API = "api", _("Platform API")
        COMMAND = "command", _("Command")
        SYSTEM = "system", _("System")

    # The platform user (public schema), kept as plain values: the entry outlives the account.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=40, db_index=True)
    tenant_slug = models.CharField(max_length=40, blank=True, db_index=True)
    source = models.CharField(max_length=12, choices=Source.choices)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email} {self.action} {self.tenant_slug}"
        )


class TenantUsage(models.Model):
    """The last measured usage of a tenant (tenants/usage.py refreshes it): lists read this
    snapshot, never the tenant schemas."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="usage")
    members = models.PositiveIntegerField(default=0)
    missions = models.PositiveIntegerField(default=0)
    participations = models.PositiveIntegerField(default=0)
    # Tables and indexes of the schema plus the uploaded files, in bytes.
    schema_bytes = models.BigIntegerField(default=0)
    media_bytes = models.BigIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"usage of {self.tenant_id}"

    @property
    def storage_bytes(self) -> int:
        return self.schema_bytes + self.media_bytes

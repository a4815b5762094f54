"""Organizations, their members and their invitations."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.choices import choice_display
from tenants.signing import stored_token

# --- Organizations ------------------------------------------------------------------------------


def organization_logo_url(organization_id: int, logo_name: str) -> str:
    """Where an organization's logo is served (engagement.organizations.views.organization_logo), or
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
    # Shown on every mission page and every row of the moderation queue (tenants/choices.py).
    get_kind_display = choice_display("kind", Kind)
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

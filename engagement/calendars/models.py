"""Calendar feeds: who a secret feed address belongs to, and whether it still works."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from engagement.organizations.models import Organization


class CalendarFeed(models.Model):
    """A secret address serving a calendar: the owner's participations (no organization), or
    the dates of an organization the owner runs. Only the SHA-256 of the token is stored: the
    address is shown once, when it is made; making a new one revokes the old."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    # Set for an organization's feed (its dates); empty for the owner's own participations.
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # The token's last characters, so people can tell which address a calendar uses.
    hint = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One working address per person and calendar (theirs, or one organization's).
            models.UniqueConstraint(
                fields=["owner", "organization"],
                condition=Q(revoked_at__isnull=True),
                nulls_distinct=False,
                name="calendar_feed_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.organization_id or '-'} (…{self.hint})"

    @staticmethod
    def hash_token(raw: str) -> str:
        """What is stored of a token: its SHA-256 (hex). The token is 256 random bits, so the
        hash cannot be reversed by guessing."""
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

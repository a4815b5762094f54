from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Every token starts with it, so that secret scanners (and people) recognise one.
TOKEN_PREFIX = "ent_"


class ApiToken(models.Model):
    """A token of the tenant's API: what it may do, until when, and who it acts as."""

    class Scope(models.TextChoices):
        # GET, HEAD and OPTIONS on every endpoint the creator may read.
        READ = "read", _("Read only")
        # Everything the creator may do through the API.
        READ_WRITE = "read_write", _("Read and write")

    name = models.CharField(_("name"), max_length=80)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    # SHA-256 (hex) of the whole token; the token itself is shown once and never stored.
    secret_hash = models.CharField(max_length=64, unique=True)
    # The token's last characters, so that admins can tell their tokens apart.
    hint = models.CharField(max_length=8)
    # Whom the token acts as (see the package's docstring); their tokens go with their account.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    # Updated at most once a minute (accounts.api_tokens.services.LAST_USED_PRECISION).
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="api_token_expires_after_creation"
            ),
            # Written as ORs: PostgreSQL prints an IN list back differently after a schema clone.
            models.CheckConstraint(
                condition=Q(scope="read") | Q(scope="read_write"), name="api_token_scope_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (…{self.hint})"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_active(self, now: datetime | None = None) -> bool:
        return not self.is_revoked and not self.is_expired(now)

    @property
    def allows_writes(self) -> bool:
        return self.scope == self.Scope.READ_WRITE

    @property
    def masked(self) -> str:
        """What the integrations page shows of the token: its prefix and last characters."""
        return f"{TOKEN_PREFIX}…{self.hint}"

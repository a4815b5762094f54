"""The directory's token and the directory's identifiers of the people it provisions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

# Every directory token starts with it (secret scanners, people), then the tenant's tag.
TOKEN_PREFIX = "scim_"


class DirectoryToken(models.Model):
    """The bearer token the company's directory sends to /scim/v2/. At most one works at a time:
    rotating revokes the previous one. Only its SHA-256 is kept."""

    secret_hash = models.CharField(max_length=64, unique=True)
    # The token's last characters, so that admins can tell which one is configured.
    hint = models.CharField(max_length=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Updated at most once a minute (engagement.directory.services.LAST_USED_PRECISION).
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["revoked_at"],
                condition=Q(revoked_at__isnull=True),
                name="directory_token_one_working",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"directory token …{self.hint}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def masked(self) -> str:
        return f"{TOKEN_PREFIX}…{self.hint}"


class DirectoryIdentity(models.Model):
    """A person as the directory knows them: the SCIM id we gave them, the directory's own id
    (externalId), its userName, and the raw values it sent that point elsewhere (manager, site),
    kept as sent so that they resolve once the manager or the site exists here."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_identity"
    )
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(max_length=200, blank=True)
    user_name = models.CharField(max_length=254)
    # The enterprise extension's manager.value: the SCIM id of the manager (may arrive first).
    manager_value = models.CharField(max_length=200, blank=True)
    # The Entraide extension's site: a Site's external_id or name.
    site_value = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # SCIM's userName is unique and not case-sensitive (RFC 7643 §4.1.1).
            models.UniqueConstraint(Lower("user_name"), name="directory_identity_user_name_unique"),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="directory_identity_external_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["manager_value"], name="directory_identity_manager")]

    def __str__(self) -> str:
        return f"directory identity of {self.user_id}"

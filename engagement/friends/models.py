"""Friendships between volunteers of one tenant, and blocks.

A friendship is one row per pair of people, whoever asked first: `requester` asked, `addressee`
answers. Nobody appears to anyone as a friend until the addressee accepted (status ACCEPTED). A
block hides both people from each other whatever their friendship says; blocking someone also
ends the friendship (engagement.friends.services).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement.missions.models import Mission
from tenants.signing import stored_token

# --- Friendships --------------------------------------------------------------------------------


class Friendship(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting an answer")
        ACCEPTED = "accepted", _("Friends")
        DECLINED = "declined", _("Declined")

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="friend_requests_sent"
    )
    addressee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="friend_requests_received"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # "My friends" reads both directions: one index each, accepted rows only.
            models.Index(
                fields=["requester", "addressee"],
                condition=Q(status="accepted"),
                name="friendship_accepted_out",
            ),
            models.Index(
                fields=["addressee", "requester"],
                condition=Q(status="accepted"),
                name="friendship_accepted_in",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=F("addressee")), name="friendship_not_self"
            ),
            # One row per pair, whichever way it was asked.
            models.UniqueConstraint(
                Least("requester", "addressee"),
                Greatest("requester", "addressee"),
                name="friendship_one_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester_id} → {self.addressee_id} ({self.status})"

    def other(self, user_id: int) -> int:
        """The id of the person on the other side of the friendship from `user_id`."""
        return self.addressee_id if self.requester_id == user_id else self.requester_id


class FriendBlock(models.Model):
    """`blocker` never sees `blocked` again, and `blocked` never sees `blocker`."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="friend_blocks"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="friend_block_once"),
            models.CheckConstraint(
                condition=~Q(blocker=F("blocked")), name="friend_block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


# --- Invitations ----------------------------------------------------------------------------------


def _invitation_token() -> str:
    return stored_token("friend_invitation")


def _invitation_expiry() -> datetime:
    return timezone.now() + INVITATION_LIFETIME


# How long an invitation link stays usable.
INVITATION_LIFETIME = timedelta(days=14)


class FriendInvitation(models.Model):
    """A single-use link that makes its holder a friend of `inviter` once they accept it.

    Shared by hand (a link, a QR code) or sent by e-mail to an address that has no account in
    the tenant (`email`). The token is random and lives in the tenant's schema, so a link of
    one tenant names nothing in another (tenants.signing, kind `friend_invitation`).
    """

    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="friend_invitations"
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    # Empty for a link to share; the address it was sent to otherwise.
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["inviter", "created_at"], name="friend_invitation_inviter")]

    def __str__(self) -> str:
        return f"invitation from {self.inviter_id}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and not self.is_expired


# --- Recommendations ------------------------------------------------------------------------------


class MissionRecommendation(models.Model):
    """`sender` told `recipient` about `mission`. A person hears of a mission from friends once:
    the first recommendation is kept, later ones are skipped."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommendations_sent"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mission", "recipient"], name="mission_recommendation_once"
            )
        ]
        indexes = [
            models.Index(fields=["sender", "created_at"], name="mission_recommendation_sender")
        ]

    def __str__(self) -> str:
        return f"{self.sender_id} → {self.recipient_id}: mission {self.mission_id}"

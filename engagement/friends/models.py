"""Friendships between volunteers of one tenant, and blocks.

A friendship is one row per pair of people, whoever asked first: `requester` asked, `addressee`
answers. Nobody appears to anyone as a friend until the addressee accepted (status ACCEPTED). A
block hides both people from each other whatever their friendship says; blocking someone also
ends the friendship (engagement.friends.services).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least
from django.utils.translation import gettext_lazy as _

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
        indexes = [models.Index(fields=["blocked"], name="friend_block_blocked")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"

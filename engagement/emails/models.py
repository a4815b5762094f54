"""The record of e-mails sent, so that a notification is sent once however often its task runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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


# --- What each person wants to receive ----------------------------------------------------------


class EmailPreferences(models.Model):
    """Which e-mails a person wants, and how often; no row means the defaults below.

    Messages about the person's own participations (confirmed, declined, cancelled by the
    organization…) are not optional: they are the service itself.
    """

    class Frequency(models.TextChoices):
        IMMEDIATELY = "immediately", _("As it happens")
        DAILY = "daily", _("One e-mail a day")
        WEEKLY = "weekly", _("One e-mail a week")
        NEVER = "never", _("Never")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    # "Still coming?", the day-before reminder and "How was it?".
    reminders = models.BooleanField(_("reminders of my commitments"), default=True)
    # Saved-search alerts (each saved search also has its own frequency).
    alerts = models.BooleanField(_("alerts of my saved searches"), default=True)
    # Friend requests, friends' recommendations.
    friends = models.CharField(
        _("news from my friends"),
        max_length=16,
        choices=Frequency.choices,
        default=Frequency.IMMEDIATELY,
    )
    # Messages an organization sends to the participants of its missions.
    organization_messages = models.BooleanField(
        _("messages from the organizations I volunteer with"), default=True
    )
    # Announcements of campaigns (engagement.campaigns).
    campaigns = models.BooleanField(_("announcements of campaigns"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"e-mail preferences of {self.user_id}"


# --- Digests ------------------------------------------------------------------------------------


class EmailDigestItem(models.Model):
    """A message kept for the person's next digest (news from friends, daily or weekly).

    `deliver_email` renders the message when it happens and keeps its subject and text here;
    the digest task sends one e-mail per person and period with every item, then deletes them.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(max_length=32)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    link = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recipient_id", "created_at", "id"]
        indexes = [models.Index(fields=["category", "recipient"], name="email_digest_pending")]

    def __str__(self) -> str:
        return f"digest item {self.pk} for {self.recipient_id}"

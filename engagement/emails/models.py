"""The record of e-mails sent, so that a notification is sent once however often its task runs."""

from __future__ import annotations

from django.db import models

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

"""A person's in-app notifications: what friends asked or recommended, read on /notifications/.

A notification names what happened (`kind`), who did it (`actor`) and, for a recommendation,
the mission; the page words it in the reader's language. The e-mail that may go with it is sent
by the package that created it (engagement.friends.services).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from engagement.missions.models import Mission


class Notification(models.Model):
    class Kind(models.TextChoices):
        FRIEND_REQUEST = "friend_request", _("Friend request")
        FRIEND_ACCEPTED = "friend_accepted", _("Friend request accepted")
        MISSION_RECOMMENDED = "mission_recommended", _("Mission recommended")
        # Volunteering time (engagement.worktime): the manager decided on a request.
        WORK_TIME_APPROVED = "work_time_approved", _("Work time approved")
        WORK_TIME_REFUSED = "work_time_refused", _("Work time refused")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    mission = models.ForeignKey(
        Mission, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # The header's unread count reads this index alone.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

"""Writing notifications: one arrives, a person reads some or all of theirs."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.inbox.models import Notification
from engagement.inbox.selectors import unread_count_key
from engagement.missions.models import Mission


def _forget_count(user_id: int) -> None:
    transaction.on_commit(lambda: cache.delete(unread_count_key(user_id)))
    cache.delete(unread_count_key(user_id))


def notification_create(
    *,
    recipient: User,
    kind: Notification.Kind,
    actor: User | None = None,
    mission: Mission | None = None,
) -> Notification:
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, actor=actor, mission=mission
    )
    _forget_count(recipient.pk)
    return notification


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark `user`'s notifications of `ids` read (all of them when None); how many changed.

    An id that is not one of `user`'s notifications is a 404, and nothing changes."""
    unread = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if ids is not None:
        wanted = set(ids)
        owned = set(
            Notification.objects.filter(recipient_id=user.pk, pk__in=wanted).values_list(
                "pk", flat=True
            )
        )
        if owned != wanted:
            raise EngagementError(
                _("No such notification."), code=EngagementErrorCode.NOTIFICATION_NOT_FOUND
            )
        unread = unread.filter(pk__in=wanted)
    changed = unread.update(read_at=timezone.now())
    _forget_count(user.pk)
    return changed

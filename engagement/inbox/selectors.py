"""Reading a person's notifications, and the unread count the site header shows."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from accounts.models import User
from engagement.inbox.models import Notification
from tenants.context import tenant_cache_key

# The header reads the count on every page: kept in the cache until a notification arrives or
# is read (engagement.inbox.services forgets it), so a page costs no query for it.
UNREAD_COUNT_SECONDS = 600


def unread_count_key(user_id: int) -> str:
    return tenant_cache_key("inbox.unread", user_id)


def notification_list(*, user: User) -> QuerySet[Notification]:
    """`user`'s notifications, newest first, with who and which mission (one query)."""
    return (
        Notification.objects.filter(recipient_id=user.pk)
        .select_related("actor", "actor__volunteer_profile", "mission")
        .order_by("-created_at", "-pk")
    )


def unread_count(*, user: User) -> int:
    """How many of `user`'s notifications are unread (from the cache when it knows)."""
    key = unread_count_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_COUNT_SECONDS)
    return int(count)

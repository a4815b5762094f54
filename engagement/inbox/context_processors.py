"""The unread count the site header shows a signed-in person (read from the cache; evaluated
only if a template shows it)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django_tenants.utils import get_public_schema_name

from engagement.inbox.selectors import unread_count
from tenants.context import current_schema_name


def inbox(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or current_schema_name() == get_public_schema_name()
    ):
        return {}
    return {"inbox_unread": SimpleLazyObject(lambda: unread_count(user=user))}

"""Roles of a tenant's users, and the two helpers every `<thing>_get_for_<actor>` is built on.

Role helpers answer "what may this user do here?". Access to an engagement object lives with that
object (engagement/<domain>/access.py): each fetches the object for an actor and raises the same
`Http404` for "missing" and "not yours", so an id never reveals whether something exists in another
organization (other tenants' objects live in other schemas and are never reachable at all).
Services check roles again: access helpers decide what a caller may *see*, services what it
may *do*.
"""

from __future__ import annotations

from typing import TypeGuard, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet
from django.http import Http404

from accounts.models import User

ModelT = TypeVar("ModelT", bound=Model)
# Who asks: a signed-in user, the anonymous visitor, or nobody (outside a request).
Viewer = User | AnonymousUser | None


def user_is_signed_in(user: Viewer) -> TypeGuard[User]:
    """Signed in with an active account (an anonymous visitor or a suspended account is not)."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def user_is_tenant_admin(user: Viewer) -> bool:
    """A tenant admin: configures the tenant, verifies organizations, moderates missions."""
    return user_is_signed_in(user) and bool(user.is_tenant_admin)


def user_is_moderator(user: Viewer) -> bool:
    """A moderator or a tenant admin: verifies organizations and moderates missions."""
    return user_is_signed_in(user) and bool(user.is_moderator)


def id_or_404(value: int | str) -> int:
    """An id from a URL or a payload; anything that is not a positive integer is a 404."""
    if isinstance(value, bool):
        raise Http404
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if number <= 0 or number > 2**63 - 1:
        raise Http404
    return number


def get_or_404(queryset: QuerySet[ModelT], pk: int) -> ModelT:
    """The object with this id in an already scoped queryset, or a 404."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found

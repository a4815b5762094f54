"""What the terms check keeps in the cache (Redis), per tenant: the latest terms version, and
the version each person accepted last. Both are dropped when they change, at once and again
once the change is committed (a request served in between may have cached the old value)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection, transaction

from tenants.context import tenant_cache_key

# Dropped on every change; the lifetime only bounds what a lost invalidation could cost.
LIFETIME_SECONDS = 24 * 60 * 60


def latest_terms_key() -> str:
    return tenant_cache_key("legal", "terms", "latest")


def accepted_terms_key(user_id: int) -> str:
    return tenant_cache_key("legal", "terms", "accepted", user_id)


def _forget_now_and_on_commit(key: str) -> None:
    cache.delete(key)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: cache.delete(key), robust=True)


def latest_terms_forget() -> None:
    _forget_now_and_on_commit(latest_terms_key())


def accepted_terms_forget(user_id: int) -> None:
    _forget_now_and_on_commit(accepted_terms_key(user_id))

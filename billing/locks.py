"""Redis locks and flags for billing, in the public namespace whatever schema is active.

- `tenant_billing_lock(tenant_id)`: serialises "fetch from Stripe, then apply" for one tenant, so
  a slower worker can never write an older Stripe answer over a newer one. Held outside database
  transactions (a Stripe call happens under it, never inside a transaction).
- `value_get` / `value_set`: short-lived values (the next-invoice preview on the billing page).

With Redis down, the lock is "busy" (LockBusy: tasks retry it later, pages say "try again") and
values miss: never a 500 (tenants/cache.py).
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.conf import settings
from django_tenants.utils import get_public_schema_name
from redis.exceptions import LockError

from billing.errors import BillingError, BillingErrorCode
from tenants.cache import REDIS_ERRORS, redis_client, redis_health

logger = logging.getLogger(__name__)


def public_key(name: str) -> str:
    """The key Django's cache would build for `billing:<name>` in the public schema (so the
    test suite's per-run cleanup, and every process, agree on it)."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{get_public_schema_name()}:{prefix}:1:billing:{name}"


class LockBusy(BillingError):
    def __init__(self) -> None:
        super().__init__("Billing is being updated; try again.", code=BillingErrorCode.LOCK_BUSY)


@contextmanager
def tenant_billing_lock(tenant_id: int, *, wait_seconds: float = 30.0) -> Iterator[None]:
    lock = redis_client().lock(
        public_key(f"lock:tenant:{tenant_id}"), timeout=120, blocking_timeout=wait_seconds
    )
    try:
        acquired = lock.acquire()
    except REDIS_ERRORS as error:
        redis_health.failed(error)
        raise LockBusy() from None
    if not acquired:
        raise LockBusy()
    try:
        yield
    finally:
        try:
            lock.release()
        except REDIS_ERRORS as error:
            # Redis went away while held: the lock expires by itself.
            redis_health.failed(error)
        except LockError:
            # Held longer than its timeout: it expired and may belong to another worker now.
            logger.warning("billing.lock.expired", extra={"tenant_id": tenant_id})


def value_get(name: str) -> Any:
    # The cast: redis-py types every reply as "sync or async", whatever the client.
    raw = redis_health.call(
        lambda: cast("bytes | None", redis_client().get(public_key(f"value:{name}"))), lambda: None
    )
    return pickle.loads(raw) if raw is not None else None  # noqa: S301 - only our own values


def value_set(name: str, value: Any, *, ttl_seconds: int) -> None:
    data = pickle.dumps(value)
    redis_health.call(
        lambda: redis_client().set(public_key(f"value:{name}"), data, ex=ttl_seconds), lambda: None
    )


def value_delete(name: str) -> None:
    redis_health.call(lambda: redis_client().delete(public_key(f"value:{name}")), lambda: None)

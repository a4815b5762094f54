"""Helpers shared by the billing services: audit rows, Tenant billing fields."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from billing.entitlements import tenant_plan
from billing.models import BillingAccount, BillingAuditEntry
from billing.plans import Interval, plan_default_for_kind
from tenants.models import Tenant

logger = logging.getLogger(__name__)

Source = BillingAuditEntry.Source
Action = BillingAuditEntry.Action


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _audit(
    *,
    tenant: Tenant,
    action: str,
    source: str,
    changes: dict[str, Any] | None = None,
    actor_user_id: int | None = None,
    stripe_event_id: str = "",
) -> BillingAuditEntry:
    entry = BillingAuditEntry(
        tenant=tenant,
        tenant_slug=tenant.slug,
        action=action,
        source=source,
        actor_user_id=actor_user_id,
        stripe_event_id=stripe_event_id,
        changes=changes or {},
    )
    entry.full_clean()
    entry.save()
    return entry


def _account_ensure(*, tenant: Tenant) -> BillingAccount:
    """The tenant's billing account; created on its current plan if it predates billing."""
    account = BillingAccount.objects.filter(tenant_id=tenant.pk).first()
    if account is not None:
        return account
    plan = tenant_plan(tenant) or plan_default_for_kind(tenant.kind)
    account, _created = BillingAccount.objects.get_or_create(
        tenant_id=tenant.pk, defaults={"plan_code": plan.code, "interval": Interval.MONTH}
    )
    return account


TENANT_BILLING_FIELDS = (
    "billing_state",
    "billing_grace_until",
    "billing_trial_ends_at",
    "billing_plan",
)


def _tenant_fields_set(*, tenant: Tenant, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Write the Tenant's billing fields (the tenant row must be locked by the caller)."""
    changes = {
        name: [_jsonable(getattr(tenant, name)), _jsonable(value)]
        for name, value in values.items()
        if getattr(tenant, name) != value
    }
    if changes:
        for name in changes:
            setattr(tenant, name, values[name])
        tenant.save(update_fields=[*changes, "updated_at"])
    return changes

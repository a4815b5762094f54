"""A new tenant's trial, and plans assigned by platform staff."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.errors import BillingError, BillingErrorCode
from billing.models import BillingAccount
from billing.plans import Interval, plan_default_for_kind, plan_get
from billing.services.common import (
    TENANT_BILLING_FIELDS,
    Action,
    Source,
    _audit,
    _tenant_fields_set,
)
from tenants.models import Tenant
from tenants.provisioning_steps import ProvisioningInput

logger = logging.getLogger(__name__)


def billing_trial_start(*, tenant: Tenant, plan_code: str | None = None) -> BillingAccount:
    """A new tenant's billing account: its kind's default plan, on that plan's free trial.

    No Stripe call (the Stripe customer is created at the first checkout), so provisioning can
    call it inside its own transaction and stay all-or-nothing.
    """
    plan = plan_get(plan_code) if plan_code else plan_default_for_kind(tenant.kind)
    if plan is None or plan.kind != tenant.kind:
        raise BillingError(_("Unknown plan."), code=BillingErrorCode.PLAN_UNKNOWN, field="plan")
    trial_ends_at = timezone.now() + dt.timedelta(days=plan.trial_days)
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        account = BillingAccount(tenant=locked, plan_code=plan.code, interval=Interval.MONTH)
        account.full_clean()
        account.save()
        _tenant_fields_set(
            tenant=locked,
            values={
                "billing_state": Tenant.BillingState.TRIALING,
                "billing_trial_ends_at": trial_ends_at,
                "billing_grace_until": None,
                "billing_plan": plan.code,
            },
        )
        _audit(
            tenant=locked,
            action=Action.TRIAL_STARTED,
            source=Source.PLATFORM,
            changes={"plan": plan.code, "trial_ends_at": trial_ends_at.isoformat()},
        )
    for name in TENANT_BILLING_FIELDS:
        setattr(tenant, name, getattr(locked, name))
    logger.info(
        "billing.trial.started",
        extra={"tenant_id": tenant.pk, "plan": plan.code, "trial_days": plan.trial_days},
    )
    return account


def billing_trial_provision(*, tenant: Tenant, provisioning_input: ProvisioningInput) -> None:
    """Provisioning step (registered in billing/apps.py, run in the public schema): the new
    tenant starts its kind's default plan on trial, before its first admin counts as a seat."""
    billing_trial_start(tenant=tenant)


def plan_assign(*, tenant: Tenant, plan_code: str, source: str = Source.PLATFORM) -> Tenant:
    """Put a tenant on a plan without Stripe (platform staff: invoiced customers, tests).

    A Stripe subscription, when there is one, wins again at its next event or reconciliation.
    """
    plan = plan_get(plan_code)
    if plan is None or plan.kind != tenant.kind:
        raise BillingError(_("Unknown plan."), code=BillingErrorCode.PLAN_UNKNOWN, field="plan")
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        BillingAccount.objects.filter(tenant=locked).update(
            plan_code=plan.code, updated_at=timezone.now()
        )
        changes = _tenant_fields_set(tenant=locked, values={"billing_plan": plan.code})
        if changes:
            _audit(tenant=locked, action=Action.PLAN_CHANGED, source=source, changes=changes)
    tenant.billing_plan = locked.billing_plan
    return locked

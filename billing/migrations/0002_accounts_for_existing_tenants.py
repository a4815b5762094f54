"""Tenants provisioned before billing existed get a billing account on their kind's default plan
and that plan's trial, starting now."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

# Frozen copy of billing.plans at the time of this migration.
_DEFAULT_PLAN = {"city": ("city_essential", 30), "company": ("company_standard", 14)}


def create_accounts(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    BillingAccount = apps.get_model("billing", "BillingAccount")
    now = timezone.now()
    for tenant in Tenant.objects.filter(billing_account__isnull=True):
        plan_code, trial_days = _DEFAULT_PLAN.get(tenant.kind, ("", 0))
        if not plan_code:
            continue
        plan_code = tenant.billing_plan or plan_code
        BillingAccount.objects.create(tenant=tenant, plan_code=plan_code, interval="month")
        fields = []
        if not tenant.billing_plan:
            tenant.billing_plan = plan_code
            fields.append("billing_plan")
        if tenant.billing_state == "trialing" and tenant.billing_trial_ends_at is None:
            tenant.billing_trial_ends_at = now + dt.timedelta(days=trial_days)
            fields.append("billing_trial_ends_at")
        if fields:
            tenant.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
        ("tenants", "0003_billing_plan"),
    ]

    operations = [migrations.RunPython(create_accounts, migrations.RunPython.noop)]

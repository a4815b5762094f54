"""A new tenant starts on its kind's default plan, on that plan's trial, in the same transaction."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing.models import BillingAccount, BillingAuditEntry
from billing.services import billing_trial_start
from tenants.models import Tenant
from tenants.services import tenant_provision

pytestmark = pytest.mark.django_db


def test_provisioned_company_starts_its_trial(db, stripe_fake):
    before = timezone.now()

    result = tenant_provision(
        kind="company", name="Globex", slug="globex", admin_email="admin@globex.example"
    )

    tenant = Tenant.objects.get(slug="globex")
    assert (tenant.billing_state, tenant.billing_plan) == ("trialing", "company_standard")
    assert before + dt.timedelta(days=14) <= tenant.billing_trial_ends_at
    assert tenant.billing_trial_ends_at <= timezone.now() + dt.timedelta(days=14)
    account = BillingAccount.objects.get(tenant=tenant)
    assert (account.plan_code, account.stripe_customer_id, account.stripe_status) == (
        "company_standard",
        "",
        "",
    )
    assert BillingAuditEntry.objects.get(tenant=tenant).action == "trial_started"
    assert result.tenant.billing_state == "trialing"
    assert stripe_fake.requests == []  # no Stripe call while provisioning


def test_failed_provisioning_leaves_no_billing_account(db, provisioning_step):
    def fail(**kwargs):
        raise RuntimeError("seeding failed")

    provisioning_step("tests.fail", fail, order=25)  # after the trial started

    with pytest.raises(RuntimeError):
        tenant_provision(kind="city", name="Lyon", slug="lyon", admin_email="admin@lyon.example")

    assert not Tenant.objects.filter(slug="lyon").exists()
    assert not BillingAccount.objects.filter(tenant__slug="lyon").exists()
    assert not BillingAuditEntry.objects.filter(tenant_slug="lyon").exists()


def test_a_trial_cannot_start_twice(paris):
    with pytest.raises(ValidationError, match="tenant"):
        billing_trial_start(tenant=paris)

    assert BillingAccount.objects.filter(tenant=paris).count() == 1

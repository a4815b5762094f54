"""The apps' provisioning steps: registered in their AppConfig.ready(), run in order inside
provisioning's transaction, all or nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django_tenants.utils import schema_exists

from accounts.models import User
from billing.models import BillingAccount, BillingAuditEntry
from engagement.taxonomy.models import Cause
from tenants.models import Domain, Tenant
from tenants.provisioning_steps import (
    ADMIN_SET_PASSWORD_PATH,
    ProvisioningInput,
    provisioning_steps,
    register_provisioning_step,
)
from tenants.services import tenant_provision

pytestmark = pytest.mark.django_db


def _provision_lyon():
    return tenant_provision(
        kind="city",
        name="Lyon",
        slug="lyon",
        admin_email="maire@lyon.example",
        domains=["benevolat.lyon.example"],
    )


def _nothing_of_lyon() -> bool:
    return (
        not Tenant.objects.filter(slug="lyon").exists()
        and not schema_exists("t_lyon")
        and not Domain.objects.filter(domain__endswith="lyon.example").exists()
        and not Domain.objects.filter(domain="lyon.entraide.test").exists()
        and not BillingAccount.objects.filter(tenant__slug="lyon").exists()
        and not BillingAuditEntry.objects.filter(tenant_slug="lyon").exists()
    )


def test_the_apps_register_their_steps_in_a_fixed_order():
    steps = [
        (step.name, step.order, step.in_tenant_schema) for step in provisioning_steps.ordered()
    ]

    assert steps == [
        ("billing.trial", 10, False),
        ("engagement.taxonomy", 20, True),
        ("tenants.legal", 22, True),
        ("accounts.tenant_admin", 30, True),
    ]


def test_steps_run_by_order_each_in_its_schema(provisioning_step):
    seen = []

    def record(label):
        def step(*, tenant, provisioning_input):
            billed = BillingAccount.objects.filter(tenant=tenant).exists()
            if connection.schema_name == tenant.schema_name:
                tenant_data = (Cause.objects.exists(), User.objects.count())
            else:
                tenant_data = None
            seen.append(
                (label, connection.schema_name, billed, tenant_data, provisioning_input.admin_email)
            )

        return step

    # Registered out of order, around the apps' own steps.
    provisioning_step("tests.last", record("last"), order=35)
    provisioning_step("tests.first", record("first"), order=5, in_tenant_schema=False)
    provisioning_step("tests.middle", record("middle"), order=25)

    result = _provision_lyon()

    assert seen == [
        ("first", "public", False, None, "maire@lyon.example"),
        ("middle", "t_lyon", True, (True, 0), "maire@lyon.example"),
        ("last", "t_lyon", True, (True, 1), "maire@lyon.example"),
    ]
    assert connection.schema_name == "public"
    assert result.set_password_url.startswith("http://lyon.entraide.test:8000/accounts/password/")


def test_a_failing_last_step_rolls_back_every_earlier_step(provisioning_step):
    def fail(**kwargs):
        raise RuntimeError("the last step failed")

    provisioning_step("tests.fail", fail, order=99)

    with pytest.raises(RuntimeError, match="the last step failed"):
        _provision_lyon()

    assert _nothing_of_lyon()
    assert connection.schema_name == "public"


def test_a_value_returned_twice_is_refused_and_rolls_back(provisioning_step):
    def also_an_admin(**kwargs):
        return {ADMIN_SET_PASSWORD_PATH: "/elsewhere/"}

    provisioning_step("tests.also_an_admin", also_an_admin, order=40)

    with pytest.raises(ImproperlyConfigured, match=ADMIN_SET_PASSWORD_PATH):
        _provision_lyon()

    assert _nothing_of_lyon()


def test_without_the_admin_step_nothing_is_provisioned(monkeypatch):
    steps = {
        name: step
        for name, step in provisioning_steps._steps.items()
        if name != "accounts.tenant_admin"
    }
    monkeypatch.setattr(provisioning_steps, "_steps", steps)

    with pytest.raises(KeyError, match=ADMIN_SET_PASSWORD_PATH):
        _provision_lyon()

    assert _nothing_of_lyon()


def test_registering_is_explicit(monkeypatch):
    monkeypatch.setattr(provisioning_steps, "_steps", dict(provisioning_steps._steps))

    def step(*, tenant: Tenant, provisioning_input: ProvisioningInput) -> None:
        return None

    def closure():
        def made(**kwargs) -> None:
            return None

        return made

    register_provisioning_step("tests.step", step, order=50)
    register_provisioning_step("tests.step", step, order=50)  # ready() run again: the same step
    register_provisioning_step("tests.closure", closure(), order=60)
    register_provisioning_step("tests.closure", closure(), order=60)  # a new closure, same step
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        register_provisioning_step("tests.step", lambda **kwargs: None, order=50)
    with pytest.raises(ImproperlyConfigured, match="share order 30"):
        register_provisioning_step("tests.other", step, order=30)

    assert [step.name for step in provisioning_steps.ordered()][-2:] == [
        "tests.step",
        "tests.closure",
    ]

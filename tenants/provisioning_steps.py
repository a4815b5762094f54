"""What each app adds to a new tenant, run by `tenant_provision` inside its transaction.

Provisioning belongs to `tenants`, the core layer, which never imports the apps above it
(billing, accounts, engagement). Each of them registers its step in its `AppConfig.ready()`
instead:

    register_provisioning_step("billing.trial", billing_trial_provision, order=10,
                               in_tenant_schema=False)

A step is called with keyword arguments `tenant` (saved, its schema cloned) and
`provisioning_input`, after the tenant row, its domains and its schema exist, in increasing
`order`, inside provisioning's transaction: one step that raises rolls back the tenant, its
domains, its schema and every earlier step. A step runs in the new tenant's schema unless it is
registered with `in_tenant_schema=False` (platform data in the public schema, such as billing).
A step may return values for provisioning's result (`ADMIN_SET_PASSWORD_PATH`).

Steps today, in order: billing.trial (10, public schema), engagement.taxonomy (20),
tenants.legal (22: the default legal pages), accounts.tenant_admin (30). The order matters: the
first admin counts as a seat of the plan the trial has just set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django_tenants.utils import tenant_context

from tenants.models import Tenant

# The key under which the tenant admin's step returns its one-time set-password path.
ADMIN_SET_PASSWORD_PATH = "admin_set_password_path"


@dataclass(frozen=True)
class ProvisioningInput:
    """What provisioning was asked for, beyond the Tenant row itself."""

    admin_email: str


class ProvisioningStepFunction(Protocol):
    def __call__(
        self, *, tenant: Tenant, provisioning_input: ProvisioningInput
    ) -> Mapping[str, str] | None: ...


@dataclass(frozen=True)
class ProvisioningStep:
    name: str
    func: ProvisioningStepFunction
    order: int
    in_tenant_schema: bool = True


class ProvisioningSteps:
    """The registered steps, by name."""

    def __init__(self) -> None:
        self._steps: dict[str, ProvisioningStep] = {}

    def register(self, step: ProvisioningStep) -> None:
        known = self._steps.get(step.name)
        if known is not None and _identity(known) != _identity(step):
            raise ImproperlyConfigured(f"Provisioning step {step.name!r} is registered twice.")
        clash = next((other for other in self._steps.values() if other.order == step.order), None)
        if clash is not None and clash.name != step.name:
            raise ImproperlyConfigured(
                f"Provisioning steps {clash.name!r} and {step.name!r} share order {step.order}."
            )
        self._steps[step.name] = step

    def ordered(self) -> list[ProvisioningStep]:
        return sorted(self._steps.values(), key=lambda step: step.order)

    def run(self, *, tenant: Tenant, provisioning_input: ProvisioningInput) -> dict[str, str]:
        """Run every step in order; the values they return, merged (a key returned twice is a
        programming error)."""
        values: dict[str, str] = {}
        for step in self.ordered():
            if step.in_tenant_schema:
                with tenant_context(tenant):
                    returned = step.func(tenant=tenant, provisioning_input=provisioning_input)
            else:
                returned = step.func(tenant=tenant, provisioning_input=provisioning_input)
            for key, value in (returned or {}).items():
                if key in values:
                    raise ImproperlyConfigured(f"Two provisioning steps returned {key!r}.")
                values[key] = value
        return values


def _identity(step: ProvisioningStep) -> tuple[str, int, bool, str, str]:
    # By the function's qualified name, not the object: ready() run again (a new app registry)
    # registers the same step anew, possibly as a new closure.
    func = step.func
    return (
        step.name,
        step.order,
        step.in_tenant_schema,
        getattr(func, "__module__", ""),
        getattr(func, "__qualname__", repr(func)),
    )


provisioning_steps = ProvisioningSteps()


def register_provisioning_step(
    name: str, func: ProvisioningStepFunction, *, order: int, in_tenant_schema: bool = True
) -> None:
    """Add `func` to every future provisioning (call it from an AppConfig.ready())."""
    provisioning_steps.register(
        ProvisioningStep(name=name, func=func, order=order, in_tenant_schema=in_tenant_schema)
    )

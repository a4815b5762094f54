"""The welcome wizard's steps (/gestion/bienvenue/), and which of them a tenant has done.

What a new instance needs first: its look (logo and colours), a first organization to publish
missions, and, for a company, the sign-in through its identity provider (SSO). Nothing is stored
about the wizard itself: each step is done when the data says so (the tenant has a logo, an
organization exists, an SSO connection exists), so the wizard can be left and taken up again
anywhere, and a step done elsewhere in the back office shows as done here. The writes go through
the services the settings, organization and SSO pages use (views_welcome.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.sso.selectors import sso_connection_exists
from engagement.organizations.models import Organization
from tenants.models import Tenant


class WelcomeStep(StrEnum):
    BRANDING = "branding"
    ORGANIZATION = "organization"
    SSO = "sso"
    DONE = "done"


STEP_LABELS: dict[WelcomeStep, str | Promise] = {
    WelcomeStep.BRANDING: _("Logo and colours"),
    WelcomeStep.ORGANIZATION: _("First organization"),
    WelcomeStep.SSO: _("Sign-in with your identity provider"),
    WelcomeStep.DONE: _("Done"),
}
STEP_URL_NAMES: dict[WelcomeStep, str] = {
    WelcomeStep.BRANDING: "backoffice:welcome-branding",
    WelcomeStep.ORGANIZATION: "backoffice:welcome-organization",
    WelcomeStep.SSO: "backoffice:welcome-sso",
    WelcomeStep.DONE: "backoffice:welcome-done",
}


@dataclass(frozen=True)
class WelcomeProgress:
    """The steps of this tenant's wizard, in order, and which are done."""

    steps: tuple[WelcomeStep, ...]
    done: frozenset[WelcomeStep]

    @property
    def first_open(self) -> WelcomeStep:
        """Where the wizard takes up: the first step not done yet (the last one when all are)."""
        return next((step for step in self.steps if step not in self.done), WelcomeStep.DONE)

    def next_after(self, step: WelcomeStep) -> WelcomeStep:
        position = self.steps.index(step) if step in self.steps else len(self.steps) - 1
        return self.steps[min(position + 1, len(self.steps) - 1)]

    def position(self, step: WelcomeStep) -> int:
        return self.steps.index(step) + 1 if step in self.steps else len(self.steps)


def welcome_steps(*, tenant: Tenant) -> tuple[WelcomeStep, ...]:
    """The steps of a tenant's wizard: SSO is a company's step (a city's residents sign up)."""
    middle = (WelcomeStep.SSO,) if tenant.kind == Tenant.Kind.COMPANY else ()
    return (WelcomeStep.BRANDING, WelcomeStep.ORGANIZATION, *middle, WelcomeStep.DONE)


def welcome_progress(*, tenant: Tenant) -> WelcomeProgress:
    """Which steps the data shows as done: one query for a city, two for a company."""
    steps = welcome_steps(tenant=tenant)
    done = set()
    if tenant.logo:
        done.add(WelcomeStep.BRANDING)
    if Organization.objects.exists():
        done.add(WelcomeStep.ORGANIZATION)
    if WelcomeStep.SSO in steps and sso_connection_exists():
        done.add(WelcomeStep.SSO)
    return WelcomeProgress(steps=steps, done=frozenset(done))

"""The plan catalogue: what Entraide sells, and what each plan entitles a tenant to.

Plans are product decisions that ship with the code (reviewed, versioned, identical on every
process), so resolving a tenant's entitlements costs no SQL and no cache round trip: the tenant's
plan code is a Tenant field carried by the host-routing cache. Only the Stripe Price ids differ per
environment; they come from settings (`STRIPE_PRICES`, filled from the environment).

Cities pay a flat price per month or per year; companies pay per seat (seats = active employees).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Pricing(StrEnum):
    FLAT = "flat"
    PER_SEAT = "per_seat"


class Interval(StrEnum):
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class Plan:
    code: str
    name: str | Promise
    kind: str  # Tenant.Kind value: "city" or "company"
    pricing: Pricing
    trial_days: int
    # Boolean features and numeric limits (None = unlimited), keyed by entitlement key.
    features: frozenset[str] = frozenset()
    limits: MappingProxyType[str, int | None] = field(default_factory=lambda: MappingProxyType({}))
    intervals: tuple[Interval, ...] = (Interval.MONTH, Interval.YEAR)
    is_default_for_kind: bool = False
    # List prices in the smallest unit of CURRENCY (cents), excluding VAT, per interval: per month
    # or per year for flat plans, per seat and per month or year for per-seat plans. The pricing
    # page shows these; the Stripe Prices of each environment are created with the same amounts.
    prices: MappingProxyType[Interval, int] = field(default_factory=lambda: MappingProxyType({}))

    def price_amount(self, interval: Interval | str) -> int | None:
        """The list price in cents for an interval, None when the plan has no public price."""
        return self.prices.get(Interval(interval))

    def price_id(self, interval: Interval | str) -> str:
        """The Stripe Price id configured for this plan and interval ('' if not configured)."""
        return settings.STRIPE_PRICES.get(f"{self.code}:{interval}", "")

    @property
    def is_per_seat(self) -> bool:
        return self.pricing == Pricing.PER_SEAT


# Every list price is in this currency (Stripe Prices included).
CURRENCY: Final = "EUR"


def _prices(month: int, year: int) -> MappingProxyType[Interval, int]:
    return MappingProxyType({Interval.MONTH: month, Interval.YEAR: year})


def _limits(**values: int | None) -> MappingProxyType[str, int | None]:
    return MappingProxyType(values)


PLANS: Final[MappingProxyType[str, Plan]] = MappingProxyType(
    {
        plan.code: plan
        for plan in (
            Plan(
                code="city_essential",
                name=_("City — Essential"),
                kind="city",
                pricing=Pricing.FLAT,
                trial_days=30,
                features=frozenset({"csv_export"}),
                limits=_limits(max_organizations=50, max_tenant_admins=5, max_custom_domains=0),
                is_default_for_kind=True,
                prices=_prices(4900, 49000),
            ),
            Plan(
                code="city_premium",
                name=_("City — Premium"),
                kind="city",
                pricing=Pricing.FLAT,
                trial_days=30,
                features=frozenset({"csv_export", "sso", "custom_domain", "advanced_reports"}),
                limits=_limits(
                    max_organizations=None, max_tenant_admins=None, max_custom_domains=3
                ),
                prices=_prices(14900, 149000),
            ),
            Plan(
                code="company_standard",
                name=_("Company — Standard"),
                kind="company",
                pricing=Pricing.PER_SEAT,
                trial_days=14,
                features=frozenset({"csv_export", "sso"}),
                limits=_limits(max_organizations=20, max_tenant_admins=10, max_custom_domains=0),
                is_default_for_kind=True,
                prices=_prices(400, 4000),
            ),
            Plan(
                code="company_enterprise",
                name=_("Company — Enterprise"),
                kind="company",
                pricing=Pricing.PER_SEAT,
                trial_days=14,
                features=frozenset({"csv_export", "sso", "custom_domain", "advanced_reports"}),
                limits=_limits(
                    max_organizations=None, max_tenant_admins=None, max_custom_domains=3
                ),
                prices=_prices(800, 8000),
            ),
        )
    }
)


def plan_get(code: str) -> Plan | None:
    return PLANS.get(code)


def plan_default_for_kind(kind: str) -> Plan:
    for plan in PLANS.values():
        if plan.kind == kind and plan.is_default_for_kind:
            return plan
    raise LookupError(f"No default plan for tenant kind {kind!r}")


def plans_for_kind(kind: str) -> list[Plan]:
    return [plan for plan in PLANS.values() if plan.kind == kind]


def plan_for_price_id(price_id: str) -> tuple[Plan, Interval] | None:
    """Map a Stripe Price id back to (plan, interval), e.g. when a subscription is changed in
    the Customer Portal."""
    if not price_id:
        return None
    for plan in PLANS.values():
        for interval in plan.intervals:
            if plan.price_id(interval) == price_id:
                return plan, interval
    return None

"""Reads of the product site: the plan catalogue as the pricing page shows it, the demo instances.

Every amount comes from billing.plans (PLANS, CURRENCY): nothing here or in the templates writes a
price. Money is formatted for the page's language: the amount before "€ HT / mois" in French,
after "€" and before "excl. VAT / month" in English.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.plans import CURRENCY, PLANS, Interval, Plan
from tenants.models import Tenant
from tenants.public_language import site_language
from tenants.selectors import tenant_list_public

# The languages of the product site, French first (the default).
CURRENCY_SYMBOLS = {"EUR": "€"}

# What each entitlement key of the catalogue means to a buyer. A key the catalogue gains without
# a label here fails tests/website/test_selectors.py.
FEATURE_LABELS: dict[str, str | Promise] = {
    "csv_export": gettext_lazy("Exports to CSV and spreadsheets"),
    "sso": gettext_lazy("Single sign-on (SAML, OpenID Connect)"),
    "custom_domain": gettext_lazy("Your own domain name"),
    "advanced_reports": gettext_lazy("Advanced reports (CSR report, certificates)"),
}
LIMIT_LABELS: dict[str, tuple[str | Promise, str | Promise]] = {
    # key: (label with a number, label when unlimited)
    "max_organizations": (
        gettext_lazy("Up to %(count)s organizations"),
        gettext_lazy("Unlimited organizations"),
    ),
    "max_tenant_admins": (
        gettext_lazy("Up to %(count)s administrators"),
        gettext_lazy("Unlimited administrators"),
    ),
    "max_custom_domains": (
        gettext_lazy("Up to %(count)s custom domains"),
        gettext_lazy("Unlimited custom domains"),
    ),
}


def _number(value: Decimal, language: str) -> str:
    whole = int(value)
    cents = int((value - whole) * 100)
    grouped = f"{whole:,}"
    if language == "fr":
        grouped = grouped.replace(",", "\u202f")
        return grouped if not cents else f"{grouped},{cents:02d}"
    return grouped if not cents else f"{grouped}.{cents:02d}"


def money_format(cents: int, *, language: str, currency: str = CURRENCY) -> str:
    """An amount in the page's language: the symbol after the number and a narrow space between
    thousands in French, the symbol first and a comma between thousands in English (cents only
    when there are some)."""
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    language = site_language(language)
    number = _number(Decimal(cents) / 100, language)
    return f"{number}\u00a0{symbol}" if language == "fr" else f"{symbol}{number}"


def price_format(plan: Plan, interval: Interval, *, language: str) -> str:
    """The list price as the pricing page writes it, with the tax and the interval (and "per
    person" for per-seat plans); '' without a price."""
    cents = plan.price_amount(interval)
    if cents is None:
        return ""
    money = money_format(cents, language=language)
    if plan.is_per_seat:
        if interval == Interval.YEAR:
            return _("%(price)s excl. VAT / person / year") % {"price": money}
        return _("%(price)s excl. VAT / person / month") % {"price": money}
    if interval == Interval.YEAR:
        return _("%(price)s excl. VAT / year") % {"price": money}
    return _("%(price)s excl. VAT / month") % {"price": money}


def yearly_saving_percent(plan: Plan) -> int:
    """How much a year paid at once saves against twelve months, in whole percent (0 if none)."""
    month, year = plan.price_amount(Interval.MONTH), plan.price_amount(Interval.YEAR)
    if not month or year is None or year >= 12 * month:
        return 0
    return int((12 * month - year) * 100 // (12 * month))


def signup_path(*, kind: str, plan: str, interval: str) -> str:
    """Where "Start free trial" leads: the sign-up form, which reads kind, plan and interval."""
    return "/signup/?" + urlencode({"kind": kind, "plan": plan, "interval": interval})


@dataclass(frozen=True)
class PlanCard:
    code: str
    name: str
    kind: str
    is_per_seat: bool
    trial_days: int
    price: str
    yearly_saving_percent: int
    features: list[str]
    signup_path: str


# A feature a limit line already says ("Up to 3 custom domains" says "your own domain").
FEATURES_SAID_BY_LIMITS = {"max_custom_domains": "custom_domain"}


def _plan_lines(plan: Plan) -> list[str]:
    lines: list[str] = []
    said: set[str] = set()
    for key, value in plan.limits.items():
        counted, unlimited = LIMIT_LABELS[key]
        if value == 0:
            continue
        lines.append(str(unlimited) if value is None else str(counted) % {"count": value})
        said.add(FEATURES_SAID_BY_LIMITS.get(key, ""))
    lines.extend(str(FEATURE_LABELS[key]) for key in sorted(plan.features) if key not in said)
    return lines


def plan_cards(*, interval: Interval, language: str) -> dict[str, list[PlanCard]]:
    """The catalogue's plans offered at this interval, by tenant kind (cities, then companies),
    in catalogue order. No query."""
    cards: dict[str, list[PlanCard]] = {kind: [] for kind in Tenant.Kind.values}
    for plan in PLANS.values():
        if interval not in plan.intervals or plan.price_amount(interval) is None:
            continue
        cards.setdefault(plan.kind, []).append(
            PlanCard(
                code=plan.code,
                name=str(plan.name),
                kind=plan.kind,
                is_per_seat=plan.is_per_seat,
                trial_days=plan.trial_days,
                price=price_format(plan, interval, language=language),
                yearly_saving_percent=yearly_saving_percent(plan),
                features=_plan_lines(plan),
                signup_path=signup_path(kind=plan.kind, plan=plan.code, interval=interval),
            )
        )
    return cards


def demo_instance_list() -> list[Tenant]:
    """The instances the home page shows: public ones only (tenant_list_public), by name. One
    query."""
    return list(tenant_list_public().order_by("name"))

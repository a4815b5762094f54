"""What a tenant may use: `entitlement_has(tenant, key)` and `entitlement_limit(tenant, key)`.

Every gated feature asks here, never compares plan names (Sentry's `features.has`). Keys are
registered below; asking for an unknown key raises `UnknownEntitlement` so a typo fails loudly in
tests instead of silently denying (or granting) a feature.

Resolution reads `tenant.billing_plan` (a Tenant field, carried by the host-routing cache) and the
in-code catalogue in `billing.plans`: no SQL, no Stripe call, no cache round trip. A tenant whose
plan code is empty or unknown gets its kind's default plan. Payment state does not change
entitlements: a suspended tenant keeps its plan, and `billing.middleware` blocks access instead.

Usage:

    from billing.entitlements import entitlement_has, entitlement_limit

    if not entitlement_has(tenant, "sso"):
        raise Http404  # or a 403 with an upgrade hint
    limit = entitlement_limit(tenant, "max_organizations")  # None = unlimited
    if limit is not None and count >= limit: ...
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from billing.plans import PLANS, Plan, plan_default_for_kind
from tenants.models import Tenant


class EntitlementKind(StrEnum):
    FEATURE = "feature"  # yes/no: entitlement_has
    LIMIT = "limit"  # a number or None (unlimited): entitlement_limit


@dataclass(frozen=True)
class Entitlement:
    key: str
    kind: EntitlementKind
    label: str | Promise


REGISTRY: Final[dict[str, Entitlement]] = {
    entitlement.key: entitlement
    for entitlement in (
        Entitlement("sso", EntitlementKind.FEATURE, _("Single sign-on (SAML, OpenID Connect)")),
        Entitlement("custom_domain", EntitlementKind.FEATURE, _("Custom domain")),
        Entitlement("advanced_reports", EntitlementKind.FEATURE, _("Advanced reports")),
        Entitlement("csv_export", EntitlementKind.FEATURE, _("CSV exports")),
        Entitlement("max_organizations", EntitlementKind.LIMIT, _("Organizations")),
        Entitlement("max_tenant_admins", EntitlementKind.LIMIT, _("Tenant administrators")),
        Entitlement("max_custom_domains", EntitlementKind.LIMIT, _("Custom domains")),
    )
}


class UnknownEntitlement(KeyError):
    pass


def _registered(key: str, kind: EntitlementKind) -> Entitlement:
    entitlement = REGISTRY.get(key)
    if entitlement is None:
        raise UnknownEntitlement(f"Unknown entitlement {key!r}")
    if entitlement.kind != kind:
        raise UnknownEntitlement(f"Entitlement {key!r} is a {entitlement.kind}, not a {kind}")
    return entitlement


def tenant_plan(tenant: Tenant | None) -> Plan | None:
    """The tenant's plan (its kind's default if unset); None for a non-tenant (public schema)."""
    kind = getattr(tenant, "kind", None)
    if kind is None:
        return None
    plan = PLANS.get(getattr(tenant, "billing_plan", "") or "")
    if plan is not None and plan.kind == kind:
        return plan
    try:
        return plan_default_for_kind(kind)
    except LookupError:
        return None


def seats_are_billed(tenant: Tenant | None) -> bool:
    """Whether the tenant pays per seat (its active users): then every change of its members
    needs a seat sync (accounts schedules "billing.tasks.seats_sync"). False outside a tenant."""
    plan = tenant_plan(tenant)
    return plan is not None and plan.is_per_seat and getattr(tenant, "pk", None) is not None


def entitlement_has(tenant: Tenant | None, key: str) -> bool:
    """Whether the tenant's plan includes the feature `key` (False outside a tenant)."""
    _registered(key, EntitlementKind.FEATURE)
    plan = tenant_plan(tenant)
    return plan is not None and key in plan.features


def entitlement_limit(tenant: Tenant | None, key: str) -> int | None:
    """The tenant's limit for `key`; None means unlimited. Outside a tenant: 0."""
    _registered(key, EntitlementKind.LIMIT)
    plan = tenant_plan(tenant)
    if plan is None:
        return 0
    return plan.limits.get(key, 0)


def entitlement_within_limit(tenant: Tenant | None, key: str, *, current: int) -> bool:
    """Whether one more item fits: `current` items exist, the limit is `entitlement_limit`."""
    limit = entitlement_limit(tenant, key)
    return limit is None or current < limit


class EntitlementMissing(PermissionDenied):
    """The tenant's plan does not include a feature (rendered as 403 by views and the API)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Your plan does not include {key!r}.")
        self.key = key


def entitlement_require(tenant: Tenant | None, key: str) -> None:
    """Raise `EntitlementMissing` (a PermissionDenied) unless the tenant's plan has `key`."""
    if not entitlement_has(tenant, key):
        raise EntitlementMissing(key)


def custom_domains_allowed(tenant: Tenant) -> int | None:
    """How many custom domains the tenant may have: 0 without the `custom_domain` feature, else
    its `max_custom_domains` (None = no limit). Registered with tenants/domains.py at start-up
    (billing/apps.py), which applies it when a domain is added or checked."""
    if not entitlement_has(tenant, "custom_domain"):
        return 0
    return entitlement_limit(tenant, "max_custom_domains")

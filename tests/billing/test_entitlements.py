"""Entitlements: what each plan allows, resolved from the Tenant with no query, gating features."""

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from billing.entitlements import (
    REGISTRY,
    EntitlementMissing,
    UnknownEntitlement,
    custom_domains_allowed,
    entitlement_has,
    entitlement_limit,
    entitlement_require,
    entitlement_within_limit,
    seats_are_billed,
)
from billing.errors import BillingError
from billing.models import BillingAccount, BillingAuditEntry
from billing.plans import PLANS, plan_default_for_kind
from billing.services import plan_assign
from tenants import domains
from tenants.routing import resolve_host

pytestmark = pytest.mark.django_db


def test_registry_lists_every_gated_feature():
    assert sorted(REGISTRY) == [
        "advanced_reports",
        "csv_export",
        "custom_domain",
        "max_custom_domains",
        "max_organizations",
        "max_tenant_admins",
        "sso",
    ]


def test_every_plan_is_sold_monthly_and_yearly_with_a_trial():
    assert sorted(PLANS) == [
        "city_essential",
        "city_premium",
        "company_enterprise",
        "company_standard",
    ]
    for plan in PLANS.values():
        assert set(plan.intervals) == {"month", "year"}
        assert plan.trial_days > 0
        assert set(plan.features) <= set(REGISTRY)
        assert set(plan.limits) <= set(REGISTRY)
    assert [p.is_per_seat for p in PLANS.values()] == [False, False, True, True]


def test_only_per_seat_plans_bill_seats(paris, acme):
    assert (seats_are_billed(paris), seats_are_billed(acme)) == (False, True)
    assert seats_are_billed(connection.tenant) is False  # public schema: no tenant
    assert seats_are_billed(None) is False


def test_test_tenants_start_on_their_kinds_default_plan(paris, montreal, acme):
    assert (paris.billing_plan, montreal.billing_plan, acme.billing_plan) == (
        "city_essential",
        "city_essential",
        "company_standard",
    )
    assert plan_default_for_kind("city").code == "city_essential"
    assert plan_default_for_kind("company").code == "company_standard"


def test_cities_on_the_essential_plan(paris, montreal):
    for city in (paris, montreal):
        assert entitlement_has(city, "csv_export") is True
        assert entitlement_has(city, "sso") is False
        assert entitlement_has(city, "custom_domain") is False
        assert entitlement_has(city, "advanced_reports") is False
        assert entitlement_limit(city, "max_organizations") == 50


def test_companies_on_the_standard_plan(acme):
    assert entitlement_has(acme, "sso") is True
    assert entitlement_has(acme, "csv_export") is True
    assert entitlement_has(acme, "custom_domain") is False
    assert entitlement_limit(acme, "max_organizations") == 20
    assert entitlement_within_limit(acme, "max_organizations", current=19) is True
    assert entitlement_within_limit(acme, "max_organizations", current=20) is False


def test_premium_limits_are_unlimited(paris):
    plan_assign(tenant=paris, plan_code="city_premium")

    assert entitlement_limit(paris, "max_organizations") is None
    assert entitlement_within_limit(paris, "max_organizations", current=10_000) is True


def test_entitlements_cost_no_query(paris, acme, django_assert_num_queries):
    with django_assert_num_queries(0):
        for _ in range(100):
            entitlement_has(paris, "sso")
            entitlement_has(acme, "csv_export")
            entitlement_limit(acme, "max_organizations")


def test_unknown_or_misused_keys_fail_loudly(paris):
    with pytest.raises(UnknownEntitlement):
        entitlement_has(paris, "sso_typo")
    with pytest.raises(UnknownEntitlement):
        entitlement_has(paris, "max_organizations")
    with pytest.raises(UnknownEntitlement):
        entitlement_limit(paris, "sso")


def test_outside_a_tenant_nothing_is_entitled(db):
    public = connection.tenant

    assert entitlement_has(public, "csv_export") is False
    assert entitlement_limit(public, "max_organizations") == 0


def test_require_raises_a_permission_error(paris, acme):
    entitlement_require(acme, "sso")
    with pytest.raises(EntitlementMissing):
        entitlement_require(paris, "sso")


def test_plan_change_reaches_the_next_request_through_the_routing_cache(paris):
    assert resolve_host(paris.primary_host).tenant.billing_plan == "city_essential"

    plan_assign(tenant=paris, plan_code="city_premium")

    routed = resolve_host(paris.primary_host).tenant
    assert routed.billing_plan == "city_premium"
    assert entitlement_has(routed, "sso") is True
    assert BillingAccount.objects.get(tenant=paris).plan_code == "city_premium"
    entry = BillingAuditEntry.objects.get(tenant=paris, action="plan_changed")
    assert entry.changes == {"billing_plan": ["city_essential", "city_premium"]}


def test_a_company_plan_cannot_be_given_to_a_city(paris):
    with pytest.raises(BillingError):
        plan_assign(tenant=paris, plan_code="company_enterprise")

    paris.refresh_from_db()
    assert paris.billing_plan == "city_essential"


@pytest.fixture
def admin_with_mfa(tenant_admin_user, signed_in):
    """A tenant admin with a second factor (admin areas require one)."""
    from allauth.mfa.models import Authenticator

    def make(tenant):
        admin = tenant_admin_user(tenant)
        with tenant_context(tenant):
            Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={})
        return signed_in(tenant, admin)

    return make


def test_a_plan_without_sso_cannot_open_the_sso_settings(admin_with_mfa, paris, acme):
    paris_page = admin_with_mfa(paris).get("/accounts/settings/sign-in/saml/")
    acme_page = admin_with_mfa(acme).get("/accounts/settings/sign-in/saml/")

    assert paris_page.status_code == 403
    assert acme_page.status_code == 200


def test_upgrading_to_a_plan_with_sso_opens_the_sso_settings(admin_with_mfa, paris):
    client = admin_with_mfa(paris)

    plan_assign(tenant=paris, plan_code="city_premium")

    assert client.get("/accounts/settings/sign-in/saml/").status_code == 200


def test_custom_domains_come_with_the_feature_and_a_number(paris, acme):
    """Plans with `custom_domain` allow `max_custom_domains` of them; the others none, whatever
    their number says."""
    for plan in PLANS.values():
        limit = plan.limits["max_custom_domains"]
        assert (limit > 0) == ("custom_domain" in plan.features), plan.code
    assert (custom_domains_allowed(paris), custom_domains_allowed(acme)) == (0, 0)
    assert entitlement_limit(paris, "max_custom_domains") == 0

    plan_assign(tenant=paris, plan_code="city_premium")
    plan_assign(tenant=acme, plan_code="company_enterprise")

    assert (custom_domains_allowed(paris), custom_domains_allowed(acme)) == (3, 3)


def test_billing_tells_tenants_how_many_custom_domains_a_plan_allows(paris):
    # tenants/domains.py asks through the function billing registered at start-up.
    assert domains._allowance is custom_domains_allowed
    assert domains.custom_domain_allowance(paris) == 0

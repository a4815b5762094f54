"""Custom domains (tenants/domains.py): the names accepted and refused, adding within the plan's
allowance, verifying against a real DNS server on loopback (tests/dns_server.py), routing that
follows at once, removal, the main address, and the periodic check with its backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from billing.services import plan_assign
from tenants.audit.models import AuditEvent
from tenants.dns import challenge_name
from tenants.domains import (
    CustomDomainNotAllowed,
    custom_domain_add,
    custom_domain_allowance,
    custom_domain_display,
    custom_domain_make_primary,
    custom_domain_name_clean,
    custom_domain_remove,
    custom_domain_verify,
    custom_domains_check_due,
    tenant_subdomain_make_primary,
)
from tenants.models import Domain
from tenants.tasks import custom_domains_check_due as custom_domains_check_due_task
from tests.accounts.conftest import make_user

pytestmark = pytest.mark.django_db

NAME = "benevolat.ville.example"
TARGET = "ingress.entraide.test"


@pytest.fixture(autouse=True)
def _english_messages():  # type: ignore[no-untyped-def]
    """Messages are asserted in English, their source language (a request may leave another
    language active in this thread)."""
    with translation.override("en"):
        yield


@pytest.fixture
def premium_paris(paris):  # type: ignore[no-untyped-def]
    return plan_assign(tenant=paris, plan_code="city_premium")


@pytest.fixture
def premium_montreal(montreal):  # type: ignore[no-untyped-def]
    return plan_assign(tenant=montreal, plan_code="city_premium")


def _records(zone, domain: Domain) -> None:  # type: ignore[no-untyped-def]
    zone.add(domain.domain, "CNAME", TARGET)
    zone.add(challenge_name(domain.domain), "TXT", domain.verification_token)


def _audit_actions(tenant) -> list[tuple[str, int | None, dict]]:  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        return list(
            AuditEvent.objects.filter(target_type="domain")
            .order_by("id")
            .values_list("action", "actor_id", "data")
        )


def _message(error: ValidationError) -> str:
    return " ".join(error.message_dict["domain"])


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("benevolat.example-city.fr", "benevolat.example-city.fr"),
        ("  Benevolat.Example-City.FR.  ", "benevolat.example-city.fr"),
        ("bénévolat.ville.fr", "xn--bnvolat-byab.ville.fr"),
        ("BÉNÉVOLAT.Ville.fr", "xn--bnvolat-byab.ville.fr"),
        ("xn--bnvolat-byab.ville.fr", "xn--bnvolat-byab.ville.fr"),
        ("jemengage.paris", "jemengage.paris"),
        ("a" * 63 + ".example.org", "a" * 63 + ".example.org"),
    ],
)
def test_names_are_stored_in_lower_case_ascii_without_the_final_dot(raw, stored):
    assert custom_domain_name_clean(raw) == stored


def test_a_punycode_name_reads_in_unicode():
    assert custom_domain_display("xn--bnvolat-byab.ville.fr") == "bénévolat.ville.fr"
    assert custom_domain_display("plain.example") == "plain.example"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "Enter a domain name"),
        ("benevolat", "full domain name"),
        ("benevolat.", "full domain name"),
        ("bene_volat.example.fr", "underscore"),
        ("_dmarc.example.fr", "underscore"),
        ("192.0.2.10", "IP address"),
        ("2001:db8::1", "IP address"),
        ("[2001:db8::1]", "IP address"),
        ("https://benevolat.example.fr", "without http://"),
        ("benevolat.example.fr/inscription", "without http://"),
        ("benevolat.example.fr:8443", "without a port"),
        ("*.example.fr", "wildcard"),
        ("benevolat..example.fr", "two dots"),
        ("benevolat.example.fr..", "two dots"),
        ("a" * 64 + ".example.fr", "at most 63 characters"),
        ("é" * 60 + ".example.fr", "at most 63 characters"),
        (".".join(["a" * 60] * 4) + ".example.fr", "at most 253 characters"),
        ("-benevolat.example.fr", "not a valid part"),
        ("benevolat-.example.fr", "not a valid part"),
        ("bene volat.example.fr", "not a valid part"),
        ("xn--a.example.fr", "not a valid part"),
        ("benevolat.example.123", "top-level domain"),
    ],
)
def test_malformed_names_are_refused_with_the_reason(raw, reason):
    with pytest.raises(ValidationError) as refused:
        custom_domain_name_clean(raw)

    assert reason in _message(refused.value)


# --- adding -----------------------------------------------------------------------------------


def test_plans_say_how_many_custom_domains(paris, acme):
    assert custom_domain_allowance(paris) == 0
    assert custom_domain_allowance(acme) == 0
    assert custom_domain_allowance(plan_assign(tenant=paris, plan_code="city_premium")) == 3
    assert custom_domain_allowance(plan_assign(tenant=acme, plan_code="company_enterprise")) == 3


def test_adding_a_domain_keeps_it_pending_with_a_token_and_audits_it(premium_paris, settings):
    admin = make_user(premium_paris, "domains-admin@paris.example", role="admin")
    before = timezone.now()

    domain = custom_domain_add(tenant=premium_paris, name="Bénévolat.Ville.Example", actor=admin)

    domain.refresh_from_db()
    assert domain.domain == "xn--bnvolat-byab.ville.example"
    assert domain.tenant_id == premium_paris.pk
    assert (domain.is_verified, domain.is_primary, domain.failed_checks) == (False, False, 0)
    assert len(domain.verification_token) == 32
    assert int(domain.verification_token, 16) >= 0
    assert domain.last_checked_at is None
    check = timedelta(seconds=settings.CUSTOM_DOMAIN_CHECK_SECONDS)
    assert before + check <= domain.next_check_at <= timezone.now() + check
    assert abs(domain.checks_until - domain.created_at - timedelta(days=7)) < timedelta(seconds=5)
    assert _audit_actions(premium_paris) == [
        ("domain.added", admin.pk, {"domain": "xn--bnvolat-byab.ville.example"})
    ]
    # The main address is still the subdomain.
    assert premium_paris.canonical_host == "paris.entraide.test"


def test_each_domain_gets_its_own_token(premium_paris):
    first = custom_domain_add(tenant=premium_paris, name="un.ville.example", actor=None)
    second = custom_domain_add(tenant=premium_paris, name="deux.ville.example", actor=None)

    assert first.verification_token != second.verification_token


def test_a_plan_without_custom_domains_refuses_and_creates_nothing(paris):
    before = Domain.objects.count()

    with pytest.raises(CustomDomainNotAllowed):
        custom_domain_add(tenant=paris, name=NAME, actor=None)

    assert Domain.objects.count() == before


@pytest.mark.parametrize(
    "name",
    [
        "entraide.test",
        "ENTRAIDE.test.",
        "paris.entraide.test",
        "montreal.entraide.test",
        "new-city.entraide.test",
        "deep.under.entraide.test",
        "ingress.entraide.test",
    ],
)
def test_the_platforms_own_names_are_refused(premium_paris, name):
    before = Domain.objects.count()

    with pytest.raises(ValidationError) as refused:
        custom_domain_add(tenant=premium_paris, name=name, actor=None)

    assert "belongs to the platform" in _message(refused.value)
    assert Domain.objects.count() == before


def test_a_cname_target_outside_the_base_domain_is_refused_too(premium_paris, settings):
    settings.PLATFORM_CNAME_TARGET = "edge.entraide-cdn.example"

    for name in ("edge.entraide-cdn.example", "x.edge.entraide-cdn.example"):
        with pytest.raises(ValidationError):
            custom_domain_add(tenant=premium_paris, name=name, actor=None)
    assert custom_domain_add(tenant=premium_paris, name="entraide-cdn.example", actor=None)


def test_a_domain_of_another_tenant_is_refused_verified_or_pending(premium_paris, premium_montreal):
    custom_domain_add(tenant=premium_montreal, name="pending.ville.example", actor=None)
    Domain.objects.create(
        domain="verified.ville.example", tenant=premium_montreal, is_primary=False, is_verified=True
    )
    before = list(Domain.objects.order_by("pk").values_list("pk", "tenant_id"))

    for name in ("pending.ville.example", "VERIFIED.ville.example."):
        with pytest.raises(ValidationError) as refused:
            custom_domain_add(tenant=premium_paris, name=name, actor=None)
        assert "used by another site" in _message(refused.value)

    assert list(Domain.objects.order_by("pk").values_list("pk", "tenant_id")) == before


def test_a_claim_left_unverified_past_its_period_lapses(premium_paris, premium_montreal):
    stale = custom_domain_add(tenant=premium_montreal, name=NAME, actor=None)
    Domain.objects.filter(pk=stale.pk).update(
        checks_until=timezone.now() - timedelta(minutes=1), next_check_at=None
    )

    domain = custom_domain_add(tenant=premium_paris, name=NAME, actor=None)

    assert domain.tenant_id == premium_paris.pk
    assert not Domain.objects.filter(pk=stale.pk).exists()
    assert domain.verification_token != stale.verification_token
    assert [action for action, _actor, _data in _audit_actions(premium_montreal)] == [
        "domain.added",
        "domain.removed",
    ]


def test_the_same_domain_twice_is_refused(premium_paris):
    custom_domain_add(tenant=premium_paris, name=NAME, actor=None)

    with pytest.raises(ValidationError) as refused:
        custom_domain_add(tenant=premium_paris, name=NAME.upper(), actor=None)

    assert "already in your list" in _message(refused.value)
    assert Domain.objects.filter(domain=NAME).count() == 1


def test_no_more_domains_than_the_plan_allows(premium_paris):
    for number in range(3):
        custom_domain_add(tenant=premium_paris, name=f"d{number}.ville.example", actor=None)

    with pytest.raises(ValidationError) as refused:
        custom_domain_add(tenant=premium_paris, name="d3.ville.example", actor=None)

    assert "Your plan includes 3 custom domains" in _message(refused.value)
    assert not Domain.objects.filter(domain="d3.ville.example").exists()
    # The platform's subdomain does not count; a removal frees a place.
    custom_domain_remove(domain=Domain.objects.get(domain="d0.ville.example"), actor=None)
    assert custom_domain_add(tenant=premium_paris, name="d3.ville.example", actor=None)


# --- verifying --------------------------------------------------------------------------------


def test_verified_once_both_records_are_right_then_it_routes(premium_paris, dns_zone):
    admin = make_user(premium_paris, "domains-admin@paris.example", role="admin")
    domain = custom_domain_add(tenant=premium_paris, name=NAME, actor=admin)
    # Asked before it is verified: a 404, remembered by the routing cache.
    assert Client(HTTP_HOST=NAME).get("/").status_code == 404
    _records(dns_zone, domain)

    verified = custom_domain_verify(domain=domain, actor=admin)

    assert verified.is_verified is True
    domain.refresh_from_db()
    assert domain.is_verified is True
    assert domain.verified_at == domain.last_checked_at is not None
    assert (domain.last_check_problems, domain.failed_checks, domain.next_check_at) == ([], 0, None)
    assert _audit_actions(premium_paris)[-1] == ("domain.verified", admin.pk, {"domain": NAME})
    response = Client(HTTP_HOST=NAME).get("/")
    assert response.status_code == 200
    assert b"<h1>Paris</h1>" in response.content


def test_a_failed_check_says_why_and_starts_a_new_checking_period(premium_paris, dns_zone):
    domain = custom_domain_add(tenant=premium_paris, name=NAME, actor=None)
    Domain.objects.filter(pk=domain.pk).update(
        failed_checks=5, checks_until=timezone.now() + timedelta(hours=1)
    )
    domain.refresh_from_db()
    dns_zone.add(NAME, "CNAME", TARGET)
    dns_zone.add(challenge_name(NAME), "TXT", "not-the-token")
    before = timezone.now()

    checked = custom_domain_verify(domain=domain, actor=None)

    domain.refresh_from_db()
    assert checked.is_verified is domain.is_verified is False
    assert domain.last_check_problems == [{"code": "txt_wrong", "found": "not-the-token"}]
    assert domain.last_checked_at >= before
    assert domain.failed_checks == 1
    assert domain.next_check_at - domain.last_checked_at == timedelta(minutes=10)
    assert domain.checks_until - domain.last_checked_at == timedelta(days=7)
    assert [action for action, *_ in _audit_actions(premium_paris)] == ["domain.added"]
    assert Client(HTTP_HOST=NAME).get("/").status_code == 404


@pytest.mark.parametrize(
    ("records", "problems"),
    [
        ({"CNAME": TARGET}, [{"code": "txt_missing", "found": ""}]),
        (
            {"CNAME": TARGET, "TXT": "wrong"},
            [{"code": "txt_wrong", "found": "wrong"}],
        ),
        (
            {"CNAME": "elsewhere.example", "TXT": "token"},
            [{"code": "cname_elsewhere", "found": "elsewhere.example"}],
        ),
        ({"A": "198.51.100.1", "TXT": "token"}, [{"code": "cname_missing", "found": ""}]),
        ({}, [{"code": "nxdomain", "found": ""}]),
        ({"silent": True}, [{"code": "timeout", "found": ""}]),
        ({"servfail": True}, [{"code": "dns_error", "found": ""}]),
    ],
    ids=[
        "txt-missing",
        "txt-wrong",
        "cname-elsewhere",
        "cname-missing",
        "nxdomain",
        "timeout",
        "dns-error",
    ],
)
def test_each_failure_is_recorded_with_its_reason(
    premium_paris, dns_zone, settings, records, problems
):
    settings.DNS_CHECK_TIMEOUT_SECONDS = 0.5
    domain = custom_domain_add(tenant=premium_paris, name=NAME, actor=None)
    dns_zone.add(TARGET, "A", "203.0.113.5")
    if "CNAME" in records:
        dns_zone.add(NAME, "CNAME", records["CNAME"])
    if "A" in records:
        dns_zone.add(NAME, "A", records["A"])
    if "TXT" in records:
        value = domain.verification_token if records["TXT"] == "token" else records["TXT"]
        dns_zone.add(challenge_name(NAME), "TXT", value)
    if records.get("silent"):
        dns_zone.silence(NAME)
    if records.get("servfail"):
        dns_zone.fail(NAME)

    custom_domain_verify(domain=domain, actor=None)

    domain.refresh_from_db()
    assert domain.is_verified is False
    assert domain.last_check_problems == problems


def test_verifying_a_verified_domain_asks_nothing(premium_paris, dns_zone):
    domain = Domain.objects.create(
        domain=NAME, tenant=premium_paris, is_primary=False, is_verified=True
    )

    assert custom_domain_verify(domain=domain, actor=None) is domain
    assert dns_zone.queries == []


def test_a_plan_without_custom_domains_cannot_verify(paris, dns_zone):
    domain = Domain.objects.create(domain=NAME, tenant=paris, is_primary=False)
    _records(dns_zone, domain)

    with pytest.raises(CustomDomainNotAllowed):
        custom_domain_verify(domain=domain, actor=None)

    domain.refresh_from_db()
    assert domain.is_verified is False
    assert dns_zone.queries == []


def test_a_domain_set_up_without_a_token_gets_one_to_verify(premium_paris, dns_zone):
    domain = Domain.objects.create(domain=NAME, tenant=premium_paris, is_primary=False)

    custom_domain_verify(domain=domain, actor=None)

    domain.refresh_from_db()
    assert len(domain.verification_token) == 32
    assert domain.last_check_problems == [{"code": "nxdomain", "found": ""}]


# --- removing, the main address -----------------------------------------------------------------


def test_a_removed_domain_stops_routing_at_once(premium_paris, dns_zone):
    admin = make_user(premium_paris, "domains-admin@paris.example", role="admin")
    domain = custom_domain_add(tenant=premium_paris, name=NAME, actor=admin)
    _records(dns_zone, domain)
    custom_domain_verify(domain=domain, actor=admin)
    assert Client(HTTP_HOST=NAME).get("/").status_code == 200  # cached now

    custom_domain_remove(domain=domain, actor=admin)

    assert not Domain.objects.filter(domain=NAME).exists()
    assert Client(HTTP_HOST=NAME).get("/").status_code == 404
    assert _audit_actions(premium_paris)[-1] == ("domain.removed", admin.pk, {"domain": NAME})


def test_a_verified_domain_becomes_the_main_address_and_back(premium_paris, dns_zone):
    domain = custom_domain_add(tenant=premium_paris, name=NAME, actor=None)
    _records(dns_zone, domain)
    custom_domain_verify(domain=domain, actor=None)

    custom_domain_make_primary(domain=domain, actor=None)

    assert premium_paris.canonical_host == NAME
    assert premium_paris.base_url == f"http://{NAME}:8000"
    assert Domain.objects.get(domain="paris.entraide.test").is_primary is False

    tenant_subdomain_make_primary(tenant=premium_paris, actor=None)

    assert premium_paris.canonical_host == "paris.entraide.test"
    assert Domain.objects.get(domain=NAME).is_primary is False
    assert [action for action, *_ in _audit_actions(premium_paris)] == [
        "domain.added",
        "domain.verified",
        "domain.made_primary",
        "domain.made_primary",
    ]


def test_an_unverified_domain_cannot_be_the_main_address(premium_paris):
    domain = custom_domain_add(tenant=premium_paris, name=NAME, actor=None)

    with pytest.raises(ValidationError):
        custom_domain_make_primary(domain=domain, actor=None)

    assert Domain.objects.get(domain="paris.entraide.test").is_primary is True
    assert premium_paris.canonical_host == "paris.entraide.test"


def test_removing_the_main_address_gives_the_subdomain_back(premium_paris, dns_zone):
    domain = custom_domain_add(tenant=premium_paris, name=NAME, actor=None)
    _records(dns_zone, domain)
    custom_domain_verify(domain=domain, actor=None)
    custom_domain_make_primary(domain=domain, actor=None)

    custom_domain_remove(domain=domain, actor=None)

    assert premium_paris.canonical_host == "paris.entraide.test"
    assert Domain.objects.get(domain="paris.entraide.test").is_primary is True


# --- the periodic check -------------------------------------------------------------------------


def _due(domain: Domain, *, now) -> None:  # type: ignore[no-untyped-def]
    Domain.objects.filter(pk=domain.pk).update(next_check_at=now - timedelta(seconds=1))


def test_the_periodic_check_verifies_a_due_domain(premium_paris, dns_zone):
    domain = custom_domain_add(tenant=premium_paris, name=NAME, actor=None)
    _records(dns_zone, domain)
    now = timezone.now() + timedelta(minutes=10)

    assert custom_domains_check_due(now=now) == 1

    domain.refresh_from_db()
    assert (domain.is_verified, domain.verified_at, domain.next_check_at) == (True, now, None)
    assert _audit_actions(premium_paris)[-1] == ("domain.verified", None, {"domain": NAME})
    assert Client(HTTP_HOST=NAME).get("/").status_code == 200


def test_domains_not_due_yet_are_left_alone(premium_paris, dns_zone):
    custom_domain_add(tenant=premium_paris, name=NAME, actor=None)  # due in 10 minutes

    assert custom_domains_check_due(now=timezone.now()) == 0
    assert dns_zone.queries == []


def test_the_periodic_check_waits_twice_as_long_after_each_failure(
    premium_paris, dns_zone, settings
):
    settings.CUSTOM_DOMAIN_CHECK_MAX_SECONDS = 3000
    domain = custom_domain_add(tenant=premium_paris, name=NAME, actor=None)
    now = timezone.now()
    delays = []
    for _ in range(5):
        _due(domain, now=now)
        assert custom_domains_check_due(now=now) == 1
        domain.refresh_from_db()
        delays.append((domain.next_check_at - now).total_seconds())

    assert delays == [600, 1200, 2400, 3000, 3000]
    assert domain.failed_checks == 5
    assert domain.last_check_problems == [{"code": "nxdomain", "found": ""}]


def test_the_periodic_check_gives_up_after_its_period(premium_paris, dns_zone):
    domain = custom_domain_add(tenant=premium_paris, name=NAME, actor=None)
    now = domain.checks_until - timedelta(minutes=5)
    _due(domain, now=now)

    assert custom_domains_check_due(now=now) == 1

    domain.refresh_from_db()
    assert domain.next_check_at is None  # the next one would fall after the period
    assert custom_domains_check_due(now=now + timedelta(days=30)) == 0
    # "Verify now" starts a new period.
    custom_domain_verify(domain=domain, actor=None)
    domain.refresh_from_db()
    assert domain.next_check_at is not None
    assert domain.checks_until > timezone.now() + timedelta(days=6)


def test_a_tenant_whose_plan_dropped_custom_domains_is_not_checked(premium_paris, dns_zone):
    domain = custom_domain_add(tenant=premium_paris, name=NAME, actor=None)
    _records(dns_zone, domain)
    plan_assign(tenant=premium_paris, plan_code="city_essential")
    now = timezone.now() + timedelta(minutes=10)

    assert custom_domains_check_due(now=now) == 0

    domain.refresh_from_db()
    assert (domain.is_verified, domain.next_check_at) == (False, None)
    assert dns_zone.queries == []


def test_the_periodic_check_runs_as_a_celery_task_on_beats_schedule(
    premium_paris, dns_zone, settings
):
    domain = custom_domain_add(tenant=premium_paris, name=NAME, actor=None)
    _records(dns_zone, domain)
    _due(domain, now=timezone.now())

    result = custom_domains_check_due_task.delay()

    assert result.get() == 1
    assert Domain.objects.get(pk=domain.pk).is_verified is True
    assert settings.CELERY_BEAT_SCHEDULE["custom-domains-check-due"] == {
        "task": "tenants.tasks.custom_domains_check_due",
        "schedule": 600,
    }


def test_the_periodic_check_takes_a_batch_at_a_time(premium_paris, premium_montreal, settings):
    settings.CUSTOM_DOMAIN_CHECK_BATCH = 2
    now = timezone.now()
    for number, tenant in enumerate([premium_paris, premium_paris, premium_montreal]):
        _due(custom_domain_add(tenant=tenant, name=f"d{number}.example", actor=None), now=now)

    assert custom_domains_check_due(now=now) == 2
    assert custom_domains_check_due(now=now) == 1
    assert custom_domains_check_due(now=now) == 0

"""DNS checks of custom domains (tenants/dns.py), asked of a real DNS server on loopback
(tests/dns_server.py) through dnspython: each record right, each way to be wrong, a DNS that does
not answer, and the resolver the settings describe."""

from __future__ import annotations

import time

import dns.message
import dns.query
import dns.resolver

from tenants.dns import (
    DnsProblem,
    DnsProblemCode,
    challenge_name,
    dns_resolver,
    domain_dns_check,
)

DOMAIN = "benevolat.ville.example"
TARGET = "ingress.entraide.test"
TOKEN = "4f1c0c1b9d7e4a52b8a5d3c2e1f00a9b"


def _check(domain: str = DOMAIN, token: str = TOKEN):  # type: ignore[no-untyped-def]
    return domain_dns_check(domain=domain, token=token, target=TARGET)


def _both_records(zone, domain: str = DOMAIN) -> None:  # type: ignore[no-untyped-def]
    zone.add(domain, "CNAME", TARGET)
    zone.add(challenge_name(domain), "TXT", TOKEN)


def test_the_challenge_lives_under_the_domain():
    assert challenge_name(DOMAIN) == "_entraide-challenge.benevolat.ville.example"


def test_both_records_right_is_ok_and_asked_of_the_loopback_server(dns_zone):
    _both_records(dns_zone)

    check = _check()

    assert check.is_ok is True
    assert check.problems == ()
    assert (DOMAIN, "CNAME") in dns_zone.queries
    assert (challenge_name(DOMAIN), "TXT") in dns_zone.queries


def test_the_target_is_compared_without_case_or_final_dot(dns_zone):
    dns_zone.add(DOMAIN, "CNAME", "INGRESS.Entraide.Test.")
    dns_zone.add(challenge_name(DOMAIN), "TXT", TOKEN)

    assert domain_dns_check(domain=DOMAIN, token=TOKEN, target="Ingress.entraide.test.").is_ok


def test_a_missing_txt_record_is_reported_alone(dns_zone):
    dns_zone.add(DOMAIN, "CNAME", TARGET)

    assert _check().problems == (DnsProblem(DnsProblemCode.TXT_MISSING),)


def test_a_txt_record_with_another_value_says_what_it_holds(dns_zone):
    dns_zone.add(DOMAIN, "CNAME", TARGET)
    dns_zone.add(challenge_name(DOMAIN), "TXT", "old-token")
    dns_zone.add(challenge_name(DOMAIN), "TXT", "v=spf1 -all")

    assert _check().problems == (
        DnsProblem(DnsProblemCode.TXT_WRONG, found="old-token, v=spf1 -all"),
    )


def test_the_token_among_other_txt_values_is_enough(dns_zone):
    dns_zone.add(DOMAIN, "CNAME", TARGET)
    dns_zone.add(challenge_name(DOMAIN), "TXT", "something else")
    dns_zone.add(challenge_name(DOMAIN), "TXT", f"  {TOKEN} ")

    assert _check().is_ok is True


def test_a_cname_to_another_name_says_where_it_points(dns_zone):
    dns_zone.add(DOMAIN, "CNAME", "old-host.provider.example")
    dns_zone.add("old-host.provider.example", "A", "192.0.2.10")
    dns_zone.add(challenge_name(DOMAIN), "TXT", TOKEN)

    assert _check().problems == (
        DnsProblem(DnsProblemCode.CNAME_ELSEWHERE, found="old-host.provider.example"),
    )


def test_a_chain_of_cnames_that_ends_at_the_platform_is_ok(dns_zone):
    dns_zone.add(DOMAIN, "CNAME", "proxy.ville.example")
    dns_zone.add("proxy.ville.example", "CNAME", TARGET)
    dns_zone.add(challenge_name(DOMAIN), "TXT", TOKEN)

    assert _check().is_ok is True


def test_a_name_without_cname_reports_it_missing(dns_zone):
    dns_zone.add(DOMAIN, "A", "198.51.100.7")
    dns_zone.add(TARGET, "A", "203.0.113.5")
    dns_zone.add(challenge_name(DOMAIN), "TXT", TOKEN)

    assert _check().problems == (DnsProblem(DnsProblemCode.CNAME_MISSING),)


def test_an_apex_name_with_the_platforms_addresses_passes(dns_zone):
    """A zone's apex cannot carry a CNAME; an ALIAS/flattened record gives it the target's
    addresses, which is as good."""
    dns_zone.add("ville.example", "A", "203.0.113.5")
    dns_zone.add(TARGET, "A", "203.0.113.5")
    dns_zone.add(TARGET, "A", "203.0.113.6")
    dns_zone.add(challenge_name("ville.example"), "TXT", TOKEN)

    assert _check("ville.example").is_ok is True


def test_both_records_wrong_are_both_reported(dns_zone):
    dns_zone.add(DOMAIN, "CNAME", "elsewhere.example")
    dns_zone.add(challenge_name(DOMAIN), "TXT", "nope")

    assert [problem.code for problem in _check().problems] == [
        DnsProblemCode.CNAME_ELSEWHERE,
        DnsProblemCode.TXT_WRONG,
    ]


def test_a_domain_that_does_not_exist_is_reported_alone(dns_zone):
    dns_zone.add("other.example", "A", "192.0.2.1")

    assert _check().problems == (DnsProblem(DnsProblemCode.NXDOMAIN),)


def test_a_silent_dns_is_a_timeout_within_the_checks_budget(dns_zone, settings):
    settings.DNS_CHECK_TIMEOUT_SECONDS = 0.6
    dns_zone.silence(DOMAIN)

    started = time.monotonic()
    check = _check()
    elapsed = time.monotonic() - started

    assert check.problems == (DnsProblem(DnsProblemCode.TIMEOUT),)
    assert 0.5 < elapsed < 2.0


def test_a_server_failure_is_a_dns_error(dns_zone):
    dns_zone.fail(DOMAIN)

    assert _check().problems == (DnsProblem(DnsProblemCode.DNS_ERROR),)


def test_without_the_server_fixture_nothing_answers_and_the_check_times_out(db, settings):
    """The test settings point at a loopback port where nothing listens (UDP says nothing back):
    a test that forgets the fixture fails within the budget and never reaches the network."""
    assert (settings.DNS_RESOLVER_NAMESERVERS, settings.DNS_RESOLVER_PORT) == (["127.0.0.1"], 9)

    started = time.monotonic()
    check = _check()

    assert check.problems == (DnsProblem(DnsProblemCode.TIMEOUT),)
    assert time.monotonic() - started < settings.DNS_CHECK_TIMEOUT_SECONDS + 0.5


def test_an_internationalized_domain_is_asked_in_punycode(dns_zone):
    ascii_name = "xn--bnvolat-byab.ville.example"  # bénévolat.ville.example
    _both_records(dns_zone, ascii_name)

    assert _check(ascii_name).is_ok is True
    assert (ascii_name, "CNAME") in dns_zone.queries


def test_the_resolver_asks_the_configured_servers_without_a_cache(settings):
    settings.DNS_RESOLVER_NAMESERVERS = ["127.0.0.1", "127.0.0.2"]
    settings.DNS_RESOLVER_PORT = 5353
    settings.DNS_CHECK_TIMEOUT_SECONDS = 4

    resolver = dns_resolver()

    assert resolver.nameservers == ["127.0.0.1", "127.0.0.2"]
    assert resolver.port == 5353
    assert resolver.cache is None
    assert resolver.lifetime == 4


def test_without_configured_servers_the_system_resolver_is_used(settings):
    settings.DNS_RESOLVER_NAMESERVERS = []

    resolver = dns_resolver()

    assert resolver.nameservers == dns.resolver.Resolver().nameservers
    assert resolver.port == 53


def test_the_loopback_server_answers_over_tcp_too(dns_zone, _dns_server):
    dns_zone.add(challenge_name(DOMAIN), "TXT", TOKEN)
    query = dns.message.make_query(challenge_name(DOMAIN), "TXT")

    response = dns.query.tcp(query, "127.0.0.1", port=_dns_server.port, timeout=2)

    (rrset,) = response.answer
    assert [b"".join(rdata.strings).decode() for rdata in rrset] == [TOKEN]

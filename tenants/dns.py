"""DNS checks of a custom domain (dnspython): does it point at the platform, and does it carry
its verification token?

Two records prove that a tenant may use a name: a CNAME to the platform (PLATFORM_CNAME_TARGET),
so that the name reaches the ingress, and a TXT record at `_entraide-challenge.<domain>` holding
the domain's random token, so that pointing a name at the platform is not enough to claim it for
some tenant. A name that cannot carry a CNAME (the apex of a zone, served by an ALIAS/ANAME or
"flattened" record) passes when every address it has is one of the target's.

The resolver comes from settings: DNS_RESOLVER_NAMESERVERS (empty: the system's resolver),
DNS_RESOLVER_PORT, and DNS_CHECK_TIMEOUT_SECONDS for a whole check, every look-up included, so a
"Verify now" answers promptly. Nothing is cached: a check sees the records as they are now.
Tests run a DNS server on loopback (tests/dns_server.py) and point these settings at it.

This module knows DNS only; what a check means for a Domain row is tenants/domains.py's part.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import dns.exception
import dns.name
import dns.rdata
import dns.resolver
from django.conf import settings

CHALLENGE_LABEL = "_entraide-challenge"
# CNAME chains longer than this are reported as pointing elsewhere.
_MAX_CNAME_CHAIN = 8
# A found TXT value is shown back to the admin; keep it short.
_FOUND_MAX_LENGTH = 200


class DnsProblemCode(StrEnum):
    NXDOMAIN = "nxdomain"  # the domain does not exist in the DNS (yet)
    TIMEOUT = "timeout"  # no answer in time
    DNS_ERROR = "dns_error"  # the servers answered with an error (SERVFAIL, REFUSED…) or none works
    CNAME_MISSING = "cname_missing"  # no CNAME, and the name's addresses are not the platform's
    CNAME_ELSEWHERE = "cname_elsewhere"  # a CNAME to another name
    TXT_MISSING = "txt_missing"  # no TXT record at the challenge name
    TXT_WRONG = "txt_wrong"  # TXT records there, none holding the token


@dataclass(frozen=True)
class DnsProblem:
    code: DnsProblemCode
    # What the DNS holds instead, when it says something useful (a CNAME target, TXT values).
    found: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "found": self.found}


@dataclass(frozen=True)
class DnsCheck:
    """The outcome of one check: no problem means both records are right."""

    problems: tuple[DnsProblem, ...]

    @property
    def is_ok(self) -> bool:
        return not self.problems


class _Unreachable(Exception):
    """The DNS could not be asked (timeout or server error): the check stops there."""

    def __init__(self, problem: DnsProblem) -> None:
        super().__init__(problem.code)
        self.problem = problem


def challenge_name(domain: str) -> str:
    """Where the TXT record goes: `_entraide-challenge.<domain>`."""
    return f"{CHALLENGE_LABEL}.{domain}"


def dns_resolver() -> dns.resolver.Resolver:
    """A resolver as settings say (the system's when no nameserver is set), without a cache."""
    nameservers = list(settings.DNS_RESOLVER_NAMESERVERS)
    resolver = dns.resolver.Resolver(configure=not nameservers)
    if nameservers:
        resolver.nameservers = nameservers
        resolver.port = settings.DNS_RESOLVER_PORT
    resolver.cache = None
    resolver.timeout = min(2.0, settings.DNS_CHECK_TIMEOUT_SECONDS)
    resolver.lifetime = settings.DNS_CHECK_TIMEOUT_SECONDS
    return resolver


class _Lookups:
    """Look-ups sharing one deadline; timeouts and server errors become `_Unreachable`."""

    def __init__(self, resolver: dns.resolver.Resolver, *, seconds: float) -> None:
        self._resolver = resolver
        self._deadline = time.monotonic() + seconds

    def ask(self, name: str, rdtype: str) -> dns.resolver.Answer:
        """The answer; raises dns.resolver.NXDOMAIN or NoAnswer as dnspython does."""
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise _Unreachable(DnsProblem(DnsProblemCode.TIMEOUT))
        try:
            return self._resolver.resolve(
                dns.name.from_text(name), rdtype, search=False, lifetime=remaining
            )
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            raise
        except dns.exception.Timeout:
            raise _Unreachable(DnsProblem(DnsProblemCode.TIMEOUT)) from None
        except dns.exception.DNSException:
            # NoNameservers (SERVFAIL, REFUSED, nothing listening), YXDOMAIN, malformed answers.
            raise _Unreachable(DnsProblem(DnsProblemCode.DNS_ERROR)) from None

    def addresses(self, name: str) -> set[str]:
        found: set[str] = set()
        for rdtype in ("A", "AAAA"):
            try:
                found |= {rdata.to_text() for rdata in self.ask(name, rdtype)}
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                continue
        return found


def _host(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True).lower()


def _pointing_problem(lookups: _Lookups, domain: str, target: str) -> DnsProblem | None:
    """None when `domain` leads to `target` (a CNAME, or a chain of them, or the same addresses)."""
    name = domain
    first_target = ""
    for _ in range(_MAX_CNAME_CHAIN):
        try:
            answer = lookups.ask(name, "CNAME")
        except dns.resolver.NXDOMAIN:
            if name == domain:
                return DnsProblem(DnsProblemCode.NXDOMAIN)
            break  # a CNAME to a name that does not exist
        except dns.resolver.NoAnswer:
            break
        cname = _host(answer[0].target)
        if cname == target:
            return None
        first_target = first_target or cname
        name = cname
    if first_target:
        return DnsProblem(DnsProblemCode.CNAME_ELSEWHERE, found=first_target)
    # No CNAME at all: an apex name may still reach the platform through flattened addresses.
    addresses = lookups.addresses(domain)
    if addresses and addresses <= lookups.addresses(target):
        return None
    return DnsProblem(DnsProblemCode.CNAME_MISSING)


def _txt_values(answer: Iterable[dns.rdata.Rdata]) -> list[str]:
    values = []
    for rdata in answer:
        strings = getattr(rdata, "strings", ())
        values.append(b"".join(strings).decode("utf-8", "replace").strip())
    return values


def _token_problem(lookups: _Lookups, domain: str, token: str) -> DnsProblem | None:
    try:
        answer = lookups.ask(challenge_name(domain), "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return DnsProblem(DnsProblemCode.TXT_MISSING)
    values = _txt_values(answer)
    if token in values:
        return None
    found = ", ".join(sorted(values))
    if len(found) > _FOUND_MAX_LENGTH:
        found = found[: _FOUND_MAX_LENGTH - 1] + "…"
    return DnsProblem(DnsProblemCode.TXT_WRONG, found=found)


def domain_dns_check(*, domain: str, token: str, target: str) -> DnsCheck:
    """Check both records of `domain` (an ASCII name, punycode for IDNs) against `token` and the
    CNAME `target`. Every problem found is reported; a domain that does not exist, or a DNS
    that does not answer, is reported alone (the rest cannot be told)."""
    target = target.lower().rstrip(".")
    try:
        lookups = _Lookups(dns_resolver(), seconds=settings.DNS_CHECK_TIMEOUT_SECONDS)
        pointing = _pointing_problem(lookups, domain, target)
        if pointing is not None and pointing.code == DnsProblemCode.NXDOMAIN:
            return DnsCheck(problems=(pointing,))
        token_problem = _token_problem(lookups, domain, token)
    except _Unreachable as unreachable:
        return DnsCheck(problems=(unreachable.problem,))
    except dns.resolver.NoResolverConfiguration:
        return DnsCheck(problems=(DnsProblem(DnsProblemCode.DNS_ERROR),))
    return DnsCheck(
        problems=tuple(problem for problem in (pointing, token_problem) if problem is not None)
    )


__all__ = [
    "CHALLENGE_LABEL",
    "DnsCheck",
    "DnsProblem",
    "DnsProblemCode",
    "challenge_name",
    "dns_resolver",
    "domain_dns_check",
]

"""Client addresses from the trusted proxy headers: one helper for every rate limit."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings

from tenants.client_ip import client_ip
from tests.accounts.conftest import PASSWORD, make_user, session_user_id

TOO_MANY = "Too many failed login attempts"


def _failures_per_address() -> int:
    """allauth's limit of failed sign-ins a minute per client address (ACCOUNT_RATE_LIMITS)."""
    from allauth.core.internal.ratelimit import parse_rates
    from django.conf import settings

    rates = parse_rates(settings.ACCOUNT_RATE_LIMITS["login_failed"])
    return next(rate.amount for rate in rates if rate.per == "ip" and rate.duration == 60)


FAILURES_PER_ADDRESS = _failures_per_address()


def _request(remote: str = "10.0.0.5", forwarded: str | None = None):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # no proxy: the header is the client's
        (1, "10.0.0.5", "198.51.100.1", "198.51.100.1"),
        (1, "10.0.0.5", "1.2.3.4, 198.51.100.1", "198.51.100.1"),  # a spoofed entry on the left
        (2, "10.0.0.5", "1.2.3.4, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (1, "10.0.0.5", "", "10.0.0.5"),  # not through the proxy (a probe inside the cluster)
        (2, "10.0.0.5", "198.51.100.1", "10.0.0.5"),  # fewer entries than proxies
        (1, "10.0.0.5", "not-an-address", "10.0.0.5"),
        (1, "10.0.0.5", "[2001:db8::1]:443", "2001:db8::1"),
        (1, "10.0.0.5", "198.51.100.1:51234", "198.51.100.1"),
        (0, "", None, None),
    ],
)
def test_client_ip(proxies, remote, forwarded, expected):
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(_request(remote, forwarded)) == expected


def _login(tenant, email: str, password: str, forwarded: str, remote: str = "10.0.0.5"):  # type: ignore[no-untyped-def]
    """A login POST as it arrives from the ingress: REMOTE_ADDR is the proxy."""
    client = Client(HTTP_HOST=tenant.primary_host, REMOTE_ADDR=remote)
    response = client.post(
        "/accounts/login/",
        {"login": email, "password": password},
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    return client, response


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_clients_behind_the_ingress_do_not_share_a_bucket(acme):
    """allauth's login limit (failures a minute per address) counts each client apart."""
    user = make_user(acme, "lea@acme.example")
    for number in range(FAILURES_PER_ADDRESS):
        _login(acme, f"nobody{number}@acme.example", "wrong", "198.51.100.1")

    attacker, blocked = _login(acme, "lea@acme.example", PASSWORD, "198.51.100.1")
    neighbour, allowed = _login(acme, "lea@acme.example", PASSWORD, "198.51.100.2")

    assert TOO_MANY in blocked.content.decode()
    assert session_user_id(acme, attacker) is None
    assert allowed.status_code == 302
    assert session_user_id(acme, neighbour) == str(user.pk)


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_client_cannot_escape_its_bucket_by_prepending_addresses(acme):
    make_user(acme, "lea@acme.example")
    for number in range(FAILURES_PER_ADDRESS):
        _login(acme, f"nobody{number}@acme.example", "wrong", f"192.0.2.{number}, 198.51.100.1")

    attacker, blocked = _login(acme, "lea@acme.example", PASSWORD, "192.0.2.99, 198.51.100.1")

    assert TOO_MANY in blocked.content.decode()
    assert session_user_id(acme, attacker) is None


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_the_forwarded_header_cannot_spoof_the_address(acme):
    make_user(acme, "lea@acme.example")
    for number in range(FAILURES_PER_ADDRESS):
        _login(acme, f"nobody{number}@acme.example", "wrong", f"192.0.2.{number}", "203.0.113.9")

    attacker, blocked = _login(acme, "lea@acme.example", PASSWORD, "192.0.2.200", "203.0.113.9")

    assert TOO_MANY in blocked.content.decode()
    assert session_user_id(acme, attacker) is None

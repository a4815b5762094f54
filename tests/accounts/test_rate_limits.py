"""Sign-in rate limits: counted per tenant (cache keys carry the schema); a whole company gets
in from one office address while password guessing is still stopped, per address and per
account (config/settings/base.py ACCOUNT_RATE_LIMITS, accounts.sign_in_limits)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client
from django_tenants.utils import tenant_context

from accounts.models import User
from tests.accounts.conftest import PASSWORD, login, make_user, session_user_id

TOO_MANY = "Too many failed login attempts. Try again later."


def test_failed_logins_for_an_address_are_limited_per_tenant(acme, paris, client_for):
    acme_user = make_user(acme, "bob@acme.example")
    paris_user = make_user(paris, "bob@acme.example")
    for _ in range(5):  # ACCOUNT_RATE_LIMITS login_failed: 5 per 5 minutes per address
        assert login(client_for(acme), "bob@acme.example", "wrong").status_code == 200

    acme_client, paris_client = client_for(acme), client_for(paris)
    blocked = login(acme_client, "bob@acme.example", PASSWORD)
    allowed = login(paris_client, "bob@acme.example", PASSWORD)

    assert blocked.status_code == 200
    assert TOO_MANY in blocked.content.decode()
    assert session_user_id(acme, acme_client) is None
    assert allowed.status_code == 302
    assert session_user_id(paris, paris_client) == str(paris_user.pk)
    assert acme_user.pk is not None


def test_failed_logins_from_an_address_are_limited_per_tenant(acme, montreal, client_for):
    make_user(acme, "carol@acme.example")
    montreal_user = make_user(montreal, "carol@acme.example")
    per_minute, _ = _rate("login_failed", "ip")
    for number in range(per_minute):  # failed attempts per minute per IP address
        assert login(client_for(acme), f"nobody{number}@acme.example", "x").status_code == 200

    blocked = login(client_for(acme), "carol@acme.example", PASSWORD)
    montreal_client = client_for(montreal)
    allowed = login(montreal_client, "carol@acme.example", PASSWORD)

    assert TOO_MANY in blocked.content.decode()
    assert allowed.status_code == 302
    assert session_user_id(montreal, montreal_client) == str(montreal_user.pk)


# --- a whole company from one office address ---------------------------------------------------

OFFICE = "203.0.113.7"
COMPANY_SIZE = 220


def _people(tenant, count: int) -> list[str]:
    """`count` employees with a password and a confirmed address (bulk: one insert each)."""
    emails = [f"employee{number:04d}@acme.example" for number in range(count)]
    with tenant_context(tenant):
        users = User.objects.bulk_create(
            [User(email=email, password=make_password(PASSWORD)) for email in emails]
        )
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user=user, email=user.email, primary=True, verified=True)
                for user in users
            ]
        )
    return emails


def _rate(action: str, per: str) -> tuple[int, float]:
    from allauth.core.internal.ratelimit import parse_rates

    rates = [rate for rate in parse_rates(settings.ACCOUNT_RATE_LIMITS[action]) if rate.per == per]
    return rates[0].amount, rates[0].duration


def test_the_configured_rates_let_2000_people_in_from_one_address_in_ten_minutes():
    amount, seconds = _rate("login", "ip")

    assert amount * (600 / seconds) >= 2000
    assert amount >= 300  # a morning rush: a third of them in the same minute


def test_a_whole_company_signs_in_from_one_address_within_a_minute(acme, client_for):
    emails = _people(acme, COMPANY_SIZE)
    statuses = []
    for email in emails:
        client = Client(HTTP_HOST=acme.primary_host, REMOTE_ADDR=OFFICE)
        statuses.append(login(client, email).status_code)

    assert statuses == [302] * COMPANY_SIZE
    assert session_user_id(acme, client) is not None


def test_guessing_one_password_from_one_address_is_stopped(acme, client_for):
    make_user(acme, "target@acme.example")
    answers = [
        login(
            Client(HTTP_HOST=acme.primary_host, REMOTE_ADDR=OFFICE),
            "target@acme.example",
            f"guess{n}",
        )
        for n in range(5)
    ]
    client = Client(HTTP_HOST=acme.primary_host, REMOTE_ADDR=OFFICE)

    blocked = login(client, "target@acme.example", PASSWORD)

    assert [answer.status_code for answer in answers] == [200] * 5
    assert TOO_MANY in blocked.content.decode()
    assert session_user_id(acme, client) is None


def test_guessing_one_password_from_many_addresses_is_stopped(acme, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    make_user(acme, "target@acme.example")

    def from_address(number: int) -> Client:
        return Client(
            HTTP_HOST=acme.primary_host,
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )

    for number in range(5):
        assert (
            login(from_address(number), "target@acme.example", f"guess{number}").status_code == 200
        )
    client = from_address(99)

    blocked = login(client, "target@acme.example", PASSWORD)

    assert TOO_MANY in blocked.content.decode()
    assert session_user_id(acme, client) is None


def test_guessing_many_accounts_from_one_address_is_stopped(acme):
    per_minute, _ = _rate("login_failed", "ip")
    make_user(acme, "last@acme.example")
    for number in range(per_minute):
        client = Client(HTTP_HOST=acme.primary_host, REMOTE_ADDR=OFFICE)
        assert login(client, f"nobody{number}@acme.example", "x").status_code == 200
    client = Client(HTTP_HOST=acme.primary_host, REMOTE_ADDR=OFFICE)

    blocked = login(client, "last@acme.example", PASSWORD)

    assert TOO_MANY in blocked.content.decode()
    assert session_user_id(acme, client) is None


def test_one_account_signing_in_without_end_is_stopped(acme, settings):
    settings.ACCOUNTS_SIGN_IN_RATE_LIMITS = {
        **settings.ACCOUNTS_SIGN_IN_RATE_LIMITS,
        "sign_in_account": "3/10m/key",
    }
    make_user(acme, "script@acme.example")
    make_user(acme, "colleague@acme.example")
    answers = [
        login(Client(HTTP_HOST=acme.primary_host), "script@acme.example").status_code
        for _ in range(4)
    ]
    colleague = Client(HTTP_HOST=acme.primary_host)

    assert answers == [302, 302, 302, 429]
    assert login(colleague, "colleague@acme.example").status_code == 302


def test_sso_sign_ins_are_limited_per_connection(acme, client_for, acme_saml, settings):
    from tests.accounts.sso.saml_flow import post_to_acs, respond, start_login

    settings.ACCOUNTS_SIGN_IN_RATE_LIMITS = {
        **settings.ACCOUNTS_SIGN_IN_RATE_LIMITS,
        "sign_in_sso_connection": "1/m/key",
    }
    first = client_for(acme)
    signed_in = post_to_acs(first, respond(acme_saml, start_login(first, acme_saml)))
    second = client_for(acme)
    refused = post_to_acs(second, respond(acme_saml, start_login(second, acme_saml)))

    assert signed_in.status_code == 302
    assert refused.status_code == 429
    assert 'data-code="rate_limited"' in refused.content.decode()
    assert session_user_id(acme, second) is None

"""Which hosts are served: the base domain, tenant subdomains and verified custom domains. A
missing or malformed Host is a 400, an unknown host a 404 page, never the public site; e-mail
links are built on the tenant's canonical domain whatever Host the request came in on."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from tenants.models import Domain
from tests.accounts.conftest import make_user


def test_allowed_hosts_are_the_base_domain_and_its_subdomains():
    # (Django's test set-up appends "testserver".)
    assert settings.ALLOWED_HOSTS[:2] == ["entraide.test", ".entraide.test"]
    assert "*" not in settings.ALLOWED_HOSTS


def test_a_request_without_host_is_a_400_not_the_public_site(db):
    response = Client().get("/")  # the test client sends SERVER_NAME only

    assert response.status_code == 400
    assert b"Bad request" in response.content
    assert b"Our instances" not in response.content


@pytest.mark.parametrize(
    "host",
    [
        "paris.entraide.test\x00",
        "paris.entraide.test\r\nX-Injected: 1",
        "paris entraide.test",
        "paris.entraide.test/evil",
        "user@paris.entraide.test",
        "paris.entraide.test:80:80",
        "[::1",
        "pàris.entraide.test",
        "paris.entraide.test:port",
    ],
)
def test_a_malformed_host_is_a_400(db, host):
    response = Client(HTTP_HOST=host).get("/")

    assert response.status_code == 400
    assert b"Bad request" in response.content


def test_an_unknown_host_is_a_404_page(db):
    response = Client(HTTP_HOST="evil.example").post("/accounts/login/", {"login": "x"})

    assert response.status_code == 404
    assert b"evil.example" in response.content


@pytest.mark.parametrize(
    "host",
    ["entraide.test", "paris.entraide.test", "PARIS.entraide.test.", "paris.entraide.test:8000"],
)
def test_base_domain_and_subdomains_are_served(paris, host):
    assert Client(HTTP_HOST=host).get("/").status_code == 200


def test_a_verified_custom_domain_passes_django_host_checks(paris):
    """CommonMiddleware and CSRF read request.get_host(): a custom domain the routing accepted
    must pass them (it is not in ALLOWED_HOSTS), with a CSRF-checked POST as proof."""
    Domain.objects.create(
        domain="benevolat.paris.example", tenant=paris, is_primary=False, is_verified=True
    )
    make_user(paris, "lea@example.org")
    client = Client(HTTP_HOST="benevolat.paris.example", enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None

    response = client.post(
        "/accounts/login/",
        {"login": "lea@example.org", "password": "wrong", "csrfmiddlewaretoken": token.group(1)},
        HTTP_ORIGIN="http://benevolat.paris.example",
    )

    assert page.status_code == 200
    assert response.status_code == 200  # the form again, with its error: not a 400 or 403
    assert 'id="form_non_field_errors"' in response.content.decode()


def test_an_unverified_custom_domain_is_a_404(paris):
    Domain.objects.create(domain="benevolat.paris.example", tenant=paris, is_primary=False)

    assert Client(HTTP_HOST="benevolat.paris.example").get("/").status_code == 404


def test_canonical_origin_is_the_primary_verified_domain(paris):
    assert paris.base_url == "http://paris.entraide.test:8000"

    Domain.objects.create(
        domain="jemengage.paris.example", tenant=paris, is_primary=True, is_verified=True
    )

    assert paris.base_url == "http://jemengage.paris.example:8000"


def test_reset_link_uses_the_canonical_domain_not_the_request_host(paris):
    Domain.objects.create(
        domain="benevolat.paris.example", tenant=paris, is_primary=False, is_verified=True
    )
    make_user(paris, "lea@example.org")

    response = Client(
        HTTP_HOST="benevolat.paris.example", HTTP_X_FORWARDED_HOST="evil.example"
    ).post("/accounts/password/reset/", {"email": "lea@example.org"})

    assert response.status_code == 302
    (message,) = mail.outbox
    hosts = set(re.findall(r"https?://([^/\s]+)", message.body))
    assert hosts == {"paris.entraide.test:8000"}
    assert "/accounts/password/reset/key/" in message.body


def test_confirmation_link_uses_the_canonical_domain_not_the_request_host(paris):
    Domain.objects.create(
        domain="benevolat.paris.example", tenant=paris, is_primary=False, is_verified=True
    )
    password = "correct horse battery staple"

    Client(HTTP_HOST="benevolat.paris.example").post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": password,
            "password2": password,
            "accept_terms": "on",
        },
    )

    (message,) = mail.outbox
    hosts = set(re.findall(r"https?://([^/\s]+)", message.body))
    assert hosts == {"paris.entraide.test:8000"}
    assert "/accounts/confirm-email/" in message.body
    assert "benevolat.paris.example" not in message.body

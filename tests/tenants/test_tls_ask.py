"""The TLS edge's question (tenants/tls.py): may a certificate be obtained for this name? Yes only
for a verified custom domain of a routed tenant; never for an unknown, unverified, deprovisioned
or platform name, whoever asks and on whichever host."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants.models import Domain, Tenant
from tenants.tls import TLS_ASK_PATH, certificate_allowed

pytestmark = pytest.mark.django_db

PARIS_DOMAIN = "jemengage.paris.fr"
MONTREAL_PENDING = "benevolat.montreal.ca"


@pytest.fixture
def domains(paris, montreal):  # type: ignore[no-untyped-def]
    Domain.objects.create(domain=PARIS_DOMAIN, tenant=paris, is_primary=False, is_verified=True)
    Domain.objects.create(domain=MONTREAL_PENDING, tenant=montreal, is_primary=False)


def _ask(domain: str | None, *, host: str = "entraide-web.entraide.svc", method: str = "get"):  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST=host)
    data = {} if domain is None else {"domain": domain}
    return getattr(client, method)(TLS_ASK_PATH, data)


def test_a_verified_custom_domain_may_get_a_certificate(domains):
    response = _ask(PARIS_DOMAIN)

    assert response.status_code == 200
    assert response.json() == {"domain": PARIS_DOMAIN, "allowed": True}
    # As the edge may send it: upper case, a trailing dot.
    assert _ask("JeMengage.Paris.FR.").status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        MONTREAL_PENDING,  # claimed by another tenant, not verified
        "unknown.example.org",  # nobody's
        "entraide.test",  # the platform's own name: the wildcard certificate covers it
        "paris.entraide.test",  # a tenant's platform subdomain: the same
        "nowhere.entraide.test",
    ],
)
def test_other_names_are_refused(domains, name):
    response = _ask(name)

    assert response.status_code == 404
    assert response.json() == {"domain": name, "allowed": False}
    assert certificate_allowed(name) is False


def test_the_answer_does_not_depend_on_the_host_that_asks(domains, paris, montreal):
    for host in ("paris.entraide.test", PARIS_DOMAIN, "entraide.test", "unknown.example.org"):
        assert _ask(PARIS_DOMAIN, host=host).status_code == 200
        assert _ask(MONTREAL_PENDING, host=host).status_code == 404


def test_a_domain_stops_being_allowed_once_removed_or_its_tenant_disabled(domains, paris):
    assert _ask(PARIS_DOMAIN).status_code == 200

    Tenant.objects.filter(pk=paris.pk).update(status=Tenant.Status.DISABLED)
    paris.refresh_from_db()
    paris.save()  # the routing cache follows Tenant rows (save signals)
    assert _ask(PARIS_DOMAIN).status_code == 404

    paris.status = Tenant.Status.ACTIVE
    paris.save()
    assert _ask(PARIS_DOMAIN).status_code == 200
    Domain.objects.filter(domain=PARIS_DOMAIN).delete()
    assert _ask(PARIS_DOMAIN).status_code == 404


def test_a_suspended_tenants_domain_keeps_its_certificate(domains, paris):
    # Its hosts answer the suspended page over HTTPS: the certificate is still needed.
    paris.status = Tenant.Status.SUSPENDED
    paris.save()

    assert _ask(PARIS_DOMAIN).status_code == 200


def test_verifying_a_domain_allows_it_at_once(domains):
    assert _ask(MONTREAL_PENDING).status_code == 404

    domain = Domain.objects.get(domain=MONTREAL_PENDING)
    domain.is_verified = True
    domain.save()

    assert _ask(MONTREAL_PENDING).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        None,
        "",
        "localhost",
        "jemengage.paris.fr:443",
        "127.0.0.1",
        "[::1]",
        "https://jemengage.paris.fr",
        "jemengage.paris.fr/x",
        "-bad.paris.fr",
        "a..paris.fr",
        "pàris.fr",
        "a" * 64 + ".fr",
        ("a" * 60 + ".") * 5 + "fr",
    ],
    ids=[
        "missing",
        "empty",
        "single-label",
        "port",
        "ipv4",
        "ipv6",
        "url",
        "path",
        "hyphen",
        "empty-label",
        "unicode",
        "long-label",
        "long-name",
    ],
)
def test_a_malformed_question_is_a_400(domains, name):
    response = _ask(name)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == ["domain"]


def test_only_get_is_answered(domains):
    response = _ask(PARIS_DOMAIN, method="post")

    assert response.status_code == 405
    assert response["Allow"] == "GET"

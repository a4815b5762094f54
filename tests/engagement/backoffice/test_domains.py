"""/gestion/domaines/: a tenant admin adds a custom domain, reads the DNS records to create,
verifies them against a real DNS server on loopback, and the domain then serves the tenant's
site; failures say why; refusals leave nothing behind; the `custom_domain` entitlement gates the
page; moderators and volunteers are refused; another tenant's domain is a 404."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from billing.services import plan_assign
from tenants.audit.models import AuditEvent
from tenants.dns import challenge_name
from tenants.domains import custom_domain_add
from tenants.models import Domain

pytestmark = pytest.mark.django_db

PAGE = "/gestion/domaines/"
TARGET = "ingress.entraide.test"
NAME = "benevolat.ville.example"


@pytest.fixture
def premium(paris):  # type: ignore[no-untyped-def]
    """Paris on a plan with custom domains (3)."""
    return plan_assign(tenant=paris, plan_code="city_premium")


@pytest.fixture
def english_premium(acme):  # type: ignore[no-untyped-def]
    """Acme (English) on a plan with custom domains."""
    return plan_assign(tenant=acme, plan_code="company_enterprise")


def _records(zone, domain: Domain) -> None:  # type: ignore[no-untyped-def]
    zone.add(domain.domain, "CNAME", TARGET)
    zone.add(challenge_name(domain.domain), "TXT", domain.verification_token)


def _field_errors(page: str) -> list[str]:
    return re.findall(r'<ul class="errorlist"[^>]*><li>(.*?)</li>', page)


def _domain_urls(domain_id: int) -> list[tuple[str, str]]:
    return [
        ("get", PAGE),
        ("post", PAGE),
        ("post", f"{PAGE}{domain_id}/verifier/"),
        ("get", f"{PAGE}{domain_id}/supprimer/"),
        ("post", f"{PAGE}{domain_id}/supprimer/"),
        ("post", f"{PAGE}{domain_id}/principal/"),
        ("post", f"{PAGE}adresse-principale/"),
    ]


# --- who may -----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(premium, client_for):
    domain = custom_domain_add(tenant=premium, name=NAME, actor=None)

    for method, url in _domain_urls(domain.pk):
        response = getattr(client_for(premium), method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=/gestion/domaines/")


@pytest.mark.parametrize("role", ["volunteer", "moderator"])
def test_volunteers_and_moderators_are_refused(
    premium, backoffice_volunteer, backoffice_moderator, role
):
    client = (backoffice_volunteer if role == "volunteer" else backoffice_moderator)(premium)
    domain = custom_domain_add(tenant=premium, name=NAME, actor=None)

    for method, url in _domain_urls(domain.pk):
        assert getattr(client, method)(url, {"domain": "x.example"}).status_code == 403, url
    assert Domain.objects.get(pk=domain.pk).domain == NAME
    assert not Domain.objects.filter(domain="x.example").exists()


def test_the_nav_links_the_page_for_admins_only(premium, backoffice_admin, backoffice_moderator):
    assert f'href="{PAGE}"' in backoffice_admin(premium).get("/gestion/").content.decode()
    assert f'href="{PAGE}"' not in backoffice_moderator(premium).get("/gestion/").content.decode()


def test_a_tenant_admin_reads_the_page_in_french(premium, backoffice_admin):
    response = backoffice_admin(premium).get(PAGE)
    page = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert "<h1>Domaine personnalisé</h1>" in page
    assert 'aria-current="page">Domaine personnalisé</a>' in page
    assert "Certificat HTTPS" in page
    assert "Votre formule comprend 3 domaines personnalisés (0 utilisés)." in page
    assert "Ajouter le domaine" in page


# --- the entitlement ----------------------------------------------------------------------------


def test_without_the_entitlement_the_page_explains_and_links_to_the_plans(paris, backoffice_admin):
    response = backoffice_admin(paris).get(PAGE)
    page = response.content.decode()

    assert response.status_code == 200
    assert 'data-code="custom_domain_not_entitled"' in page
    assert "Votre formule ne comprend pas de domaine personnalisé" in page
    assert 'href="/billing/"' in page
    assert 'name="domain"' not in page


def test_without_the_entitlement_every_change_is_refused(paris, backoffice_admin, dns_zone):
    client = backoffice_admin(paris)
    domain = Domain.objects.create(domain=NAME, tenant=paris, is_primary=False)
    _records(dns_zone, Domain(domain=NAME, verification_token=""))
    before = list(Domain.objects.order_by("pk").values_list("pk", "domain", "is_verified"))

    for method, url in _domain_urls(domain.pk):
        if (method, url) == ("get", PAGE):
            continue  # the explanation (above)
        response = getattr(client, method)(url, {"domain": "autre.ville.example"})
        assert response.status_code == 403, url

    assert list(Domain.objects.order_by("pk").values_list("pk", "domain", "is_verified")) == before
    assert dns_zone.queries == []


# --- end to end ---------------------------------------------------------------------------------


def test_add_verify_and_the_domain_serves_the_site(premium, backoffice_admin, dns_zone):
    client = backoffice_admin(premium)

    added = client.post(PAGE, {"domain": "Bénévolat.Ville.Example"})

    domain = Domain.objects.get(tenant=premium, domain="xn--bnvolat-byab.ville.example")
    assert added.status_code == 302
    assert added["Location"] == f"{PAGE}#domain-{domain.pk}"
    page = client.get(PAGE).content.decode()
    assert "bénévolat.ville.example</h2>" in page
    assert 'data-status="pending"' in page
    assert (
        '<tr data-record="CNAME"><th scope="row">CNAME</th>'
        "<td><code>xn--bnvolat-byab.ville.example</code></td>"
        f"<td><code>{TARGET}</code></td></tr>"
    ) in page
    assert (
        '<tr data-record="TXT"><th scope="row">TXT</th>'
        "<td><code>_entraide-challenge.xn--bnvolat-byab.ville.example</code></td>"
        f"<td><code>{domain.verification_token}</code></td></tr>"
    ) in page
    assert "Pas encore vérifié" in page
    assert Client(HTTP_HOST=domain.domain).get("/").status_code == 404

    # Nothing in the DNS yet: the page says so.
    client.post(f"{PAGE}{domain.pk}/verifier/")
    page = client.get(PAGE).content.decode()
    assert "bénévolat.ville.example n’existe pas encore dans le DNS" in page
    assert "Pas encore vérifié" not in page

    _records(dns_zone, domain)
    verified = client.post(f"{PAGE}{domain.pk}/verifier/", follow=True)

    page = verified.content.decode()
    assert "bénévolat.ville.example est vérifié" in page
    assert 'data-status="verified"' in page
    assert 'data-record="TXT"' not in page
    home = Client(HTTP_HOST=domain.domain).get("/")
    assert home.status_code == 200
    assert b"<h1>Paris</h1>" in home.content
    with tenant_context(premium):
        actions = list(
            AuditEvent.objects.filter(target_type="domain", actor=client.user)
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert actions == ["domain.added", "domain.verified"]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"CNAME": TARGET}, "No TXT record at _entraide-challenge.benevolat.ville.example yet."),
        (
            {"CNAME": TARGET, "TXT": "stale-value"},
            "The TXT record at _entraide-challenge.benevolat.ville.example holds “stale-value” "
            "instead of the value below.",
        ),
        (
            {"CNAME": "old.hosting.example", "TXT": "token"},
            "The CNAME record of benevolat.ville.example points to old.hosting.example instead "
            f"of {TARGET}: change it.",
        ),
        (
            {"A": "198.51.100.4", "TXT": "token"},
            f"benevolat.ville.example has no CNAME record: create one pointing to {TARGET}.",
        ),
        ({}, "benevolat.ville.example does not exist in the DNS yet"),
        ({"silent": True}, "The DNS servers did not answer in time."),
        ({"servfail": True}, "The DNS servers answered with an error."),
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
def test_each_failure_is_shown_with_its_reason(
    english_premium, backoffice_admin, dns_zone, settings, setup, message
):
    settings.DNS_CHECK_TIMEOUT_SECONDS = 0.5
    client = backoffice_admin(english_premium)
    domain = custom_domain_add(tenant=english_premium, name=NAME, actor=None)
    dns_zone.add(TARGET, "A", "203.0.113.5")
    if "CNAME" in setup:
        dns_zone.add(NAME, "CNAME", setup["CNAME"])
    if "A" in setup:
        dns_zone.add(NAME, "A", setup["A"])
    if "TXT" in setup:
        value = domain.verification_token if setup["TXT"] == "token" else setup["TXT"]
        dns_zone.add(challenge_name(NAME), "TXT", value)
    if setup.get("silent"):
        dns_zone.silence(NAME)
    if setup.get("servfail"):
        dns_zone.fail(NAME)

    response = client.post(f"{PAGE}{domain.pk}/verifier/", follow=True)

    page = response.content.decode()
    assert response.status_code == 200
    assert "benevolat.ville.example is not verified yet" in page
    assert message in page
    assert "data-last-check>Not checked yet" not in page
    assert Domain.objects.get(pk=domain.pk).is_verified is False
    assert Client(HTTP_HOST=NAME).get("/").status_code == 404


def test_a_verified_domain_becomes_the_main_address_and_back(premium, backoffice_admin, dns_zone):
    client = backoffice_admin(premium)
    domain = custom_domain_add(tenant=premium, name=NAME, actor=None)
    _records(dns_zone, domain)
    client.post(f"{PAGE}{domain.pk}/verifier/")

    client.post(f"{PAGE}{domain.pk}/principal/")

    assert premium.canonical_host == NAME
    assert f'data-main-host="{NAME}"' in client.get(PAGE).content.decode()

    client.post(f"{PAGE}adresse-principale/")

    assert premium.canonical_host == "paris.entraide.test"


def test_an_unverified_domain_cannot_become_the_main_address(premium, backoffice_admin):
    client = backoffice_admin(premium)
    domain = custom_domain_add(tenant=premium, name=NAME, actor=None)

    response = client.post(f"{PAGE}{domain.pk}/principal/", follow=True)

    assert "ne peut pas devenir l’adresse principale" in response.content.decode()
    assert premium.canonical_host == "paris.entraide.test"


def test_removing_asks_first_then_the_domain_stops_serving(premium, backoffice_admin, dns_zone):
    client = backoffice_admin(premium)
    domain = custom_domain_add(tenant=premium, name=NAME, actor=None)
    _records(dns_zone, domain)
    client.post(f"{PAGE}{domain.pk}/verifier/")
    assert Client(HTTP_HOST=NAME).get("/").status_code == 200

    confirm = client.get(f"{PAGE}{domain.pk}/supprimer/")
    assert confirm.status_code == 200
    assert "Retirer benevolat.ville.example ?" in confirm.content.decode()
    assert Domain.objects.filter(pk=domain.pk).exists()

    removed = client.post(f"{PAGE}{domain.pk}/supprimer/")

    assert removed.status_code == 302
    assert not Domain.objects.filter(pk=domain.pk).exists()
    assert Client(HTTP_HOST=NAME).get("/").status_code == 404
    with tenant_context(premium):
        assert AuditEvent.objects.filter(action="domain.removed", actor=client.user).count() == 1


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("entraide.test", "appartient à la plateforme"),
        ("paris.entraide.test", "appartient à la plateforme"),
        ("lyon.entraide.test", "appartient à la plateforme"),
        ("benevolat", "nom de domaine complet"),
        ("bene_volat.ville.example", "trait de soulignement"),
        ("192.0.2.1", "adresse IP"),
        ("https://benevolat.ville.example/", "sans http://"),
        ("a" * 64 + ".ville.example", "63 caractères"),
        (".".join(["a" * 60] * 4) + ".ville.example", "253 caractères"),
        ("", "obligatoire"),
    ],
)
def test_refused_names_show_the_reason_and_create_nothing(premium, backoffice_admin, name, error):
    client = backoffice_admin(premium)
    before = Domain.objects.count()

    response = client.post(PAGE, {"domain": name})

    page = response.content.decode()
    assert response.status_code == 400
    (message,) = _field_errors(page)
    assert error in message
    assert 'role="alert"' in page
    assert Domain.objects.count() == before


def test_a_domain_of_another_tenant_is_refused(premium, montreal, backoffice_admin):
    Domain.objects.create(domain=NAME, tenant=montreal, is_primary=False, is_verified=True)
    client = backoffice_admin(premium)

    response = client.post(PAGE, {"domain": NAME})

    assert response.status_code == 400
    assert _field_errors(response.content.decode()) == [
        "Ce domaine est utilisé par un autre site de la plateforme."
    ]
    assert Domain.objects.get(domain=NAME).tenant_id == montreal.pk
    assert not Domain.objects.filter(tenant=premium, domain=NAME).exists()


def test_no_more_domains_than_the_plan_allows(premium, backoffice_admin):
    client = backoffice_admin(premium)
    for number in range(3):
        assert client.post(PAGE, {"domain": f"d{number}.ville.example"}).status_code == 302

    page = client.get(PAGE).content.decode()
    assert "(3 utilisés)" in page
    assert 'name="domain"' not in page  # the form gives way to an explanation
    response = client.post(PAGE, {"domain": "d3.ville.example"})

    assert response.status_code == 400
    assert _field_errors(response.content.decode()) == [
        "Votre formule comprend 3 domaines personnalisés : retirez-en un avant d’en ajouter un "
        "autre."
    ]
    assert Domain.objects.filter(tenant=premium).exclude(domain="paris.entraide.test").count() == 3


# --- another tenant's domain --------------------------------------------------------------------


def test_a_domain_of_another_tenant_is_a_404_and_stays(premium, montreal, backoffice_admin):
    plan_assign(tenant=montreal, plan_code="city_premium")
    theirs = custom_domain_add(tenant=montreal, name="benevolat.montreal.example", actor=None)
    client = backoffice_admin(premium)

    assert "benevolat.montreal.example" not in client.get(PAGE).content.decode()
    assert client.post(f"{PAGE}{theirs.pk}/verifier/").status_code == 404
    assert client.get(f"{PAGE}{theirs.pk}/supprimer/").status_code == 404
    assert client.post(f"{PAGE}{theirs.pk}/supprimer/").status_code == 404
    assert client.post(f"{PAGE}{theirs.pk}/principal/").status_code == 404
    # The platform's subdomain is not a custom domain either.
    subdomain = Domain.objects.get(domain="paris.entraide.test")
    assert client.post(f"{PAGE}{subdomain.pk}/supprimer/").status_code == 404
    assert client.get(f"{PAGE}99999999999999999999/supprimer/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.tenant_id == montreal.pk
    assert theirs.last_checked_at is None
    assert Domain.objects.filter(pk=subdomain.pk).exists()


def test_an_admin_of_paris_is_nobody_on_montreal(premium, montreal, backoffice_admin, client_for):
    plan_assign(tenant=montreal, plan_code="city_premium")
    client = backoffice_admin(premium)
    elsewhere = client_for(montreal)
    elsewhere.cookies = client.cookies

    response = elsewhere.post(PAGE, {"domain": NAME})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Domain.objects.filter(domain=NAME).exists()


# --- cost ---------------------------------------------------------------------------------------


def test_the_page_costs_the_same_queries_whatever_the_number_of_domains(premium, backoffice_admin):
    client = backoffice_admin(premium)
    custom_domain_add(tenant=premium, name="d0.ville.example", actor=None)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as one:
        assert client.get(PAGE).status_code == 200
    for number in (1, 2):
        custom_domain_add(tenant=premium, name=f"d{number}.ville.example", actor=None)
    client.get(PAGE)  # the routing cache again (a Domain change starts a new generation)
    with CaptureQueriesContext(connection) as three:
        assert client.get(PAGE).status_code == 200

    assert len(three.captured_queries) == len(one.captured_queries)
    # The schema, session, user, second factor, then the domains: one query for the page.
    assert len(one.captured_queries) <= 5

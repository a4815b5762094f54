"""The legal pages on every tenant host: readable without JavaScript, in the tenant's language,
the latest version shown; the footer of every page links them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenants.legal.defaults import VersionContent
from tenants.legal.models import LegalDocument, LegalVersion
from tenants.legal.services import legal_version_publish

pytestmark = pytest.mark.django_db

PAGES = {
    "/mentions-legales/": ("Mentions légales", "Legal notice"),
    "/confidentialite/": ("Politique de confidentialité", "Privacy policy"),
    "/conditions/": ("Conditions d’utilisation", "Terms of use"),
    "/accessibilite/": ("Déclaration d’accessibilité", "Accessibility statement"),
    "/cookies/": ("Cookies", "Cookies"),
}


def _footer(page: str) -> str:
    match = re.search(r'<footer class="site-footer container">(.*?)</footer>', page, re.S)
    assert match is not None
    return match.group(1)


def _links(html: str) -> dict[str, str]:
    """Link text → href."""
    return {
        re.sub(r"\s+", " ", text).strip(): href
        for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', html, re.S)
    }


def test_the_footer_of_a_french_tenant_links_every_legal_page(paris, client_for):
    page = client_for(paris).get("/").content.decode()

    links = _links(_footer(page))

    assert links["Mentions légales"] == "/mentions-legales/"
    assert links["Accessibilité"] == "/accessibilite/"
    assert links["Politique de confidentialité"] == "/confidentialite/"
    assert links["Conditions d’utilisation"] == "/conditions/"
    assert links["Cookies"] == "/cookies/"


def test_the_footer_of_an_english_tenant_links_every_legal_page(acme, client_for):
    page = client_for(acme).get("/accounts/login/").content.decode()

    links = _links(_footer(page))

    assert links["Legal notice"] == "/mentions-legales/"
    assert links["Accessibility"] == "/accessibilite/"
    assert links["Privacy policy"] == "/confidentialite/"
    assert links["Terms of use"] == "/conditions/"
    assert links["Cookies"] == "/cookies/"


def test_error_pages_of_a_tenant_carry_the_footer_links_too(paris, client_for):
    response = client_for(paris).get("/no-such-page/")

    assert response.status_code == 404
    assert _links(_footer(response.content.decode()))["Mentions légales"] == "/mentions-legales/"


def test_the_public_site_keeps_its_own_footer(client_for):
    page = client_for(None).get("/").content.decode()

    assert "/mentions-legales/" not in _footer(page)


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_shows_the_provisioned_default_in_french(paris, client_for, path):
    response = client_for(paris).get(path)
    page = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert f"<h1>{PAGES[path][0]}</h1>" in page
    assert "Version 1, publiée le" in page
    assert "Paris" in page
    assert "<script>" not in page.split("</main>")[0].split('<main id="main"')[1]


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_shows_the_provisioned_default_in_english(acme, client_for, path):
    response = client_for(acme).get(path)
    page = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert f"<h1>{PAGES[path][1]}</h1>" in page
    assert "Version 1, published on" in page
    assert "Acme Corp" in page


def test_montreal_reads_french_and_english_on_request(montreal, client_for):
    client = client_for(montreal)

    french = client.get("/conditions/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/conditions/").content.decode()

    assert "Les présentes conditions d'utilisation encadrent" in french
    assert "These terms of use govern the use of the site" in english


def test_the_page_shows_the_latest_version(paris, client_for):
    with tenant_context(paris):
        legal_version_publish(
            kind=LegalDocument.Kind.NOTICE,
            content=VersionContent(bodies={"fr": "<h2>Éditeur</h2><p>Ville de Paris, v2</p>"}),
            actor=None,
        )

    page = client_for(paris).get("/mentions-legales/").content.decode()

    assert "Ville de Paris, v2" in page
    assert "Version 2, publiée le" in page
    assert "Éditeur du site" not in page


def test_a_text_missing_in_the_visitors_language_falls_back_to_the_other(montreal, client_for):
    with tenant_context(montreal):
        legal_version_publish(
            kind=LegalDocument.Kind.COOKIES,
            content=VersionContent(bodies={"fr": "<p>Seulement en français.</p>"}),
            actor=None,
        )
    client = client_for(montreal)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = client.get("/cookies/").content.decode()

    assert '<div class="legal-text" lang="fr"><p>Seulement en français.</p></div>' in page


def test_the_accessibility_statement_shows_rgaa_fields(paris, client_for):
    with tenant_context(paris):
        legal_version_publish(
            kind=LegalDocument.Kind.ACCESSIBILITY,
            content=VersionContent(
                bodies={"fr": "<p>Paris s'engage.</p>"},
                conformance_level=LegalVersion.Conformance.PARTIAL,
                audit_date=date(2025, 3, 14),
                conformance_rate=Decimal("75.5"),
                non_accessible={"fr": "<ul><li>Carte sans alternative</li></ul>"},
                remedies={"fr": "<p>Écrire au Défenseur des droits.</p>"},
                contact_email="accessibilite@paris.example",
                contact_url="https://paris.example/contact",
            ),
            actor=None,
        )

    page = client_for(paris).get("/accessibilite/").content.decode()

    assert "Paris est <strong>partiellement conforme</strong> avec le référentiel" in page
    assert "L’audit réalisé le 14 mars 2025 révèle que 75,5 % des critères" in page
    assert "<li>Carte sans alternative</li>" in page
    assert 'href="mailto:accessibilite@paris.example"' in page
    assert 'href="https://paris.example/contact"' in page
    assert "Écrire au Défenseur des droits." in page


def test_the_default_statement_names_the_defenseur_des_droits(paris, client_for):
    page = client_for(paris).get("/accessibilite/").content.decode()

    assert "<strong>non conforme</strong>" in page
    assert "Défenseur des droits" in page
    assert "Libre réponse 71120" in page


def test_a_tenant_that_never_published_shows_the_default_text(paris, client_for):
    with tenant_context(paris):
        LegalVersion.objects.filter(document__kind=LegalDocument.Kind.PRIVACY).delete()
        LegalDocument.objects.filter(kind=LegalDocument.Kind.PRIVACY).update(current_number=0)

    response = client_for(paris).get("/confidentialite/")
    page = response.content.decode()

    assert response.status_code == 200
    assert "Paris est responsable du traitement" in page
    assert "Version" not in page.split("<h1>")[1].split("</article>")[0].split("</h1>")[1][:80]


def test_a_page_costs_one_query_once_the_schema_is_set(paris, client_for):
    client = client_for(paris)
    client.get("/conditions/")

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/conditions/").status_code == 200

    # The schema, then the document's latest version.
    assert len(queries.captured_queries) == 2


def test_the_pages_answer_get_only(paris, client_for):
    assert client_for(paris).post("/conditions/").status_code == 405

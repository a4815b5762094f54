"""/gestion/pages-legales/: tenant admins edit the five legal pages; each save publishes a new
version, old ones are kept and readable; bad input changes nothing; nobody else gets in."""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenants.audit.models import AuditEvent
from tenants.legal.defaults import VersionContent
from tenants.legal.models import LegalDocument, LegalVersion
from tenants.legal.services import legal_version_publish, terms_accept
from tests.accounts.conftest import login, make_user
from tests.engagement.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

INDEX = "/gestion/pages-legales/"
PAGES = [
    INDEX,
    "/gestion/pages-legales/conditions/",
    "/gestion/pages-legales/conditions/versions/",
    "/gestion/pages-legales/conditions/versions/1/",
    "/gestion/pages-legales/accessibilite/",
]
BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml"}


def _state(tenant):  # type: ignore[no-untyped-def]
    """Everything a refused request must leave as it was."""
    with tenant_context(tenant):
        return (
            sorted(LegalDocument.objects.values_list("kind", "current_number")),
            LegalVersion.objects.count(),
            AuditEvent.objects.filter(action="legal.published").count(),
        )


def _statement(**changes: str) -> dict[str, str]:
    return {
        "body_fr": "<p>Paris s'engage à rendre son site accessible.</p>",
        "conformance_level": "partial",
        "audit_date": "2025-03-14",
        "conformance_rate": "75.5",
        "non_accessible_fr": "La carte n'a pas d'alternative textuelle.",
        "contact_email": "accessibilite@paris.example",
        "contact_url": "",
        "remedies_fr": "<p>Défenseur des droits.</p>",
        **changes,
    }


# --- who gets in -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(paris, client_for, path):
    response = client_for(paris).get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("path", PAGES)
def test_a_volunteer_gets_a_403(paris, backoffice_volunteer, path):
    assert backoffice_volunteer(paris).get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_a_moderator_gets_a_403(paris, backoffice_moderator, path):
    assert backoffice_moderator(paris).get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_a_tenant_admin_opens_every_page(paris, backoffice_admin, path):
    assert backoffice_admin(paris).get(path).status_code == 200


def test_an_organization_admin_gets_a_403(paris, client_for):
    user = make_user(paris, "asso@paris.example")
    with tenant_context(paris):
        MembershipFactory(organization=OrganizationFactory(), user=user, role="admin")
    client = client_for(paris)
    login(client, "asso@paris.example")

    assert client.get(INDEX).status_code == 403


@pytest.mark.parametrize("role", ["volunteer", "moderator"])
def test_only_admins_may_publish(paris, backoffice_volunteer, backoffice_moderator, role):
    client = (backoffice_volunteer if role == "volunteer" else backoffice_moderator)(paris)
    before = _state(paris)

    response = client.post("/gestion/pages-legales/conditions/", {"body_fr": "<p>Pirate</p>"})

    assert response.status_code == 403
    assert _state(paris) == before


def test_the_navigation_links_the_legal_pages_for_admins_only(
    paris, backoffice_admin, backoffice_moderator
):
    assert f'href="{INDEX}"' in backoffice_admin(paris).get("/gestion/").content.decode()
    assert f'href="{INDEX}"' not in backoffice_moderator(paris).get("/gestion/").content.decode()


# --- another tenant ----------------------------------------------------------------------------


def test_an_admin_of_paris_is_nobody_on_montreal(paris, montreal, backoffice_admin, client_for):
    client = backoffice_admin(paris)
    elsewhere = client_for(montreal)
    elsewhere.cookies = client.cookies
    before = _state(montreal)

    response = elsewhere.get(INDEX)
    posted = elsewhere.post("/gestion/pages-legales/conditions/", {"body_fr": "<p>Pirate</p>"})

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={INDEX}"
    assert posted.status_code == 302
    assert _state(montreal) == before


def test_a_version_of_another_tenant_is_not_found(paris, montreal, backoffice_admin):
    with tenant_context(paris):
        legal_version_publish(
            kind="terms", content=VersionContent(bodies={"fr": "<p>Paris v2</p>"}), actor=None
        )
    client = backoffice_admin(montreal)

    assert client.get("/gestion/pages-legales/conditions/versions/2/").status_code == 404
    assert "Paris v2" not in client.get("/gestion/pages-legales/conditions/").content.decode()


# --- publishing and versions -------------------------------------------------------------------


def test_the_list_shows_each_document_and_its_current_version_in_french(paris, backoffice_admin):
    client = backoffice_admin(paris)

    response = client.get(INDEX)
    page = response.content.decode()

    assert response["Content-Language"] == "fr"
    for label, slug in (
        ("Mentions légales", "mentions-legales"),
        ("Politique de confidentialité", "confidentialite"),
        ("Conditions d’utilisation", "conditions"),
        ("Déclaration d’accessibilité", "accessibilite"),
        ("Cookies", "cookies"),
    ):
        assert f'<a href="/{slug}/">{label}</a>' in page
        assert f'href="/gestion/pages-legales/{slug}/"' in page
        assert f'href="/gestion/pages-legales/{slug}/versions/"' in page
    assert page.count("Texte par défaut") == 5


def test_the_editor_starts_from_the_current_version(paris, backoffice_admin):
    client = backoffice_admin(paris)

    page = client.get("/gestion/pages-legales/conditions/").content.decode()

    assert "Texte en français" in page
    # In a textarea: escaped as the form renderer does (config/form_renderer.py).
    assert "Les présentes conditions d'utilisation encadrent" in unescape(page)
    assert 'name="body_en"' not in page  # Paris speaks French only


def test_montreal_edits_both_its_languages(montreal, backoffice_admin):
    page = backoffice_admin(montreal).get("/gestion/pages-legales/cookies/").content.decode()

    assert 'name="body_fr"' in page
    assert 'name="body_en"' in page


def test_saving_publishes_a_new_version_and_keeps_the_old_one(paris, backoffice_admin, client_for):
    client = backoffice_admin(paris)

    response = client.post(
        "/gestion/pages-legales/mentions-legales/",
        {"body_fr": "Éditeur : Ville de Paris.\n\nDirectrice de la publication : la maire."},
    )

    assert response.status_code == 302
    assert response["Location"] == INDEX
    listing = client.get(INDEX).content.decode()
    assert "Mentions légales : la version 2 est publiée." in listing
    with tenant_context(paris):
        version = LegalVersion.objects.get(document__kind="notice", number=2)
        assert version.body_fr == (
            "<p>Éditeur : Ville de Paris.</p>\n\n<p>Directrice de la publication : la maire.</p>"
        )
        assert version.author == client.user
        event = AuditEvent.objects.get(action="legal.published", target_id=version.pk)
        assert (event.actor, event.data) == (client.user, {"kind": "notice", "version": 2})
    history = client.get("/gestion/pages-legales/mentions-legales/versions/").content.decode()
    assert history.index("Version 2") < history.index("Version 1")
    old = client.get("/gestion/pages-legales/mentions-legales/versions/1/").content.decode()
    assert "Éditeur du site" in old
    assert "Ville de Paris" not in old
    public = client_for(paris).get("/mentions-legales/").content.decode()
    assert "Directrice de la publication : la maire." in public


def test_publishing_new_terms_asks_signed_in_people_again(paris, backoffice_admin, client_for):
    volunteer = make_user(paris, "vol@paris.example")
    with tenant_context(paris):
        terms_accept(user=volunteer, number=1)
    resident = client_for(paris)
    login(resident, "vol@paris.example")
    assert resident.get("/", **BROWSER).status_code == 200

    backoffice_admin(paris).post("/gestion/pages-legales/conditions/", {"body_fr": "<p>v2</p>"})

    response = resident.get("/", **BROWSER)
    assert response.status_code == 302
    assert response["Location"] == "/conditions/accepter/?next=%2F"


def test_the_accessibility_statement_is_published_with_its_fields(paris, backoffice_admin):
    client = backoffice_admin(paris)

    response = client.post("/gestion/pages-legales/accessibilite/", _statement())

    assert response.status_code == 302
    with tenant_context(paris):
        version = LegalVersion.objects.get(document__kind="accessibility", number=2)
    assert (version.conformance_level, version.audit_date, str(version.conformance_rate)) == (
        "partial",
        date(2025, 3, 14),
        "75.5",
    )
    assert version.non_accessible_fr == "<p>La carte n'a pas d'alternative textuelle.</p>"
    assert version.contact_email == "accessibilite@paris.example"


# --- bad input ---------------------------------------------------------------------------------


def test_an_empty_body_is_refused_next_to_its_field(paris, backoffice_admin):
    client = backoffice_admin(paris)
    before = _state(paris)

    response = client.post("/gestion/pages-legales/conditions/", {"body_fr": "   "})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Rédigez le texte de la page." in page
    assert 'href="#id_body_fr"' in page  # the error summary points at the field
    assert _state(paris) == before


@pytest.mark.parametrize(
    "body", ["<p><script>alert(1)</script></p>", "<p> </p><p>&nbsp;</p>", "<h2></h2>"]
)
def test_a_body_that_is_only_markup_is_refused(paris, backoffice_admin, body):
    client = backoffice_admin(paris)
    before = _state(paris)

    response = client.post("/gestion/pages-legales/conditions/", {"body_fr": body})

    assert response.status_code == 400
    assert "Rédigez le texte de la page." in response.content.decode()
    assert _state(paris) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"audit_date": "2025-13-45"}, "Indiquez une date comme 2025-03-31."),
        ({"audit_date": "hier"}, "Indiquez une date comme 2025-03-31."),
        (
            {"audit_date": (date.today() + timedelta(days=3)).isoformat()},
            "La date de l’audit ne peut pas être dans le futur.",
        ),
        ({"conformance_rate": "150"}, "Indiquez un taux entre 0 et 100."),
        ({"conformance_rate": "-5"}, "Indiquez un taux entre 0 et 100."),
        ({"conformance_rate": "beaucoup"}, "Indiquez un nombre entre 0 et 100."),
        ({"conformance_rate": "40"}, "Partiellement conforme signifie qu’au moins la moitié"),
        ({"conformance_level": "full"}, "Totalement conforme signifie que tous les critères"),
        ({"conformance_level": "bientot"}, "Sélectionnez un choix valide."),
        ({"contact_email": ""}, "Indiquez une adresse électronique ou un formulaire de contact"),
        ({"contact_email": "pas une adresse"}, "Saisissez une adresse e-mail valide."),
        ({"body_fr": ""}, "Rédigez le texte de la page."),
    ],
)
def test_a_bad_statement_is_refused_next_to_the_field(paris, backoffice_admin, changes, message):
    client = backoffice_admin(paris)
    before = _state(paris)

    response = client.post("/gestion/pages-legales/accessibilite/", _statement(**changes))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _state(paris) == before


@pytest.mark.parametrize(
    "path",
    [
        "/gestion/pages-legales/reglement/",
        "/gestion/pages-legales/reglement/versions/",
        "/gestion/pages-legales/conditions/versions/2/",
        "/gestion/pages-legales/conditions/versions/0/",
        "/gestion/pages-legales/conditions/versions/99999999999999999999999/",
    ],
)
def test_what_does_not_exist_is_a_404(paris, backoffice_admin, path):
    assert backoffice_admin(paris).get(path).status_code == 404


def test_the_company_tenant_reads_it_in_english(acme, backoffice_admin):
    client = backoffice_admin(acme)

    page = client.get("/gestion/pages-legales/accessibilite/").content.decode()

    assert "Text in English" in page
    assert "Conformance status with the RGAA" in page
    assert "not compliant" in page


# --- query budget ------------------------------------------------------------------------------


def test_the_pages_cost_the_same_queries_however_many_versions(paris, backoffice_admin):
    client = backoffice_admin(paris)
    paths = [
        INDEX,
        "/gestion/pages-legales/conditions/",
        "/gestion/pages-legales/conditions/versions/",
        "/gestion/pages-legales/conditions/versions/1/",
    ]
    for path in paths:
        client.get(path)
    small = {}
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        small[path] = len(queries.captured_queries)
    with tenant_context(paris):
        for number in range(2, 13):
            legal_version_publish(
                kind="terms",
                content=VersionContent(bodies={"fr": f"<p>v{number}</p>"}),
                actor=client.user,
            )
    large = {}
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        large[path] = len(queries.captured_queries)

    assert large == small
    # Session, user, MFA check, then the page's own reads (one, two for the paginated history).
    assert max(small.values()) <= 8

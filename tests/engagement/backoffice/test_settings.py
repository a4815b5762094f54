"""/gestion/reglages/: the instance settings pages. Admins only (a moderator gets a 403), nobody
on another tenant; every refusal is a 400 with the message next to its field and the Tenant row
unchanged; every change shows on the site at once; a fixed number of queries per page."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from engagement.missions.models import Mission
from engagement.organizations.models import Organization
from engagement.organizations.services import organization_create
from engagement.taxonomy.models import Cause
from tenants import routing
from tenants.audit.models import AuditEvent
from tenants.models import Tenant
from tests.engagement.factories import (
    CauseFactory,
    MembershipFactory,
    MissionFactory,
    OrganizationFactory,
    SlotFactory,
    UserFactory,
)
from tests.engagement.pictures import picture

pytestmark = pytest.mark.django_db

PAGES = [
    "/gestion/reglages/",
    "/gestion/reglages/apparence/",
    "/gestion/reglages/accueil/",
    "/gestion/reglages/carte/",
    "/gestion/reglages/langues/",
    "/gestion/reglages/causes/",
    "/gestion/reglages/competences/",
    "/gestion/reglages/moderation/",
    "/gestion/reglages/acces/",
    "/gestion/reglages/pied-de-page/",
]
BRANDING = "/gestion/reglages/apparence/"


def _row(tenant: Tenant) -> dict[str, Any]:
    return Tenant.objects.filter(pk=tenant.pk).values().get()


def _audit(tenant: Tenant) -> list[tuple[str, dict[str, Any]]]:
    """The settings' audit rows (the sign-ins of the test's clients are recorded too)."""
    with tenant_context(tenant):
        events = AuditEvent.objects.exclude(action__startswith="auth.")
        return list(events.order_by("pk").values_list("action", "data"))


def _branding_data(tenant: Tenant, **changes: Any) -> dict[str, Any]:
    data = {
        "name": tenant.name,
        "tagline": tenant.tagline,
        "primary_color": tenant.primary_color,
        "accent_color": tenant.accent_color,
    }
    data.update(changes)
    return data


def _errors_of(page: str, field: str) -> list[str]:
    """The messages shown next to a field (its errorlist, right after its label and help)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, flags=re.S)
    return (
        [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1))]
        if match
        else []
    )


# --- who may open the pages --------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(paris, client_for, path):
    response = client_for(paris).get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("path", PAGES)
def test_a_volunteer_and_a_moderator_get_a_403(
    paris, backoffice_volunteer, backoffice_moderator, path
):
    before = _row(paris)
    # The summary page only reads: a POST is refused before anything else.
    post_status = 405 if path == "/gestion/reglages/" else 403
    for client in (backoffice_volunteer(paris), backoffice_moderator(paris)):
        assert client.get(path).status_code == 403
        assert client.post(path, {"name": "Pirate", "action": "add"}).status_code == post_status

    assert _row(paris) == before
    assert _audit(paris) == []


@pytest.mark.parametrize("path", PAGES)
def test_an_admin_opens_every_page_in_french(paris, backoffice_admin, path):
    response = backoffice_admin(paris).get(path)
    page = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert "Réglages" in page
    assert f'href="{path}" aria-current="page"' in page


def test_the_navigation_has_the_settings_for_admins_only(
    paris, backoffice_admin, backoffice_moderator
):
    assert 'href="/gestion/reglages/"' in backoffice_admin(paris).get("/gestion/").content.decode()
    moderator_page = backoffice_moderator(paris).get("/gestion/").content.decode()
    assert "/gestion/reglages/" not in moderator_page


@pytest.mark.parametrize("path", PAGES)
def test_an_admin_of_paris_is_nobody_on_montreal(
    paris, montreal, backoffice_admin, client_for, path
):
    paris_admin = backoffice_admin(paris)
    elsewhere = client_for(montreal)
    elsewhere.cookies = paris_admin.cookies
    before = _row(montreal)

    response = elsewhere.get(path)
    posted = elsewhere.post(path, _branding_data(montreal, name="Pirate"))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"
    # Sign-in first, as for anyone anonymous (the read-only summary refuses a POST: 405).
    assert posted.status_code == (405 if path == "/gestion/reglages/" else 302)
    assert _row(montreal) == before


def test_a_cause_of_another_tenant_is_a_404(paris, montreal, backoffice_admin):
    with tenant_context(montreal):
        foreign = CauseFactory(slug="montreal-only")
    client = backoffice_admin(paris)
    with tenant_context(paris):
        taken = set(Cause.objects.values_list("pk", flat=True))
    missing = max(taken | {foreign.pk}) + 1

    for item in (missing, "abc", "-1"):
        response = client.post("/gestion/reglages/causes/", {"action": "retire", "item": item})
        assert response.status_code == 404
    with tenant_context(montreal):
        assert Cause.objects.get(pk=foreign.pk).is_active


# --- query budget -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_each_page_costs_the_same_queries_whatever_the_size(paris, backoffice_admin, path):
    client = backoffice_admin(paris)
    client.get(path)
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    with tenant_context(paris):
        organization = OrganizationFactory()
        for number in range(6):
            cause = CauseFactory(slug=f"budget-{number}")
            MissionFactory(organization=organization, causes=[cause])
    with CaptureQueriesContext(connection) as large:
        assert client.get(path).status_code == 200

    assert len(large.captured_queries) == len(small.captured_queries)
    # Session, user, MFA check, and at most two reads of the page's own.
    assert len(small.captured_queries) <= 7


# --- branding -----------------------------------------------------------------------------------


def test_the_branding_change_shows_on_the_site_at_once(paris, backoffice_admin, client_for):
    visitor = client_for(paris)
    assert "Paris" in visitor.get("/").content.decode()  # the route is now in this process
    client = backoffice_admin(paris)

    response = client.post(
        BRANDING,
        _branding_data(
            paris, name="Paris Ensemble", tagline="Agir ensemble", primary_color="#1B3A6B"
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == BRANDING
    row = _row(paris)
    assert (row["name"], row["tagline"], row["primary_color"]) == (
        "Paris Ensemble",
        "Agir ensemble",
        "#1b3a6b",
    )
    assert _audit(paris) == [
        ("settings.branding_changed", {"fields": ["name", "primary_color", "tagline"]})
    ]
    home = visitor.get("/").content.decode()
    assert '<span class="brand-name">Paris Ensemble</span>' in home
    assert "--brand-primary:#1b3a6b;" in home
    assert '<meta property="og:description" content="Agir ensemble">' in home
    assert "Les réglages sont enregistrés." in client.get(BRANDING).content.decode()


def test_a_second_worker_sees_the_change_without_a_restart(paris, backoffice_admin, client_for):
    visitor = client_for(paris)
    visitor.get("/")
    another_worker = dict(routing._local)  # its copy of the route, from before the change

    backoffice_admin(paris).post(BRANDING, _branding_data(paris, name="Paris Demain"))
    routing._local.clear()
    routing._local.update(another_worker)

    assert '<span class="brand-name">Paris Demain</span>' in visitor.get("/").content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("primary_color", "red", "Utilisez une couleur comme #1f6feb."),
        ("accent_color", "#12345", "Utilisez une couleur comme #1f6feb."),
        ("name", "", "Ce champ est obligatoire."),
    ],
)
def test_a_bad_value_is_a_400_next_to_its_field_and_nothing_changes(
    paris, backoffice_admin, field, value, message
):
    before = _row(paris)

    response = backoffice_admin(paris).post(BRANDING, _branding_data(paris, **{field: value}))

    assert response.status_code == 400
    assert _errors_of(response.content.decode(), field) == [message]
    assert _row(paris) == before
    assert _audit(paris) == []


def test_a_colour_under_aa_is_refused_with_the_ratio_and_the_pair(paris, backoffice_admin):
    before = _row(paris)

    response = backoffice_admin(paris).post(
        BRANDING, _branding_data(paris, primary_color="#777777")
    )
    page = response.content.decode()

    assert response.status_code == 400
    assert _errors_of(page, "primary_color") == [
        "Liens dans les encadrés : #777777 sur blanc (#ffffff) a un contraste de 4,48:1 ; "
        "AA demande 4,5:1.",
        "Liens sur la page : #777777 sur #f6f7f9 a un contraste de 4,18:1 ; AA demande 4,5:1.",
    ]
    # The preview shows the colour that was typed, and its failing pairs.
    assert "--preview-primary:#777777;" in page
    assert page.count('class="fails"') == 2
    assert _row(paris) == before


def test_the_preview_button_shows_the_colours_and_saves_nothing(paris, backoffice_admin):
    before = _row(paris)

    response = backoffice_admin(paris).post(
        BRANDING,
        _branding_data(paris, name="Essai", primary_color="#2d6a4f", accent_color="#ffcc00")
        | {"preview": "1"},
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "--preview-primary:#2d6a4f;--preview-on-primary:#ffffff;" in page
    assert "--preview-accent:#ffcc00;--preview-on-accent:#111111" in page
    assert "<span data-preview-name>Essai</span>" in page
    assert _errors_of(page, "accent_color") == [
        "Contour du focus sur la page : #ffcc00 sur #f6f7f9 a un contraste de 1,41:1 ; "
        "AA demande 3:1."
    ]
    assert _row(paris) == before


def test_the_page_without_javascript_has_a_preview_and_the_script_is_local(paris, backoffice_admin):
    page = backoffice_admin(paris).get(BRANDING).content.decode()

    assert f"--preview-primary:{paris.primary_color};" in page
    assert "data-contrast-check" in page
    assert 'name="preview"' in page
    assert '<script src="/static/js/backoffice-settings.js" defer></script>' in page
    assert (
        "https://"
        not in re.sub(r'content="[^"]*"|href="https://[^"]*"', "", page)
        .split("<footer")[0]
        .split("<main")[1]
    )


def test_a_logo_upload_is_checked_and_served(paris, backoffice_admin, client_for):
    client = backoffice_admin(paris)
    upload = SimpleUploadedFile("logo.png", picture("PNG", size=(800, 400)), "image/png")

    response = client.post(BRANDING, _branding_data(paris, logo=upload))

    assert response.status_code == 302
    tenant = Tenant.objects.get(pk=paris.pk)
    try:
        served = client_for(paris).get("/branding/logo")
        assert served["Content-Type"] == "image/png"
        assert _audit(paris) == [("settings.branding_changed", {"fields": ["logo"]})]
        assert 'src="/branding/logo?v=' in client_for(paris).get("/").content.decode()
    finally:
        tenant.logo.delete(save=False)


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message"),
    [
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
            "Ce fichier n'est pas une image que nous savons lire (PNG, JPEG, WebP ou GIF).",
        ),
        (
            "logo.png",
            b"GIF89a but not really",
            "image/png",
            "Ce fichier n'est pas une image que nous savons lire (PNG, JPEG, WebP ou GIF).",
        ),
        (
            "logo.png",
            b"0" * (2 * 1024 * 1024 + 1),
            "image/png",
            "L'image est trop lourde (2 Mo au plus).",
        ),
    ],
    ids=["svg-with-script", "not-a-picture", "over-2-mb"],
)
def test_a_logo_that_is_not_a_picture_or_too_large_is_refused(
    paris, backoffice_admin, name, content, content_type, message
):
    before = _row(paris)

    response = backoffice_admin(paris).post(
        BRANDING,
        _branding_data(paris, logo=SimpleUploadedFile(name, content, content_type)),
    )

    assert response.status_code == 400
    assert _errors_of(response.content.decode(), "logo") == [message]
    assert _row(paris) == before


def test_the_social_image_is_the_og_image_of_tenant_pages(paris, backoffice_admin, client_for):
    upload = SimpleUploadedFile("share.jpg", picture("JPEG", size=(1200, 630)), "image/jpeg")

    response = backoffice_admin(paris).post(BRANDING, _branding_data(paris, social_image=upload))

    assert response.status_code == 302
    tenant = Tenant.objects.get(pk=paris.pk)
    try:
        home = client_for(paris).get("/").content.decode()
        match = re.search(r'<meta property="og:image" content="([^"]+)">', home)
        assert match is not None
        assert match.group(1).startswith(f"http://{paris.primary_host}/branding/social-image?v=")
        served = client_for(paris).get("/branding/social-image")
        assert (served.status_code, served["Content-Type"]) == (200, "image/jpeg")
    finally:
        tenant.social_image.delete(save=False)
    assert client_for(paris).get("/branding/social-image").status_code == 404


# --- welcome text, map, languages ---------------------------------------------------------------


def test_the_welcome_text_is_sanitized_and_shown_on_the_home_page(
    paris, backoffice_admin, client_for
):
    response = backoffice_admin(paris).post(
        "/gestion/reglages/accueil/",
        {"welcome_text": "Bienvenue !\n\n<script>alert(1)</script><em>Engagez-vous</em>"},
    )

    assert response.status_code == 302
    stored = _row(paris)["welcome_text"]
    assert "<script" not in stored and "alert" not in stored
    assert "<em>Engagez-vous</em>" in stored
    home = client_for(paris).get("/").content.decode()
    assert '<div class="welcome-text">' in home
    assert "<em>Engagez-vous</em>" in home


def test_the_map_centre_and_zoom_are_number_fields_and_a_map(paris, backoffice_admin):
    client = backoffice_admin(paris)
    page = client.get("/gestion/reglages/carte/").content.decode()
    assert 'name="latitude"' in page and 'name="longitude"' in page and 'name="zoom"' in page
    assert "data-map-centre-picker hidden" in page
    assert "/static/leaflet/leaflet.js" in page

    response = client.post(
        "/gestion/reglages/carte/", {"latitude": "48.8606", "longitude": "2.3376", "zoom": "15"}
    )

    assert response.status_code == 302
    row = _row(paris)
    assert (round(row["map_center"].y, 4), round(row["map_center"].x, 4), row["map_zoom"]) == (
        48.8606,
        2.3376,
        15,
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"latitude": "91", "longitude": "2.3", "zoom": "12"}, "latitude"),
        ({"latitude": "48.8", "longitude": "-181", "zoom": "12"}, "longitude"),
        ({"latitude": "48.8", "longitude": "2.3", "zoom": "25"}, "zoom"),
        ({"latitude": "48.8", "longitude": "2.3", "zoom": "0"}, "zoom"),
        ({"latitude": "nord", "longitude": "2.3", "zoom": "12"}, "latitude"),
    ],
)
def test_a_map_out_of_range_is_a_400_and_nothing_changes(paris, backoffice_admin, data, field):
    before = _row(paris)

    response = backoffice_admin(paris).post("/gestion/reglages/carte/", data)

    assert response.status_code == 400
    assert len(_errors_of(response.content.decode(), field)) == 1
    assert _row(paris) == before


def test_the_default_language_must_be_offered(paris, backoffice_admin):
    client = backoffice_admin(paris)
    before = _row(paris)

    refused = client.post(
        "/gestion/reglages/langues/", {"languages": ["fr"], "default_language": "en"}
    )

    assert refused.status_code == 400
    assert _errors_of(refused.content.decode(), "default_language") == [
        "La langue par défaut doit faire partie des langues proposées."
    ]
    assert _row(paris) == before

    saved = client.post(
        "/gestion/reglages/langues/", {"languages": ["fr", "en"], "default_language": "en"}
    )

    assert saved.status_code == 302
    assert (_row(paris)["languages"], _row(paris)["default_language"]) == (["en", "fr"], "en")
    # The next page is in the new default language.
    assert client.get("/gestion/reglages/langues/")["Content-Language"] == "en"


# --- causes and skills --------------------------------------------------------------------------


def test_causes_are_added_renamed_retired_and_restored(paris, backoffice_admin, client_for):
    client = backoffice_admin(paris)
    path = "/gestion/reglages/causes/"

    added = client.post(
        path, {"action": "add", "new-name_fr": "Jardins partagés", "new-name_en": ""}
    )
    assert added.status_code == 302
    with tenant_context(paris):
        cause = Cause.objects.get(slug="jardins-partages")
        MissionFactory(causes=[cause], title="Potager du 11e")

    renamed = client.post(
        path,
        {
            "action": "rename",
            "item": cause.pk,
            f"item-{cause.pk}-name_fr": "Potagers",
            f"item-{cause.pk}-name_en": "Vegetable gardens",
        },
    )
    retired = client.post(path, {"action": "retire", "item": cause.pk})

    assert (renamed.status_code, retired.status_code) == (302, 302)
    with tenant_context(paris):
        cause.refresh_from_db()
        mission = Mission.objects.get(title="Potager du 11e")
    assert (cause.name_fr, cause.name_en, cause.is_active) == (
        "Potagers",
        "Vegetable gardens",
        False,
    )
    # No longer offered in the search filters; the mission still shows it.
    assert "Potagers" not in client_for(paris).get("/").content.decode()
    assert "Potagers" in client_for(paris).get(f"/missions/{mission.pk}/").content.decode()
    page = client.get(path).content.decode()
    assert "Retirée" in page and "Restaurer « Potagers »" in page

    assert client.post(path, {"action": "restore", "item": cause.pk}).status_code == 302
    assert [action for action, _data in _audit(paris)] == [
        "taxonomy.cause_created",
        "taxonomy.cause_renamed",
        "taxonomy.cause_retired",
        "taxonomy.cause_restored",
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"action": "add", "new-name_fr": "", "new-name_en": " "},
            "new-name_fr",
            "Donnez un nom, en français ou en anglais.",
        ),
        (
            {
                "action": "add",
                "new-name_fr": "solidarité et lutte contre l'exclusion",
                "new-name_en": "",
            },
            "new-name_fr",
            "Une cause de ce nom existe déjà.",
        ),
    ],
)
def test_an_empty_or_duplicate_cause_is_a_400(paris, backoffice_admin, data, field, message):
    with tenant_context(paris):
        before = list(Cause.objects.order_by("pk").values())

    response = backoffice_admin(paris).post("/gestion/reglages/causes/", data)

    assert response.status_code == 400
    assert _errors_of(response.content.decode(), field) == [message]
    with tenant_context(paris):
        assert list(Cause.objects.order_by("pk").values()) == before


@pytest.mark.parametrize("path", ["/gestion/reglages/causes/", "/gestion/reglages/competences/"])
def test_a_post_without_a_known_action_is_a_400_and_changes_nothing(paris, backoffice_admin, path):
    with tenant_context(paris):
        before = list(Cause.objects.order_by("pk").values())

    for data in ({}, {"action": "delete", "item": "1"}):
        response = backoffice_admin(paris).post(path, data)
        assert response.status_code == 400
        assert "Choisissez une action." in response.content.decode()

    with tenant_context(paris):
        assert list(Cause.objects.order_by("pk").values()) == before
    assert _audit(paris) == []


def test_a_rename_to_a_taken_name_is_a_400_on_that_row(paris, backoffice_admin):
    with tenant_context(paris):
        first, second = Cause.objects.order_by("position")[:2]

    response = backoffice_admin(paris).post(
        "/gestion/reglages/causes/",
        {
            "action": "rename",
            "item": second.pk,
            f"item-{second.pk}-name_fr": first.name_fr,
            f"item-{second.pk}-name_en": "Something else",
        },
    )

    assert response.status_code == 400
    assert _errors_of(response.content.decode(), f"item-{second.pk}-name_fr") == [
        "Une cause de ce nom existe déjà."
    ]
    with tenant_context(paris):
        assert Cause.objects.get(pk=second.pk).name_fr == second.name_fr


def test_the_mission_editor_keeps_a_retired_cause_the_mission_has(
    paris, backoffice_admin, client_for
):
    from tests.accounts.conftest import login, make_user

    editor = make_user(paris, "editor@asso.example")
    with tenant_context(paris):
        organization = OrganizationFactory()
        MembershipFactory(organization=organization, user=editor, role="admin")
        cause = CauseFactory(slug="ancienne", name_fr="Ancienne cause", name_en="Old cause")
        mission = MissionFactory(organization=organization, causes=[cause])
    backoffice_admin(paris).post(
        "/gestion/reglages/causes/", {"action": "retire", "item": cause.pk}
    )
    client = client_for(paris)
    login(client, "editor@asso.example")

    edit_page = client.get(f"/organisation/missions/{mission.pk}/edit/").content.decode()
    new_page = client.get(f"/organisation/{organization.pk}/missions/new/").content.decode()

    assert "Ancienne cause (retirée)" in edit_page
    assert re.search(rf'value="{cause.pk}"[^>]*checked', edit_page)
    assert "Ancienne cause" not in new_page


# --- moderation and footer ----------------------------------------------------------------------


def test_moderation_off_for_organizations_verifies_new_ones(paris, backoffice_admin):
    response = backoffice_admin(paris).post("/gestion/reglages/moderation/", {"missions": "on"})

    assert response.status_code == 302
    row = _row(paris)
    assert (row["moderation_enabled"], row["organization_moderation_enabled"]) == (True, False)
    tenant = Tenant.objects.get(pk=paris.pk)
    with tenant_context(tenant):
        organization = organization_create(
            creator=UserFactory(), name="Les Amis du Canal", kind="association"
        )
    assert organization.verification_status == Organization.Verification.VERIFIED


def test_moderation_off_for_missions_publishes_on_submit(paris, backoffice_admin, client_for):
    from tests.accounts.conftest import login, make_user

    backoffice_admin(paris).post("/gestion/reglages/moderation/", {"organizations": "on"})
    editor = make_user(paris, "editor@asso.example")
    with tenant_context(paris):
        organization = OrganizationFactory()
        MembershipFactory(organization=organization, user=editor, role="admin")
        mission = MissionFactory(organization=organization, status=Mission.Status.DRAFT)
        SlotFactory(mission=mission)
    client = client_for(paris)
    login(client, "editor@asso.example")

    client.post(f"/organisation/missions/{mission.pk}/submit/")

    with tenant_context(paris):
        assert Mission.objects.get(pk=mission.pk).status == Mission.Status.PUBLISHED


def test_footer_links_are_shown_on_every_page(paris, backoffice_admin, client_for):
    response = backoffice_admin(paris).post(
        "/gestion/reglages/pied-de-page/",
        {
            "label_1": "Mairie de Paris",
            "url_1": "https://www.paris.fr/",
            "label_3": "Les associations",
            "url_3": "/organisation/",
        },
    )

    assert response.status_code == 302
    assert _row(paris)["footer_links"] == [
        {"label": "Mairie de Paris", "url": "https://www.paris.fr/"},
        {"label": "Les associations", "url": "/organisation/"},
    ]
    page = client_for(paris).get("/accounts/login/").content.decode()
    assert '<li><a href="https://www.paris.fr/">Mairie de Paris</a></li>' in page
    assert '<li><a href="/organisation/">Les associations</a></li>' in page


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "http://www.paris.fr/", "//evil.example/"]
)
def test_a_footer_link_that_is_not_https_or_a_path_is_a_400(paris, backoffice_admin, url):
    before = _row(paris)

    response = backoffice_admin(paris).post(
        "/gestion/reglages/pied-de-page/", {"label_1": "Lien", "url_1": url}
    )

    assert response.status_code == 400
    assert _errors_of(response.content.decode(), "url_1") == [
        "Utilisez une adresse commençant par https:// ou un chemin de ce site commençant par /."
    ]
    assert _row(paris) == before


def test_a_footer_link_without_its_label_is_a_400(paris, backoffice_admin):
    response = backoffice_admin(paris).post(
        "/gestion/reglages/pied-de-page/", {"url_2": "/organisation/"}
    )

    assert response.status_code == 400
    assert _errors_of(response.content.decode(), "label_2") == ["Indiquez le libellé de ce lien."]


# --- in English ---------------------------------------------------------------------------------


def test_the_company_tenant_reads_the_settings_in_english(acme, backoffice_admin):
    client = backoffice_admin(acme)

    page = client.get(BRANDING).content.decode()
    refused = client.post(BRANDING, _branding_data(acme, accent_color="#fff000"))

    assert "Preview without saving" in page
    assert _errors_of(refused.content.decode(), "accent_color") == [
        "Focus outline on the page: #fff000 on #f6f7f9 has a contrast of 1.11:1; AA needs 3:1."
    ]


# --- access (private instance) -------------------------------------------------------------------


def test_an_admin_makes_the_instance_private_and_public_again(paris, backoffice_admin, client_for):
    admin = backoffice_admin(paris)

    made_private = admin.post("/gestion/reglages/acces/", {"is_private": "on"})
    anonymous = client_for(paris).get("/")
    made_public = admin.post("/gestion/reglages/acces/", {})

    assert made_private.status_code == 302
    assert anonymous.status_code == 302
    assert anonymous["Location"] == "/accounts/login/?next=%2F"
    assert made_public.status_code == 302
    assert client_for(paris).get("/").status_code == 200
    assert _row(paris)["is_private"] is False
    assert _audit(paris) == [
        ("settings.access_changed", {"fields": ["is_private"], "values": {"is_private": True}}),
        ("settings.access_changed", {"fields": ["is_private"], "values": {"is_private": False}}),
    ]


def test_the_access_page_shows_the_current_settings(acme, backoffice_admin):
    client = backoffice_admin(acme)
    page = client.get("/gestion/reglages/acces/").content.decode()
    summary = client.get("/gestion/reglages/").content.decode()

    assert re.search(r'name="is_private"[^>]*checked', page)
    assert not re.search(r'name="sso_auto_redirect"[^>]*checked', page)
    assert '<dd id="summary-private">Signed-in members only</dd>' in summary

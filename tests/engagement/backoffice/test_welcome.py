"""The welcome wizard (/gestion/bienvenue/): tenant admins only, each step through the existing
services, skippable, re-entrant (the progress comes from the data)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from allauth.socialaccount.models import SocialApp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from engagement.backoffice.welcome import WelcomeStep, welcome_progress
from engagement.organizations.models import Organization, OrganizationMembership
from tenants.models import Tenant
from tests.engagement.pictures import picture

WELCOME = "/gestion/bienvenue/"
BRANDING = "/gestion/bienvenue/apparence/"
ORGANIZATION = "/gestion/bienvenue/organisation/"
SSO = "/gestion/bienvenue/connexion/"
DONE = "/gestion/bienvenue/termine/"
PAGES = [WELCOME, BRANDING, ORGANIZATION, SSO, DONE]

pytestmark = pytest.mark.django_db


def _row(tenant: Tenant) -> dict[str, Any]:
    return Tenant.objects.filter(pk=tenant.pk).values().get()


def _organizations(tenant: Tenant) -> list[str]:
    with tenant_context(tenant):
        return list(Organization.objects.order_by("pk").values_list("name", flat=True))


def _errors_of(page: str, field: str) -> list[str]:
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, flags=re.S)
    return (
        [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1))]
        if match
        else []
    )


def _branding(tenant: Tenant, **changes: Any) -> dict[str, Any]:
    return {
        "name": tenant.name,
        "primary_color": tenant.primary_color,
        "accent_color": tenant.accent_color,
        **changes,
    }


# --- who may open it ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(paris, client_for, path):
    response = client_for(paris).get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("path", PAGES)
def test_a_volunteer_and_a_moderator_get_a_403_and_nothing_changes(
    paris, backoffice_volunteer, backoffice_moderator, path
):
    before = _row(paris)
    for client in (backoffice_volunteer(paris), backoffice_moderator(paris)):
        assert client.get(path).status_code == 403
        posted = client.post(path, {"name": "Pirate", "kind": "association"})
        assert posted.status_code in {403, 405}

    assert _row(paris) == before
    assert _organizations(paris) == []


@pytest.mark.parametrize("path", PAGES)
def test_an_admin_of_paris_is_nobody_on_montreal(
    paris, montreal, backoffice_admin, client_for, path
):
    elsewhere = client_for(montreal)
    elsewhere.cookies = backoffice_admin(paris).cookies
    before = _row(montreal)

    response = elsewhere.get(path)
    posted = elsewhere.post(path, {"name": "Pirate", "kind": "association"})

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"
    assert posted.status_code in {302, 405}
    assert _row(montreal) == before
    assert _organizations(montreal) == []


def test_a_private_instance_keeps_the_wizard_closed_to_visitors(acme, client_for):
    response = client_for(acme).get(WELCOME)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- the steps ----------------------------------------------------------------------------------


def test_a_new_city_admin_starts_at_the_branding_step(paris, backoffice_admin):
    response = backoffice_admin(paris).get(WELCOME)
    page = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert "<h1>Logo et couleurs</h1>" in page
    assert "Étape 1 sur 3" in page
    assert f'href="{BRANDING}" aria-current="step" data-step="branding" data-done="false"' in page
    assert f'href="{ORGANIZATION}" data-step="organization" data-done="false"' in page
    # A city has no SSO step.
    assert SSO not in page
    assert f'<a href="{ORGANIZATION}" data-skip>Passer cette étape</a>' in page


def test_a_company_has_the_sso_step_with_the_connection_pages(acme, backoffice_admin):
    page = backoffice_admin(acme).get(SSO).content.decode()

    assert "Step 3 of 4" in page
    assert 'href="/accounts/settings/sign-in/saml/"' in page
    assert 'href="/accounts/settings/sign-in/oidc/"' in page
    assert f'href="{DONE}" data-skip>' in page


def test_the_sso_step_is_done_once_a_connection_exists(acme, backoffice_admin):
    with tenant_context(acme):
        SocialApp.objects.filter(provider__in=["saml", "openid_connect"]).delete()
        assert WelcomeStep.SSO not in welcome_progress(tenant=acme).done
        SocialApp.objects.create(provider="saml", provider_id="sso", name="IdP", client_id="x")
        assert WelcomeStep.SSO in welcome_progress(tenant=acme).done

    page = backoffice_admin(acme).get(SSO).content.decode()
    assert 'data-step="sso" data-done="true"' in page
    assert "A sign-in connection is set up." in page


def test_a_city_on_the_sso_step_goes_on_to_the_end(paris, backoffice_admin):
    response = backoffice_admin(paris).get(SSO)

    assert response.status_code == 302
    assert response["Location"] == DONE


def test_the_branding_step_saves_through_the_settings_service(paris, backoffice_admin, client_for):
    client = backoffice_admin(paris)
    logo = SimpleUploadedFile("logo.png", picture("PNG", size=(300, 150)), "image/png")

    response = client.post(BRANDING, _branding(paris, name="Paris Solidaire", logo=logo))

    assert response.status_code == 302
    assert response["Location"] == ORGANIZATION
    tenant = Tenant.objects.get(pk=paris.pk)
    try:
        assert tenant.name == "Paris Solidaire"
        assert tenant.tagline == paris.tagline
        assert tenant.logo
        # Taken up again, the wizard opens on the next step not done.
        page = client.get(WELCOME).content.decode()
        assert "<h1>Première organisation</h1>" in page
        assert 'data-step="branding" data-done="true"' in page
    finally:
        tenant.logo.delete(save=False)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"primary_color": "rouge"}, "primary_color", None),
        ({"primary_color": "#ffff00"}, "primary_color", None),
        ({"name": ""}, "name", "Ce champ est obligatoire."),
        (
            {"logo": SimpleUploadedFile("logo.png", b"0" * (2 * 1024 * 1024 + 1), "image/png")},
            "logo",
            "L'image est trop lourde (2 Mo au plus).",
        ),
        (
            {"logo": SimpleUploadedFile("logo.png", b"not a picture", "image/png")},
            "logo",
            "Ce fichier n'est pas une image que nous savons lire (PNG, JPEG, WebP ou GIF).",
        ),
    ],
    ids=["not-a-colour", "under-aa", "no-name", "over-2-mb", "not-a-picture"],
)
def test_bad_branding_is_a_400_next_to_its_field_and_nothing_is_saved(
    paris, backoffice_admin, changes, field, message
):
    before = _row(paris)

    response = backoffice_admin(paris).post(BRANDING, _branding(paris, **changes))

    assert response.status_code == 400
    errors = _errors_of(response.content.decode(), field)
    assert errors
    if message is not None:
        assert errors == [message]
    assert _row(paris) == before


def test_the_organization_step_creates_it_with_the_admin_as_its_admin(paris, backoffice_admin):
    client = backoffice_admin(paris)

    response = client.post(
        ORGANIZATION, {"name": "Les Amis du Canal", "kind": "association", "website": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == DONE
    assert _organizations(paris) == ["Les Amis du Canal"]
    with tenant_context(paris):
        membership = OrganizationMembership.objects.get(organization__name="Les Amis du Canal")
        assert membership.user_id == client.user.pk
        assert membership.role == OrganizationMembership.Role.ADMIN


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "kind": "association"}, "name"),
        ({"name": "Club", "kind": "pirate"}, "kind"),
        ({"name": "Club", "kind": "association", "contact_email": "pas-un-mail"}, "contact_email"),
    ],
)
def test_a_bad_organization_is_a_400_and_nothing_is_created(paris, backoffice_admin, data, field):
    response = backoffice_admin(paris).post(ORGANIZATION, data)

    assert response.status_code == 400
    assert _errors_of(response.content.decode(), field)
    assert _organizations(paris) == []


def test_the_last_step_leads_to_the_back_office(paris, backoffice_admin):
    page = backoffice_admin(paris).get(DONE).content.decode()

    assert 'href="/gestion/"' in page
    assert f'<a href="{BRANDING}">à faire</a>' in page
    assert "Étape 3 sur 3" in page


# --- query budget -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [WELCOME, BRANDING, ORGANIZATION, DONE])
def test_each_step_costs_a_fixed_number_of_queries(paris, backoffice_admin, path):
    client = backoffice_admin(paris)
    client.get(path)
    with CaptureQueriesContext(connection) as before:
        assert client.get(path).status_code == 200
    with tenant_context(paris):
        for number in range(3):
            Organization.objects.create(name=f"Asso {number}", slug=f"asso-{number}")
    with CaptureQueriesContext(connection) as after:
        assert client.get(path).status_code == 200

    assert len(after.captured_queries) == len(before.captured_queries)
    # search_path, session, user, MFA check, and the wizard's one read (an organization exists).
    assert len(before.captured_queries) == 5

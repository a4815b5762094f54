"""The tenant admin's sign-in settings pages: access, entitlement, forms, secrets never shown."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from allauth.socialaccount.models import SocialApp
from django_tenants.utils import tenant_context

from accounts.crypto import secret_decrypt
from accounts.models import User
from tenants.models import Tenant
from tests.accounts.conftest import (
    login,
    login_with_mfa,
    make_user,
    mfa_enable,
)

PAGES = (
    "/accounts/settings/sign-in/",
    "/accounts/settings/sign-in/saml/",
    "/accounts/settings/sign-in/oidc/",
)


def admin_client(tenant: Any, admin: User, client_for: Any) -> Any:
    secret = mfa_enable(tenant, admin)
    client = client_for(tenant)
    assert login_with_mfa(client, admin.email, secret).status_code == 302
    return client


@pytest.fixture
def acme_admin_client(acme, acme_admin, client_for) -> Any:
    return admin_client(acme, acme_admin, client_for)


@pytest.fixture
def paris_admin_client(paris, paris_admin, client_for) -> Any:
    return admin_client(paris, paris_admin, client_for)


@contextmanager
def served(body: bytes, content_type: str = "application/samlmetadata+xml") -> Iterator[str]:
    """A one-document HTTP server on loopback (where a company publishes its IdP metadata)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/federationmetadata.xml"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def saml_form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Acme SSO",
        "metadata_url": "",
        "metadata_xml": "",
        "idp_entity_id": "",
        "idp_sso_url": "",
        "idp_certificate": "",
        "attribute_email": "urn:oid:0.9.2342.19200300.100.1.3",
        "attribute_first_name": "urn:oid:2.5.4.42",
        "attribute_last_name": "urn:oid:2.5.4.4",
        "attribute_uid": "",
        "allowed_email_domains": "acme.example\nacme-group.example",
    }
    data.update(overrides)
    return data


def stored(tenant: Any, provider: str) -> SocialApp:
    with tenant_context(tenant):
        return SocialApp.objects.get(provider=provider)


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_login(acme, client_for, path):
    response = client_for(acme).get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("role", [User.Role.VOLUNTEER, User.Role.MODERATOR])
@pytest.mark.parametrize("path", PAGES)
def test_volunteers_and_moderators_are_forbidden(acme, client_for, path, role):
    make_user(acme, "someone@acme.example", role=role)
    client = client_for(acme)
    login(client, "someone@acme.example")

    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_admin_with_mfa_opens_the_pages(acme_admin_client, path):
    assert acme_admin_client.get(path).status_code == 200


def test_tenant_without_sso_entitlement_gets_403_on_sso_pages(paris_admin_client):
    assert paris_admin_client.get("/accounts/settings/sign-in/").status_code == 200
    for path in ("/accounts/settings/sign-in/saml/", "/accounts/settings/sign-in/oidc/"):
        response = paris_admin_client.get(path)
        assert response.status_code == 403
        assert 'data-code="sso_not_entitled"' in response.content.decode()
    posted = paris_admin_client.post("/accounts/settings/sign-in/saml/", saml_form())
    assert posted.status_code == 403
    with tenant_context(Tenant.objects.get(slug="paris")):
        assert SocialApp.objects.count() == 0


def test_facebook_page_is_for_cities_only(acme_admin_client, paris_admin_client):
    assert acme_admin_client.get("/accounts/settings/sign-in/facebook/").status_code == 404
    assert paris_admin_client.get("/accounts/settings/sign-in/facebook/").status_code == 200


def test_paris_admin_session_is_anonymous_on_acme(paris_admin_client, acme):
    cookie = paris_admin_client.cookies["sessionid"].value
    from django.test import Client

    on_acme = Client(HTTP_HOST=acme.primary_host)
    on_acme.cookies["sessionid"] = cookie

    response = on_acme.get("/accounts/settings/sign-in/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_settings_page_has_a_fixed_number_of_queries(
    acme, acme_admin_client, acme_saml, acme_oidc, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = acme_admin_client.get("/accounts/settings/sign-in/")

    page = response.content.decode()
    assert "Acme SSO" in page
    assert "Acme Login" in page


# --- SAML ---------------------------------------------------------------------------------------


def test_saml_page_shows_what_the_company_it_needs(acme_admin_client):
    page = acme_admin_client.get("/accounts/settings/sign-in/saml/").content.decode()

    assert (
        '<code id="sp-entity-id">http://acme.entraide.test/accounts/saml/acme/metadata/</code>'
        in page
    )
    assert '<code id="sp-acs-url">http://acme.entraide.test/accounts/saml/acme/acs/</code>' in page
    assert (
        '<code id="sp-metadata-url">http://acme.entraide.test/accounts/saml/acme/metadata/</code>'
        in page
    )


def test_saml_from_pasted_metadata(acme, acme_admin_client, saml_idp):
    response = acme_admin_client.post(
        "/accounts/settings/sign-in/saml/", saml_form(metadata_xml=saml_idp.metadata_xml())
    )

    assert response.status_code == 302
    app = stored(acme, "saml")
    assert (app.name, app.client_id, app.secret) == ("Acme SSO", "acme", "")
    assert app.settings["idp"]["entity_id"] == saml_idp.entity_id
    assert app.settings["idp"]["sso_url"] == "https://idp.acme.example/saml/sso/redirect"
    assert app.settings["allowed_email_domains"] == ["acme.example", "acme-group.example"]
    assert app.settings["attribute_mapping"] == {
        "email": ["urn:oid:0.9.2342.19200300.100.1.3"],
        "first_name": ["urn:oid:2.5.4.42"],
        "last_name": ["urn:oid:2.5.4.4"],
    }
    private_key = app.settings["advanced"]["private_key_encrypted"]
    assert private_key.startswith("fernet:")
    assert "PRIVATE KEY" not in json.dumps(app.settings)
    assert secret_decrypt(private_key).startswith("-----BEGIN PRIVATE KEY-----")
    page = acme_admin_client.get("/accounts/settings/sign-in/saml/").content.decode()
    assert "PRIVATE KEY" not in page
    assert "Certificate fingerprint (SHA-256):" in page


def test_saml_from_metadata_url(acme, acme_admin_client, saml_idp):
    with served(saml_idp.metadata_xml().encode()) as url:
        response = acme_admin_client.post(
            "/accounts/settings/sign-in/saml/", saml_form(metadata_url=url)
        )

    assert response.status_code == 302
    app = stored(acme, "saml")
    assert app.settings["metadata_url"] == url
    assert app.settings["idp"]["entity_id"] == saml_idp.entity_id


def test_saml_by_hand(acme, acme_admin_client, saml_idp):
    response = acme_admin_client.post(
        "/accounts/settings/sign-in/saml/",
        saml_form(
            idp_entity_id="https://idp.acme.example/saml/metadata",
            idp_sso_url="https://idp.acme.example/saml/sso/redirect",
            idp_certificate=saml_idp.certificate_pem(),
        ),
    )

    assert response.status_code == 302
    idp = stored(acme, "saml").settings["idp"]
    assert idp["entity_id"] == "https://idp.acme.example/saml/metadata"
    assert "BEGIN CERTIFICATE" not in idp["x509cert"]


def test_saml_update_keeps_our_key_pair(acme, acme_admin_client, saml_idp):
    acme_admin_client.post(
        "/accounts/settings/sign-in/saml/", saml_form(metadata_xml=saml_idp.metadata_xml())
    )
    first = stored(acme, "saml").settings["advanced"]

    acme_admin_client.post(
        "/accounts/settings/sign-in/saml/",
        saml_form(metadata_xml=saml_idp.metadata_xml(), name="Acme Okta"),
    )

    app = stored(acme, "saml")
    assert app.name == "Acme Okta"
    assert app.settings["advanced"] == first


def test_saml_unusable_metadata_is_shown_on_its_field(acme, acme_admin_client):
    response = acme_admin_client.post(
        "/accounts/settings/sign-in/saml/", saml_form(metadata_xml="<not-metadata/>")
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'aria-describedby="id_metadata_xml_errors"' in page
    assert "The IdP metadata cannot be used: no IdP entity." in page
    with tenant_context(acme):
        assert SocialApp.objects.count() == 0


def test_saml_needs_allowed_domains(acme, acme_admin_client, saml_idp):
    response = acme_admin_client.post(
        "/accounts/settings/sign-in/saml/",
        saml_form(metadata_xml=saml_idp.metadata_xml(), allowed_email_domains=""),
    )

    assert response.status_code == 400
    assert 'id="id_allowed_email_domains_errors"' in response.content.decode()
    with tenant_context(acme):
        assert SocialApp.objects.count() == 0


# --- OpenID Connect -----------------------------------------------------------------------------


def oidc_form(provider: Any, client_id: str, secret: str, **overrides: str) -> dict[str, str]:
    data = {
        "name": "Acme Login",
        "issuer": provider.issuer,
        "client_id": client_id,
        "client_secret": secret,
        "allowed_email_domains": "acme.example",
    }
    data.update(overrides)
    return data


def test_oidc_is_checked_against_discovery_and_its_secret_masked(
    acme, acme_admin_client, oidc_provider, acme_oidc_client
):
    client_id, client_secret = acme_oidc_client

    response = acme_admin_client.post(
        "/accounts/settings/sign-in/oidc/", oidc_form(oidc_provider, client_id, client_secret)
    )

    assert response.status_code == 302
    app = stored(acme, "openid_connect")
    assert (app.provider_id, app.client_id, app.secret) == ("sso", client_id, "")
    assert app.settings["server_url"] == oidc_provider.issuer
    assert secret_decrypt(app.settings["secret_encrypted"]) == client_secret
    page = acme_admin_client.get("/accounts/settings/sign-in/oidc/").content.decode()
    assert client_secret not in page
    assert f'<code id="oidc-secret-mask">••••{client_secret[-4:]}</code>' in page
    assert (
        '<code id="oidc-callback-url">http://acme.entraide.test/accounts/oidc/sso/login/callback/'
        "</code>" in page
    )


def test_oidc_blank_secret_keeps_the_stored_one(
    acme, acme_admin_client, oidc_provider, acme_oidc_client
):
    client_id, client_secret = acme_oidc_client
    acme_admin_client.post(
        "/accounts/settings/sign-in/oidc/", oidc_form(oidc_provider, client_id, client_secret)
    )

    acme_admin_client.post(
        "/accounts/settings/sign-in/oidc/",
        oidc_form(oidc_provider, client_id, "", name="Acme Entra"),
    )

    app = stored(acme, "openid_connect")
    assert app.name == "Acme Entra"
    assert secret_decrypt(app.settings["secret_encrypted"]) == client_secret


def test_oidc_issuer_that_names_another_issuer_is_refused(
    acme, acme_admin_client, oidc_provider, acme_oidc_client
):
    oidc_provider.discovery_issuer = "https://login.evil.example"

    response = acme_admin_client.post(
        "/accounts/settings/sign-in/oidc/", oidc_form(oidc_provider, *acme_oidc_client)
    )

    assert response.status_code == 400
    assert (
        f"The provider calls itself “https://login.evil.example”, not “{oidc_provider.issuer}”."
        in response.content.decode()
    )
    with tenant_context(acme):
        assert SocialApp.objects.count() == 0


def test_oidc_unreachable_issuer_is_refused(acme, acme_admin_client):
    response = acme_admin_client.post(
        "/accounts/settings/sign-in/oidc/",
        {
            "name": "X",
            "issuer": "http://127.0.0.1:9/",
            "client_id": "x",
            "client_secret": "y",
            "allowed_email_domains": "acme.example",
        },
    )

    assert response.status_code == 400
    assert "The address could not be reached (ConnectionError)." in response.content.decode()


# --- Facebook and removal -----------------------------------------------------------------------


def test_facebook_app_secret_is_masked_and_kept(paris, paris_admin_client):
    paris_admin_client.post(
        "/accounts/settings/sign-in/facebook/",
        {"app_id": "1234567890", "app_secret": "fb-app-secret-4f1c9d0e7b2a"},
    )
    paris_admin_client.post(
        "/accounts/settings/sign-in/facebook/", {"app_id": "1234567891", "app_secret": ""}
    )

    app = stored(paris, "facebook")
    assert app.client_id == "1234567891"
    assert secret_decrypt(app.settings["secret_encrypted"]) == "fb-app-secret-4f1c9d0e7b2a"
    page = paris_admin_client.get("/accounts/settings/sign-in/facebook/").content.decode()
    assert "fb-app-secret-4f1c9d0e7b2a" not in page
    assert '<code id="facebook-secret-mask">••••7b2a</code>' in page


def test_connection_removal(acme, acme_admin_client, acme_saml):
    response = acme_admin_client.post("/accounts/settings/sign-in/saml/delete/")

    assert response.status_code == 302
    with tenant_context(acme):
        assert SocialApp.objects.filter(provider="saml").exists() is False


def test_company_policy_form_saves_allowed_domains(acme, acme_admin_client):
    response = acme_admin_client.post(
        "/accounts/settings/sign-in/",
        {"allowed_email_domains": "Acme.example\n@acme-group.example", "sso_required": ""},
    )

    assert response.status_code == 302
    assert Tenant.objects.get(pk=acme.pk).allowed_email_domains == [
        "acme.example",
        "acme-group.example",
    ]


def test_django_admin_shows_social_apps_read_only_and_masked(acme, acme_admin_client, acme_oidc):
    changelist = acme_admin_client.get("/admin/socialaccount/socialapp/")
    add = acme_admin_client.get("/admin/socialaccount/socialapp/add/")

    assert changelist.status_code == 200
    page = changelist.content.decode()
    assert "••••" in page
    assert secret_decrypt(stored(acme, "openid_connect").settings["secret_encrypted"]) not in page
    assert add.status_code == 403

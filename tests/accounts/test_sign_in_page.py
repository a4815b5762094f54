"""The sign-in page puts the company's identity provider first (accounts.sign_in_page)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django_tenants.utils import tenant_context

from tenants.settings_services import tenant_access_update
from tests.accounts.conftest import login, make_user, session_user_id


def _auto_redirect(tenant, admin, on: bool) -> None:
    with tenant_context(tenant):
        tenant_access_update(
            tenant=tenant, actor=admin, is_private=tenant.is_private, sso_auto_redirect=on
        )


def test_sign_in_with_the_company_comes_first_and_the_password_form_is_folded(
    acme, client_for, acme_saml
):
    page = client_for(acme).get("/accounts/login/").content.decode()

    button = page.index("Sign in with Acme Corp")
    password_form = page.index('name="password"')
    assert button < password_form
    assert '<details id="password-sign-in">' in page


def test_without_sso_the_password_form_is_the_page(paris, client_for):
    page = client_for(paris).get("/accounts/login/").content.decode()

    assert "password-sign-in" not in page
    assert 'name="password"' in page


def test_the_password_form_unfolds_with_password_1(acme, client_for, acme_saml):
    page = client_for(acme).get("/accounts/login/?password=1").content.decode()

    assert '<details id="password-sign-in" open>' in page


def test_auto_redirect_sends_straight_to_the_identity_provider(
    acme, acme_admin, client_for, acme_saml
):
    _auto_redirect(acme, acme_admin, True)

    response = client_for(acme).get("/accounts/login/?next=/missions/42/")

    assert response.status_code == 302
    seen = acme_saml.idp.receive(response["Location"])
    assert seen.acs_url == acme_saml.acs_url


def test_auto_redirect_keeps_the_password_form_for_break_glass_admins(
    acme, acme_admin, client_for, acme_saml
):
    _auto_redirect(acme, acme_admin, True)
    make_user(acme, "it@acme.example")
    client = client_for(acme)

    page = client.get("/accounts/login/?password=1")
    signed_in = login(client, "it@acme.example")

    assert page.status_code == 200
    assert signed_in.status_code == 302
    assert session_user_id(acme, client) is not None


def test_auto_redirect_needs_a_connection(acme, acme_admin, client_for):
    _auto_redirect(acme, acme_admin, True)

    response = client_for(acme).get("/accounts/login/")

    assert response.status_code == 200
    assert urlsplit(response.wsgi_request.path).path == "/accounts/login/"

"""How stored connections reach allauth: decrypted in memory, strict whatever is stored, and
outbound fetches limited to public HTTPS addresses in production."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.test import override_settings
from django_tenants.utils import tenant_context

from accounts.crypto import secret_encrypt
from accounts.errors import AccountsError
from accounts.sso import connections
from accounts.sso.services import facebook_app_save, oidc_connection_save


def test_stored_saml_settings_cannot_loosen_the_checks(acme, acme_saml):
    with tenant_context(acme):
        app = SocialApp.objects.get(provider="saml")
        app.settings["advanced"].update(
            {
                "strict": False,
                "want_assertion_signed": False,
                "want_message_signed": False,
                "reject_deprecated_algorithm": False,
                "reject_idp_initiated_sso": False,
                "private_key": "-----BEGIN PRIVATE KEY----- injected",
            }
        )
        app.settings["idp"]["metadata_url"] = "http://169.254.169.254/latest"
        app.save()

        hydrated = connections.app_hydrate(app)

    advanced = hydrated.settings["advanced"]
    assert {key: advanced[key] for key in connections.SAML_ENFORCED} == connections.SAML_ENFORCED
    assert advanced["private_key"].startswith("-----BEGIN PRIVATE KEY-----\n")
    assert advanced["authn_request_signed"] is True
    assert "metadata_url" not in hydrated.settings["idp"]
    assert hydrated.settings["verified_email"] == ["acme.example"]
    assert hydrated.settings["email_authentication"] is True


def test_plaintext_secret_in_the_column_is_not_used(paris):
    with tenant_context(paris):
        app = SocialApp.objects.create(
            provider="facebook", name="Facebook", client_id="1", secret="typed-in-clear"
        )
        hydrated = connections.app_hydrate(app)

    assert hydrated.secret == ""
    assert hydrated.settings["verified_email"] is False
    assert hydrated.settings["email_authentication"] is False


def test_encrypted_secret_is_decrypted_in_memory_only(paris):
    with tenant_context(paris):
        app = SocialApp.objects.create(
            provider="facebook",
            name="Facebook",
            client_id="1",
            settings={"secret_encrypted": secret_encrypt("fb-secret")},
        )
        hydrated = connections.app_hydrate(app)
        app.refresh_from_db()

    assert hydrated.secret == "fb-secret"
    assert app.secret == ""
    assert "secret_encrypted" not in hydrated.settings


@override_settings(ACCOUNTS_SSO_ALLOW_PRIVATE_URLS=False)
@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://login.acme.example/", "url_scheme"),
        ("https://127.0.0.1/.well-known/openid-configuration", "url_private"),
        ("https://10.1.2.3/metadata.xml", "url_private"),
        ("https://169.254.169.254/latest/meta-data/", "url_private"),
        ("https://[::1]/metadata.xml", "url_private"),
        ("https:///metadata.xml", "url_invalid"),
    ],
)
def test_production_fetches_only_public_https_addresses(url, code):
    with pytest.raises(ValidationError) as refused:
        connections.outbound_url_check(url)

    assert refused.value.code == code


def test_facebook_is_refused_for_a_company(acme, acme_admin):
    with tenant_context(acme), pytest.raises(AccountsError) as refused:
        facebook_app_save(tenant=acme, actor=acme_admin, app_id="123", app_secret="x")

    assert refused.value.code == "provider_not_allowed"
    with tenant_context(acme):
        assert SocialApp.objects.count() == 0


def test_only_tenant_admins_configure_connections(acme, oidc_provider):
    from tests.accounts.conftest import make_user

    volunteer = make_user(acme, "vol@acme.example")
    with tenant_context(acme), pytest.raises(AccountsError) as refused:
        oidc_connection_save(
            tenant=acme,
            actor=volunteer,
            name="X",
            issuer=oidc_provider.issuer,
            client_id="x",
            client_secret="y",
            allowed_email_domains=["acme.example"],
        )

    assert refused.value.code == "forbidden"
    with tenant_context(acme):
        assert SocialApp.objects.count() == 0

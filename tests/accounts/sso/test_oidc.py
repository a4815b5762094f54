"""OpenID Connect against a real provider on loopback (oidc-provider-mock in a server thread).

Discovery, the authorization page, the code exchange (registered client, secret checked), PKCE
(S256, enforced by the provider) and the RS256 ID token all run for real over HTTP.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django_tenants.utils import tenant_context

from accounts.models import User
from tenants.legal.models import TermsAcceptance
from tests.accounts.conftest import session_user_id
from tests.accounts.idp.oidc_provider import OidcProvider, path_and_query, query_of

JANE = {
    "email": "jane@acme.example",
    "email_verified": True,
    "given_name": "Jane",
    "family_name": "Doe",
}


def start_login(client: Any, next_url: str = "/missions/7/") -> str:
    response = client.post(f"/accounts/oidc/sso/login/?next={next_url}")
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


def back_to_us(client: Any, provider: OidcProvider, authorize_url: str, subject: str) -> Any:
    return client.get(path_and_query(provider.authorize(authorize_url, subject=subject)))


def counts(acme: Any) -> tuple[int, int]:
    with tenant_context(acme):
        return User.objects.count(), SocialAccount.objects.count()


def assert_refused(response: Any, code: str, status: int = 401) -> None:
    assert response.status_code == status
    assert f'data-code="{code}"' in response.content.decode()


def test_login_runs_discovery_pkce_and_code_exchange_and_creates_the_account(
    acme, client_for, oidc_provider, acme_oidc, acme_oidc_client
):
    oidc_provider.set_user("jane-sub", JANE)
    client = client_for(acme)

    authorize_url = start_login(client)
    response = back_to_us(client, oidc_provider, authorize_url, "jane-sub")

    query = query_of(authorize_url)
    assert urlparse(authorize_url).netloc == urlparse(oidc_provider.issuer).netloc
    assert query["client_id"] == acme_oidc_client[0]
    assert query["redirect_uri"] == "http://acme.entraide.test/accounts/oidc/sso/login/callback/"
    assert sorted(query["scope"].split()) == ["email", "openid", "profile"]
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert (oidc_provider.log.verified_exchanges, oidc_provider.log.refused_exchanges) == (1, 0)
    assert response.status_code == 302
    assert response["Location"] == "/missions/7/"
    with tenant_context(acme):
        user = User.objects.get(email="jane@acme.example")
        assert (user.first_name, user.last_name, user.has_usable_password()) == (
            "Jane",
            "Doe",
            False,
        )
        assert list(SocialAccount.objects.values_list("user_id", "provider", "uid")) == [
            (user.pk, "sso", "jane-sub")
        ]
        assert EmailAddress.objects.get(user=user).verified is True
    assert session_user_id(acme, client) == str(user.pk)


def test_stolen_code_redeemed_in_another_session_fails_pkce(
    acme, client_for, oidc_provider, acme_oidc, refusals
):
    oidc_provider.set_user("jane-sub", JANE)
    victim, attacker = client_for(acme), client_for(acme)
    victim_redirect = oidc_provider.authorize(start_login(victim), subject="jane-sub")
    attacker_state = query_of(start_login(attacker))["state"]
    before = counts(acme)

    response = attacker.get(
        "/accounts/oidc/sso/login/callback/",
        {"code": query_of(victim_redirect)["code"], "state": attacker_state},
    )

    assert_refused(response, "provider_error")
    assert (oidc_provider.log.verified_exchanges, oidc_provider.log.refused_exchanges) == (0, 1)
    assert counts(acme) == before
    assert session_user_id(acme, attacker) is None


def test_callback_with_unknown_state_is_refused(acme, client_for, oidc_provider, acme_oidc):
    oidc_provider.set_user("jane-sub", JANE)
    client = client_for(acme)
    redirect = oidc_provider.authorize(start_login(client), subject="jane-sub")
    before = counts(acme)

    response = client.get(
        "/accounts/oidc/sso/login/callback/",
        {"code": query_of(redirect)["code"], "state": "forged-state-value"},
    )

    assert_refused(response, "state_mismatch")
    assert oidc_provider.log.verified_exchanges == 0
    assert counts(acme) == before


def test_id_token_from_another_issuer_is_refused(
    acme, client_for, oidc_provider, acme_oidc, refusals
):
    oidc_provider.set_user("jane-sub", JANE)
    port = urlparse(oidc_provider.issuer).port
    # The token endpoint answers as "http://localhost:<port>": a signed ID token whose issuer is
    # not the one the tenant configured (and the discovery document names).
    oidc_provider.token_host = f"localhost:{port}"
    client = client_for(acme)
    before = counts(acme)

    response = back_to_us(client, oidc_provider, start_login(client), "jane-sub")

    assert_refused(response, "oidc_issuer_mismatch")
    assert counts(acme) == before
    assert session_user_id(acme, client) is None


def test_discovery_naming_another_issuer_is_refused_before_anything_is_sent(
    acme, client_for, oidc_provider, acme_oidc
):
    oidc_provider.discovery_issuer = "https://login.evil.example"
    client = client_for(acme)

    response = client.post("/accounts/oidc/sso/login/")

    assert_refused(response, "oidc_issuer_mismatch")
    assert oidc_provider.log.challenges == {}


def test_address_outside_the_allowed_domains_is_refused(acme, client_for, oidc_provider, acme_oidc):
    oidc_provider.set_user("mallory-sub", {**JANE, "email": "mallory@evil.example"})
    client = client_for(acme)
    before = counts(acme)

    response = back_to_us(client, oidc_provider, start_login(client), "mallory-sub")

    assert_refused(response, "email_domain_not_allowed", status=403)
    assert counts(acme) == before


def test_wrong_client_secret_is_refused_by_the_provider(
    acme, acme_admin, client_for, oidc_provider, acme_oidc
):
    from accounts.sso.services import oidc_connection_save

    with tenant_context(acme):
        oidc_connection_save(
            tenant=acme,
            actor=acme_admin,
            name="Acme Login",
            issuer=oidc_provider.issuer,
            client_id=acme_oidc.client_id,
            client_secret="not-the-secret",
            allowed_email_domains=["acme.example"],
        )
    oidc_provider.set_user("jane-sub", JANE)
    client = client_for(acme)
    before = counts(acme)

    response = back_to_us(client, oidc_provider, start_login(client), "jane-sub")

    assert_refused(response, "provider_error")
    assert counts(acme) == before


def test_acme_oidc_connection_is_unknown_on_paris(paris, client_for, acme_oidc):
    paris_client = client_for(paris)

    assert paris_client.post("/accounts/oidc/sso/login/").status_code == 404
    assert (
        paris_client.get("/accounts/oidc/sso/login/callback/", {"code": "x", "state": "y"})
    ).status_code == 404


def test_an_account_made_by_sso_accepts_the_terms_on_its_first_page(
    acme, client_for, oidc_provider, acme_oidc, acme_oidc_client
):
    oidc_provider.set_user("jane-sub", JANE)
    client = client_for(acme)
    landing = back_to_us(client, oidc_provider, start_login(client), "jane-sub")["Location"]

    asked = client.get(landing, HTTP_ACCEPT="text/html")

    assert asked.status_code == 302
    assert asked["Location"] == "/conditions/accepter/?next=%2Fmissions%2F7%2F"
    accepted = client.post(
        "/conditions/accepter/", {"accept": "on", "version": 1, "next": "/missions/7/"}
    )
    assert accepted["Location"] == "/missions/7/"
    with tenant_context(acme):
        acceptance = TermsAcceptance.objects.get(user__email="jane@acme.example")
        assert (acceptance.version.number, acceptance.source) == (1, "prompt")

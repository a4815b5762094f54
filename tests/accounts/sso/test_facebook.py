"""Facebook sign-in for city residents, against a local fake of the Graph API.

The fake checks what Facebook checks (app id and secret at the code exchange, appsecret_proof on
/me), so a login only succeeds if Entraide decrypted and used the city's stored secret.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.core import mail
from django_tenants.utils import tenant_context

from accounts.models import User
from accounts.sso.services import facebook_app_save
from tests.accounts.conftest import make_user, session_user_id
from tests.accounts.idp.facebook import FacebookApp
from tests.accounts.idp.oidc_provider import path_and_query, query_of

APP_ID = "1234567890"
APP_SECRET = "fb-app-secret-4f1c9d0e7b2a"
LEA = {
    "id": "10001",
    "email": "lea@example.org",
    "name": "Léa Martin",
    "first_name": "Léa",
    "last_name": "Martin",
}


@pytest.fixture
def paris_facebook(paris, paris_admin, facebook_graph) -> SocialApp:
    facebook_graph.app = FacebookApp(APP_ID, APP_SECRET)
    facebook_graph.profile = dict(LEA)
    with tenant_context(paris):
        return facebook_app_save(
            tenant=paris, actor=paris_admin, app_id=APP_ID, app_secret=APP_SECRET
        )


def facebook_login(client: Any, next_url: str = "/missions/3/") -> Any:
    start = client.post(f"/accounts/facebook/login/?process=login&next={next_url}")
    assert start.status_code == 302
    dialog = start["Location"]
    # The browser at Facebook's dialog, which sends it back to our callback.
    answer = requests.get(dialog, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return client.get(path_and_query(answer.headers["Location"]))


def counts(tenant: Any) -> tuple[int, int]:
    with tenant_context(tenant):
        return User.objects.count(), SocialAccount.objects.count()


def test_resident_signs_up_with_facebook_and_address_stays_unverified(
    paris, client_for, paris_facebook, facebook_graph
):
    client = client_for(paris)

    response = facebook_login(client)

    assert response.status_code == 302
    assert response["Location"] == "/missions/3/"
    with tenant_context(paris):
        user = User.objects.get(email="lea@example.org")
        assert (user.first_name, user.last_name, user.has_usable_password()) == (
            "Léa",
            "Martin",
            False,
        )
        assert list(SocialAccount.objects.values_list("user_id", "provider", "uid")) == [
            (user.pk, "facebook", "10001")
        ]
        assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
            ("lea@example.org", False)
        ]
    assert session_user_id(paris, client) == str(user.pk)
    assert [message.to for message in mail.outbox] == [["lea@example.org"]]
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    assert facebook_graph.calls == ["/v19.0/dialog/oauth", "/v19.0/oauth/access_token", "/v19.0/me"]


def test_confirmation_link_verifies_the_facebook_address(paris, client_for, paris_facebook):
    client = client_for(paris)
    facebook_login(client)
    link = re.search(
        r"http://paris\.entraide\.test:8000(/accounts/confirm-email/\S+/)", mail.outbox[0].body
    )
    assert link is not None

    confirm_path = link.group(1)
    assert client.post(confirm_path).status_code == 302

    with tenant_context(paris):
        assert EmailAddress.objects.get(email="lea@example.org").verified is True


def test_returning_resident_signs_in_to_the_same_account(paris, client_for, paris_facebook):
    facebook_login(client_for(paris))
    before = counts(paris)

    client = client_for(paris)
    response = facebook_login(client)

    assert response.status_code == 302
    assert counts(paris) == before
    with tenant_context(paris):
        assert session_user_id(paris, client) == str(User.objects.get(email="lea@example.org").pk)


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "unverified"])
def test_facebook_address_never_links_to_an_existing_account(
    paris, client_for, paris_facebook, verified
):
    existing = make_user(paris, "lea@example.org", verified=verified)
    client = client_for(paris)
    before = counts(paris)

    response = facebook_login(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/3rdparty/signup/"
    assert counts(paris) == before
    assert session_user_id(paris, client) is None
    with tenant_context(paris):
        assert SocialAccount.objects.filter(user=existing).exists() is False
        assert User.objects.get(pk=existing.pk).has_usable_password() is True


def test_secret_is_stored_encrypted_and_decrypted_only_to_call_facebook(paris, paris_facebook):
    with tenant_context(paris):
        row = SocialApp.objects.get(provider="facebook")

    assert row.secret == ""
    assert row.settings["secret_encrypted"].startswith("fernet:")
    assert APP_SECRET not in json.dumps(row.settings)


def test_facebook_is_refused_when_the_city_requires_sso(
    paris, client_for, paris_facebook, facebook_graph
):
    paris.sso_required = True
    paris.save(update_fields=["sso_required"])
    client = client_for(paris)

    response = client.post("/accounts/facebook/login/?process=login")

    assert response.status_code == 404
    assert facebook_graph.calls == []


def test_company_tenant_has_no_facebook_sign_in(acme, acme_admin, client_for, facebook_graph):
    with tenant_context(acme):
        # Even a row written behind the services' back is ignored on a company tenant.
        SocialApp.objects.create(provider="facebook", name="Facebook", client_id=APP_ID)
    client = client_for(acme)

    assert client.post("/accounts/facebook/login/?process=login").status_code == 404
    assert client.get("/accounts/facebook/login/callback/", {"code": "x"}).status_code == 404
    assert facebook_graph.calls == []


def test_paris_facebook_app_is_unknown_on_montreal(montreal, client_for, paris_facebook):
    assert client_for(montreal).post("/accounts/facebook/login/").status_code == 404


def test_state_of_another_browser_is_refused(paris, client_for, paris_facebook):
    victim = client_for(paris)
    start = victim.post("/accounts/facebook/login/?process=login")
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    before = counts(paris)

    response = client_for(paris).get(path_and_query(answer.headers["Location"]))

    assert response.status_code == 401
    assert 'data-code="state_mismatch"' in response.content.decode()
    assert counts(paris) == before
    assert query_of(answer.headers["Location"])["state"]


def test_login_and_signup_pages_offer_facebook_with_next(paris, client_for, paris_facebook):
    client = client_for(paris)

    for path in ("/accounts/login/?next=/missions/3/", "/accounts/signup/?next=/missions/3/"):
        page = client.get(path).content.decode()
        assert (
            'action="/accounts/facebook/login/?process=login&amp;next=%2Fmissions%2F3%2F"' in page
        ), path
        assert "Continuer avec Facebook" in page

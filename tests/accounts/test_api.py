"""/accounts/api/me/: the caller's own account over the API, by session or token of this tenant."""

from __future__ import annotations

from django.test import Client
from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token

from tests.accounts.conftest import login, make_user


def token_for(tenant, user) -> str:  # type: ignore[no-untyped-def]
    with tenant_context(tenant):
        return Token.objects.create(user=user).key


def test_me_with_a_token(paris, client_for):
    lea = make_user(paris, "lea@example.org", first_name="Léa")

    response = client_for(paris).get(
        "/accounts/api/me/", HTTP_AUTHORIZATION=f"Token {token_for(paris, lea)}"
    )

    assert response.status_code == 200
    assert response.json() == {
        "id": lea.pk,
        "email": "lea@example.org",
        "first_name": "Léa",
        "last_name": "",
        "role": "volunteer",
        "language": "",
        "is_tenant_admin": False,
    }


def test_me_with_a_session(acme, client_for):
    make_user(acme, "bob@acme.example")
    client = client_for(acme)
    login(client, "bob@acme.example")

    assert client.get("/accounts/api/me/").json()["email"] == "bob@acme.example"


def test_anonymous_is_refused(paris, client_for):
    # On a public tenant the view refuses (a private one refuses before it, same code and
    # challenge: tests/tenants/test_private_access.py).
    response = client_for(paris).get("/accounts/api/me/")

    assert response.status_code == 401  # documented in /api/schema/, with a Token challenge
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "detail": "Informations d'authentification non fournies.",
        "code": "not_authenticated",
        "fields": {},
    }


def test_token_of_paris_is_unknown_on_acme(paris, acme, client_for):
    lea = make_user(paris, "lea@example.org")
    make_user(acme, "lea@example.org")
    key = token_for(paris, lea)

    response = client_for(acme).get("/accounts/api/me/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Invalid token.",
        "code": "authentication_failed",
        "fields": {},
    }


def test_session_of_paris_is_anonymous_on_acme(paris, acme, client_for):
    make_user(paris, "lea@example.org")
    make_user(acme, "lea@example.org")
    paris_client = client_for(paris)
    login(paris_client, "lea@example.org")
    on_acme = Client(HTTP_HOST=acme.primary_host)
    on_acme.cookies["sessionid"] = paris_client.cookies["sessionid"].value

    response = on_acme.get("/accounts/api/me/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert paris_client.get("/accounts/api/me/").status_code == 200

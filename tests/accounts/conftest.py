"""Fixtures of the sign-in tests: users of each tenant, MFA, and the local identity providers
(an in-process pysaml2 IdP, an oidc-provider-mock server thread, a fake Facebook Graph server)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.test import Client
from django_tenants.utils import tenant_context

from accounts.models import User
from accounts.services import user_create
from accounts.sso.services import oidc_connection_save, saml_connection_save
from tests.accounts.idp.oidc_provider import OidcProvider, running_provider
from tests.accounts.idp.saml_idp import EMAIL, GIVEN_NAME, SURNAME, SamlIdp

PASSWORD = "correct horse battery staple"


def tenant_admin(tenant: Any) -> User:
    """The first admin that provisioning created (admin@<slug>.example, verified, no password)."""
    with tenant_context(tenant):
        return User.objects.get(email=f"admin@{tenant.slug}.example")


def make_user(
    tenant: Any,
    email: str,
    *,
    role: str = User.Role.VOLUNTEER,
    password: str | None = PASSWORD,
    verified: bool = True,
    **fields: Any,
) -> User:
    with tenant_context(tenant):
        return user_create(
            email=email, password=password, role=role, email_verified=verified, **fields
        )


def set_password(tenant: Any, user: User, password: str = PASSWORD) -> None:
    with tenant_context(tenant):
        user.set_password(password)
        user.save(update_fields=["password"])


def totp_code(secret: str, *, offset: int = 0) -> str:
    """The authenticator app's current code. allauth accepts the current 30 s period only (no
    tolerance), so a code is never computed in the last 2 s of a period."""
    remaining = 30 - time.time() % 30
    if remaining < 2:
        time.sleep(remaining + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def mfa_enable(tenant: Any, user: User) -> str:
    """Activate TOTP for the user (as allauth's activation view does); returns the secret."""
    secret = generate_totp_secret()
    with tenant_context(tenant):
        TOTP.activate(user, secret)
    return secret


def login(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/accounts/login/", {"login": email, "password": password, **extra})


def login_with_mfa(client: Client, email: str, secret: str, password: str = PASSWORD) -> Any:
    response = login(client, email, password)
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == "/accounts/2fa/authenticate/"
    return client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})


def reauthenticate(client: Client, password: str = PASSWORD) -> None:
    """allauth asks for the password again before sensitive changes (MFA, e-mail)."""
    response = client.post("/accounts/reauthenticate/", {"password": password})
    assert response.status_code == 302, response.content[:300]


def session_user_id(tenant: Any, client: Client) -> str | None:
    """Who the client's session cookie signs in on that tenant (sessions live in its schema)."""
    with tenant_context(tenant):
        return client.session.get("_auth_user_id")


@pytest.fixture
def refusals(caplog: pytest.LogCaptureFixture) -> Any:
    """The sign-in refusals logged so far: [(code, reason)] (reason: the validator's words)."""
    caplog.set_level(logging.WARNING, logger="accounts.sso.refusal")

    def read() -> list[tuple[str, str]]:
        return [
            (record.code, getattr(record, "reason", ""))  # type: ignore[attr-defined]
            for record in caplog.records
            if record.getMessage() == "sign_in.refused"
        ]

    return read


@pytest.fixture
def acme_admin(acme: Any) -> User:
    admin = tenant_admin(acme)
    set_password(acme, admin)
    return admin


@pytest.fixture
def paris_admin(paris: Any) -> User:
    admin = tenant_admin(paris)
    set_password(paris, admin)
    return admin


# --- SAML ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def saml_idp_session(tmp_path_factory: pytest.TempPathFactory) -> SamlIdp:
    return SamlIdp(Path(tmp_path_factory.mktemp("saml-idp")))


@pytest.fixture
def saml_idp(saml_idp_session: SamlIdp) -> Iterator[SamlIdp]:
    saml_idp_session.sp_metadata = []
    yield saml_idp_session
    saml_idp_session.sp_metadata = []


SAML_MAPPING = {"email": [EMAIL], "first_name": [GIVEN_NAME], "last_name": [SURNAME]}


@dataclass
class SamlSetup:
    idp: SamlIdp
    app: Any
    sp_entity_id: str
    acs_url: str


@pytest.fixture
def acme_saml(acme: Any, acme_admin: User, saml_idp: SamlIdp, client_for: Any) -> SamlSetup:
    """Acme's SAML connection to the test IdP, and the IdP trusting Acme's SP metadata."""
    with tenant_context(acme):
        app = saml_connection_save(
            tenant=acme,
            actor=acme_admin,
            name="Acme SSO",
            allowed_email_domains=["acme.example"],
            attribute_mapping=SAML_MAPPING,
            metadata_xml=saml_idp.metadata_xml(),
        )
    metadata = client_for(acme).get("/accounts/saml/acme/metadata/")
    assert metadata.status_code == 200
    saml_idp.trust_sp(metadata.content.decode())
    base = "http://acme.entraide.test/accounts/saml/acme"
    return SamlSetup(
        idp=saml_idp, app=app, sp_entity_id=f"{base}/metadata/", acs_url=f"{base}/acs/"
    )


# --- OpenID Connect -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def oidc_provider_session() -> Iterator[OidcProvider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture
def oidc_provider(oidc_provider_session: OidcProvider) -> Iterator[OidcProvider]:
    oidc_provider_session.reset()
    yield oidc_provider_session
    oidc_provider_session.reset()


ACME_OIDC_CALLBACK = "http://acme.entraide.test/accounts/oidc/sso/login/callback/"


@pytest.fixture(scope="session")
def acme_oidc_client(oidc_provider_session: OidcProvider) -> tuple[str, str]:
    """Acme's client registration at the provider: (client_id, client_secret)."""
    return oidc_provider_session.register_client(ACME_OIDC_CALLBACK)


@pytest.fixture
def acme_oidc(
    acme: Any, acme_admin: User, oidc_provider: OidcProvider, acme_oidc_client: tuple[str, str]
) -> Any:
    client_id, client_secret = acme_oidc_client
    with tenant_context(acme):
        return oidc_connection_save(
            tenant=acme,
            actor=acme_admin,
            name="Acme Login",
            issuer=oidc_provider.issuer,
            client_id=client_id,
            client_secret=client_secret,
            allowed_email_domains=["acme.example"],
        )

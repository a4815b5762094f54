"""Fixtures of the directory tests: Acme's admin and its directory token, and a SCIM client on a
tenant's host that sends a bearer token and puts back the schema the test was using."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client

from accounts.models import User
from engagement.directory.services import directory_token_create

# The loopback identity providers and Acme's connections to them (sign-in attributes).
from tests.accounts.conftest import (  # noqa: F401
    acme_oidc,
    acme_oidc_client,
    acme_saml,
    oidc_provider,
    oidc_provider_session,
    saml_idp,
    saml_idp_session,
)

# The back office's signed-in clients, for the directory's back office page.
from tests.engagement.backoffice.conftest import (  # noqa: F401
    backoffice_admin,
    backoffice_moderator,
    backoffice_volunteer,
)
from tests.engagement.factories import TenantAdminFactory

SCIM = "/scim/v2/"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ENTRAIDE = "urn:ietf:params:scim:schemas:extension:entraide:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimClient:
    def __init__(self, tenant: Any, token: str | None) -> None:
        self.tenant = tenant
        self.token = token
        self.client = Client(HTTP_HOST=tenant.primary_host)

    def request(self, method: str, path: str, body: Any = None, **extra: Any) -> HttpResponse:
        schema = connection.schema_name
        tenant = getattr(connection, "tenant", None)
        headers = dict(extra)
        if self.token is not None:
            headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        data = (
            body if isinstance(body, str | bytes) else json.dumps(body) if body is not None else ""
        )
        try:
            response = (
                getattr(self.client, method)(
                    SCIM + path, data=data, content_type="application/scim+json", **headers
                )
                if method != "get"
                else self.client.get(SCIM + path, **headers)
            )
        finally:
            if tenant is not None and schema != "public":
                connection.set_tenant(tenant)
        return response

    def get(self, path: str, **extra: Any) -> HttpResponse:
        return self.request("get", path, **extra)

    def post(self, path: str, body: Any, **extra: Any) -> HttpResponse:
        return self.request("post", path, body, **extra)

    def put(self, path: str, body: Any, **extra: Any) -> HttpResponse:
        return self.request("put", path, body, **extra)

    def patch(self, path: str, body: Any, **extra: Any) -> HttpResponse:
        return self.request("patch", path, body, **extra)

    def delete(self, path: str, **extra: Any) -> HttpResponse:
        return self.request("delete", path, **extra)


@pytest.fixture
def acme_admin(in_acme: Any) -> User:
    return TenantAdminFactory(email="rh@acme.example")


@pytest.fixture
def acme_token(acme_admin: User) -> str:
    return directory_token_create(actor=acme_admin).secret


@pytest.fixture
def scim(in_acme: Any, acme_token: str) -> ScimClient:
    return ScimClient(in_acme, acme_token)


@pytest.fixture
def scim_for() -> Callable[..., ScimClient]:
    return ScimClient


def user_body(user_name: str = "ada@acme.example", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "userName": user_name,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "active": True,
    }
    body.update(extra)
    return body


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}

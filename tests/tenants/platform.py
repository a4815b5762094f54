"""Helpers for the platform API tests: platform-side users with tokens, clients on a host."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import User

URL = "/api/platform/v1/tenants/"
PUBLIC_HOST = "entraide.test"


def platform_user(email: str, *, staff: bool, superuser: bool, active: bool = True) -> User:
    """A user of the public schema (platform side) with an API token."""
    connection.set_schema_to_public()
    user = User.objects.create_user(
        email=email, is_staff=staff, is_superuser=superuser, is_active=active
    )
    Token.objects.create(user=user)
    return user


def api_client(user: User | None = None, host: str = PUBLIC_HOST) -> Client:
    headers = {"HTTP_HOST": host, "HTTP_ACCEPT_LANGUAGE": "en"}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = f"Token {user.auth_token.key}"
    return Client(**headers)


def delete_platform_user(email: str) -> None:
    """Remove a committed platform user and its token.

    Not through the ORM: its cascade also visits allauth's tables, which exist only in tenant
    schemas.
    """
    connection.set_schema_to_public()
    Token.objects.filter(user__email=email).delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_user WHERE email = %s", [email])

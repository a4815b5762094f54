"""The database connection as what it is: django-tenants' PostgreSQL wrapper.

DATABASES' ENGINE is django_tenants.postgresql_backend, so the connection has `schema_name`,
`tenant`, `set_tenant()` and `set_schema_to_public()`; django-stubs types `django.db.connection`
as Django's base wrapper, which has none of them. Code that reads or switches the schema imports
`connection` (or `connection_for(alias)`) from here: the same objects, typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db import connection as _default_connection
from django.db import connections

if TYPE_CHECKING:
    # For the type only: the backend module imports ContentType, so importing it for real would
    # need the app registry, and the logging configuration imports tenants.context (which uses
    # this module) before the apps are loaded.
    from django_tenants.postgresql_backend.base import DatabaseWrapper

__all__ = ["connection", "connection_for"]

connection = cast("DatabaseWrapper", _default_connection)


def connection_for(alias: str) -> DatabaseWrapper:
    return cast("DatabaseWrapper", connections[alias])

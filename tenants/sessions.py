"""The session engine (SESSION_ENGINE): Django's database sessions, in the tenant schema's
`django_session` table, read with one statement written once.

Every signed-in request reads its session. Django's engine reads it through the ORM
(`Session.objects.get(session_key=…, expire_date__gt=now)`), whose compile cost ~0.5 ms of CPU
per request on the throughput bench's machine, more than the statement itself
(docs/benchmarks.md, "Throughput"). This engine reads the same row with the same condition as
SQL; writing, deleting and listing sessions stay Django's (a session is still a row of that
table, `accounts.roles.user_sessions_end` still finds and ends a user's).
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

_LOAD_SQL = (
    f"SELECT session_data FROM {Session._meta.db_table} "  # noqa: S608 - a table name only
    "WHERE session_key = %s AND expire_date > %s"
)


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict[str, Any]:
        """The session's data, or {} (and no key) when it does not exist or has expired: what
        Django's database engine returns."""
        key = self.session_key
        row = None
        if key is not None:
            with connection.cursor() as cursor:
                cursor.execute(_LOAD_SQL, [key, timezone.now()])
                row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])

"""Wait until PostgreSQL accepts connections and answers a query, or fail after a timeout.

The Helm chart's migrations Job runs it first (an init container), so a database that is still
starting (restarted with the release, a failover in progress, a PgBouncer not up yet) is waited
for instead of failing the Job's attempt:

    python manage.py wait_for_database --timeout 120

Exit status 0 once `SELECT 1` answers; 1 with the last error (no password: psycopg's messages
name the host and port only) when the timeout passes. Each attempt is a fresh connection with
its own connect timeout, so an address that drops packets costs one attempt, not the whole wait.
It reads nothing and writes nothing.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import Error as DatabaseError


class Command(BaseCommand):
    help = "Wait until the database answers (for deployments); fail after --timeout seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=60.0, help="Seconds to wait in all.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between two attempts."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        timeout: float = options["timeout"]
        interval: float = options["interval"]
        if timeout <= 0 or interval <= 0:
            raise CommandError("--timeout and --interval must be positive.")
        alias: str = options["database"]
        if alias not in connections.settings:
            raise CommandError(f"No database named {alias!r} in the settings.")
        deadline = time.monotonic() + timeout
        attempts = 0
        while True:
            attempts += 1
            left = deadline - time.monotonic()
            error = self._attempt(alias, connect_timeout=max(1, min(int(left) or 1, 10)))
            if error is None:
                self.stdout.write(f"Database answered after {attempts} attempt(s).")
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise CommandError(
                    f"Database not reachable after {timeout:g} s ({attempts} attempt(s)): {error}"
                )
            self.stderr.write(f"Database not reachable yet: {error}")
            time.sleep(min(interval, left))

    @staticmethod
    def _attempt(alias: str, *, connect_timeout: int) -> str | None:
        """One connection and `SELECT 1`, on a connection of its own (the process's connection
        for `alias` is left alone); the error's first line, or None."""
        settings_dict = connections.settings[alias]
        options = {**settings_dict.get("OPTIONS", {}), "connect_timeout": connect_timeout}
        wrapper_class = type(connections[alias])
        connection = wrapper_class({**settings_dict, "OPTIONS": options}, alias)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError as error:
            return (str(error).strip().splitlines() or [type(error).__name__])[0]
        finally:
            connection.close()
        return None

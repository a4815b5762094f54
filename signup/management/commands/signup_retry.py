"""List the sign-ups whose provisioning failed, or schedule one again once the cause is fixed.

manage.py signup_retry              # the failed sign-ups, newest first
manage.py signup_retry <public id>  # provision it again (through the outbox and a worker)
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from signup.models import SignupRequest
from signup.services import signup_retry


class Command(BaseCommand):
    help = "List failed self-serve sign-ups, or schedule one's provisioning again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("public_id", nargs="?", help="The sign-up's public id (a UUID).")

    def handle(self, *args: Any, **options: Any) -> None:
        public_id = options["public_id"]
        if not public_id:
            failed = SignupRequest.objects.filter(status=SignupRequest.Status.FAILED).order_by(
                "-updated_at"
            )
            for failure in failed:
                self.stdout.write(
                    f"{failure.public_id}  {failure.slug}  {failure.email}  "
                    f"{failure.updated_at:%Y-%m-%d %H:%M}  {failure.error[:120]}"
                )
            if not failed:
                self.stdout.write("No failed sign-up.")
            return
        try:
            key = uuid.UUID(public_id)
        except ValueError:
            raise CommandError(f"{public_id!r} is not a sign-up id (a UUID).") from None
        found = SignupRequest.objects.filter(public_id=key).first()
        if found is None:
            raise CommandError(f"No sign-up {public_id}.")
        signup = found
        if not signup_retry(signup=signup):
            raise CommandError(
                f"Sign-up {public_id} is {signup.status}, not failed after a paid checkout: "
                "nothing to retry."
            )
        self.stdout.write(f"Sign-up {public_id} ({signup.slug}) scheduled again.")

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.errors import ProvisioningError
from tenants.lifecycle import tenant_reactivate, tenant_suspend
from tenants.models import PlatformAuditEntry


class Command(BaseCommand):
    help = (
        "Suspend a tenant (its hosts answer the suspended page) or, with --reactivate, bring it "
        "back as it was. Recorded in the platform audit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True)
        parser.add_argument("--reason", default="", help="Required to suspend.")
        parser.add_argument("--reactivate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        source = PlatformAuditEntry.Source.COMMAND
        try:
            if options["reactivate"]:
                _tenant, changed = tenant_reactivate(slug=slug, actor=None, source=source)
                done = "reactivated" if changed else "already active"
            else:
                _tenant, changed = tenant_suspend(
                    slug=slug, reason=options["reason"], actor=None, source=source
                )
                done = "suspended" if changed else "already suspended"
        except ProvisioningError as error:
            raise CommandError(f"{error.message} [{error.code}]") from None
        self.stdout.write(self.style.SUCCESS(f"Tenant {slug!r} {done}."))

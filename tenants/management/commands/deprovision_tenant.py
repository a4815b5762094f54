from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.errors import ProvisioningError
from tenants.services import tenant_deprovision


class Command(BaseCommand):
    help = (
        "Export a tenant's schema with pg_dump, then drop the schema and the tenant (here, "
        "printing each step; the platform API queues the same work for a worker)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True)
        parser.add_argument(
            "--export-dir", default=str(Path(settings.BASE_DIR) / "var" / "exports")
        )
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        if not options["yes"] and options.get("interactive", True):
            answer = input(f"Type the slug ({slug}) to export and delete this tenant: ")
            if answer.strip() != slug:
                raise CommandError("Cancelled: the slug did not match.")

        def progress(step: str, percent: int) -> None:
            self.stdout.write(f"{percent:3d}% {step}")

        try:
            result = tenant_deprovision(
                slug=slug, export_dir=Path(options["export_dir"]), progress=progress
            )
        except ProvisioningError as error:
            raise CommandError(f"{error.message} [{error.code}]") from None
        files = (
            f", its files to {result.media_export_path}"
            if result.media_export_path
            else " (no uploaded files)"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Tenant {result.slug!r} exported to {result.export_path} "
                f"({result.export_bytes} bytes){files}, and dropped."
            )
        )

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.errors import ProvisioningError
from tenants.models import Tenant
from tenants.services import tenant_provision


class Command(BaseCommand):
    help = "Create a tenant: domain(s), schema cloned from the template, causes, first admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=[k for k, _ in Tenant.Kind.choices])
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument(
            "--domain",
            action="append",
            default=[],
            dest="domains",
            help="Extra custom domain (repeatable).",
        )
        parser.add_argument(
            "--language", default="fr", choices=[code for code, _ in Tenant.Language.choices]
        )
        parser.add_argument(
            "--extra-language",
            action="append",
            default=[],
            choices=[code for code, _ in Tenant.Language.choices],
        )
        parser.add_argument("--timezone", default="Europe/Paris")
        parser.add_argument("--country", default="FR")
        privacy = parser.add_mutually_exclusive_group()
        privacy.add_argument(
            "--private",
            action="store_true",
            default=None,
            dest="is_private",
            help="Members only (the default for companies).",
        )
        privacy.add_argument(
            "--public",
            action="store_false",
            dest="is_private",
            help="Anyone may browse (the default for cities).",
        )
        parser.add_argument(
            "--no-template-rebuild",
            action="store_true",
            help="Fail instead of rebuilding a missing or stale template schema.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = tenant_provision(
                kind=options["kind"],
                name=options["name"],
                slug=options["slug"],
                admin_email=options["admin_email"],
                domains=options["domains"],
                default_language=options["language"],
                languages=options["extra_language"],
                timezone_name=options["timezone"],
                country=options["country"],
                is_private=options["is_private"],
                rebuild_template=not options["no_template_rebuild"],
            )
        except ProvisioningError as error:
            raise CommandError(f"{error.message} [{error.code}]") from None
        if result.template_rebuilt:
            self.stderr.write("The template schema was missing or stale and has been rebuilt.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Tenant {result.tenant.slug!r} ready in {result.seconds:.2f} s "
                f"(schema {result.tenant.schema_name})."
            )
        )
        self.stdout.write(f"Admin {result.admin_email}: set a password (one-time link):")
        self.stdout.write(f"  {result.set_password_url}")

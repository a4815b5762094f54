from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants import provisioning


class Command(BaseCommand):
    help = "Check (default) or rebuild the template schema that new tenants are cloned from."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Rebuild if missing or stale.")
        parser.add_argument("--force", action="store_true", help="Rebuild even if current.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["force"]:
            seconds = provisioning.template_build()
            self.stdout.write(self.style.SUCCESS(f"Template rebuilt in {seconds:.2f} s."))
            return
        state = provisioning.template_state()
        if state.is_current:
            self.stdout.write(self.style.SUCCESS("Template schema is current."))
            return
        if not options["rebuild"]:
            problem = (
                "missing"
                if not state.exists
                else (f"stale ({len(state.missing_migrations)} migrations missing)")
            )
            raise CommandError(f"Template schema is {problem}; rerun with --rebuild.")
        provisioning.template_ensure(rebuild=True)
        self.stdout.write(self.style.SUCCESS("Template schema rebuilt and current."))

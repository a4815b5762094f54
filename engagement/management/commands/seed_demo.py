from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import tenant_context

from engagement.demo.seed import demo_seed
from engagement.sharing.demo import demo_sharing_seed
from tenants.demo import DEMO_TENANTS, demo_logo
from tenants.models import Tenant
from tenants.services import tenant_provision


class Command(BaseCommand):
    help = "Create the demo tenants (paris, montreal, acme) and their content. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        for spec in DEMO_TENANTS:
            tenant = Tenant.objects.filter(slug=spec["slug"]).first()
            if tenant is None:
                result = tenant_provision(**spec)
                tenant = result.tenant
                self.stdout.write(f"Created {tenant.slug} in {result.seconds:.2f} s.")
            demo_logo(tenant)
            with tenant_context(tenant):
                summary = demo_seed(tenant=tenant)
            if tenant.is_private:
                # A company's programme: visitors are sent to its sign-in page first.
                summary = f"private instance (members only), {summary}"
            self.stdout.write(self.style.SUCCESS(f"{tenant.name}: {tenant.base_url}/ — {summary}"))
        # Paris shares its verified organizations' missions; Acme subscribes around its offices.
        shared = demo_sharing_seed(city_slug="paris", company_slug="acme", radius_km=15)
        self.stdout.write(f"Paris shares {shared} missions near Acme's offices.")

"""Print the tenants' verified custom domains as Helm values for the chart's
`ingress.customDomains.hosts` (deploy/helm/entraide): cert-manager then issues a certificate for
each. Meant for the deployment pipeline:

    python manage.py custom_domains_values > domains.yaml
    helm upgrade entraide deploy/helm/entraide -f values.yaml -f domains.yaml

Helm replaces a list given in a later file, so this list is the whole of it.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand

from tenants.selectors import custom_domain_hosts_verified


class Command(BaseCommand):
    help = "Print the verified custom domains as Helm values (ingress.customDomains.hosts)."

    def handle(self, *args: Any, **options: Any) -> None:
        hosts = custom_domain_hosts_verified()
        lines = [
            "# Verified custom domains (manage.py custom_domains_values).",
            "ingress:",
            "  customDomains:",
        ]
        if hosts:
            # JSON strings are YAML strings; the names are ASCII (punycode) anyway.
            lines += ["    hosts:"] + [f"      - {json.dumps(host)}" for host in hosts]
        else:
            lines.append("    hosts: []")
        self.stdout.write("\n".join(lines))

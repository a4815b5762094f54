"""Compare every tenant with Stripe, fix drift (state, plan, seats), print what changed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.entitlements import tenant_plan
from billing.models import BillingAuditEntry
from billing.selectors import billing_account_for_tenant, seats_count
from billing.services import SyncResult, seats_sync, subscription_sync
from billing.stripe_client import StripeUnavailable
from tenants.models import Tenant


def _describe(result: SyncResult) -> str:
    changes = {**result.tenant_changes, **result.account_changes}
    return "; ".join(
        f"{name} {old if old not in ('', None) else '—'} → {new if new not in ('', None) else '—'}"
        for name, (old, new) in sorted(changes.items())
    )


def _seats_reconcile(tenant: Tenant, *, dry_run: bool) -> tuple[int, int] | None:
    """A per-seat subscription whose quantity differs from the active employees: (billed, now)."""
    plan = tenant_plan(tenant)
    if plan is None or not plan.is_per_seat:
        return None
    account = billing_account_for_tenant(tenant=tenant)
    if not account.has_live_subscription:
        return None
    billed, active = account.seats, max(seats_count(tenant=tenant), 1)
    if billed == active:
        return None
    if not dry_run:
        seats_sync(tenant=tenant)
    return billed, active


class Command(BaseCommand):
    help = "Compare every tenant's billing state with Stripe, fix drift and print the changes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", action="append", default=[], help="Only this slug.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would change; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Tenant.objects.order_by("slug")
        if options["tenant"]:
            tenants = tenants.filter(slug__in=options["tenant"])
            missing = set(options["tenant"]) - set(tenants.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No tenant with slug: {', '.join(sorted(missing))}")
        dry_run = options["dry_run"]
        checked = changed = failed = 0
        for tenant in tenants:
            checked += 1
            try:
                result = subscription_sync(
                    tenant=tenant, source=BillingAuditEntry.Source.RECONCILE, dry_run=dry_run
                )
            except StripeUnavailable as error:
                failed += 1
                self.stderr.write(f"{tenant.slug}: Stripe unavailable ({error}); skipped")
                continue
            lines = [_describe(result)] if result.changed else []
            try:
                seats = _seats_reconcile(tenant, dry_run=dry_run)
            except StripeUnavailable as error:
                failed += 1
                self.stderr.write(f"{tenant.slug}: Stripe unavailable ({error}); seats skipped")
                seats = None
            if seats is not None:
                lines.append(f"seats {seats[0]} → {seats[1]}")
            if lines:
                changed += 1
                self.stdout.write(f"{tenant.slug}: {'; '.join(lines)}")
            elif options["verbosity"] >= 2:
                self.stdout.write(f"{tenant.slug}: in sync")
        suffix = " (dry run: nothing written)" if dry_run else ""
        self.stdout.write(
            f"Checked {checked} tenant(s): {changed} changed, {failed} failed{suffix}."
        )
        if failed:
            raise CommandError(f"{failed} tenant(s) could not be compared with Stripe.")

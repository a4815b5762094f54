"""Company seats (active employees) synced to Stripe, with idempotency keys.

The sync is scheduled (debounced, through the outbox) by accounts whenever its members change and
`billing.entitlements.seats_are_billed` says the plan is priced per seat."""

from __future__ import annotations

import logging
import uuid

from django.db import transaction
from django.utils import timezone

from billing import locks, selectors, stripe_client
from billing.entitlements import tenant_plan
from billing.models import BillingAccount, SeatSync
from billing.services.common import Action, Source, _audit
from tenants.models import Tenant

logger = logging.getLogger(__name__)


def seats_sync(*, tenant: Tenant) -> SeatSync | None:
    """Set the per-seat subscription's quantity to the tenant's active users.

    The change is recorded (pending) with a fresh idempotency key before Stripe is called; a
    retry after a failure reuses that key, so Stripe applies the change once.
    """
    plan = tenant_plan(tenant)
    if plan is None or not plan.is_per_seat:
        return None
    with locks.tenant_billing_lock(tenant.pk):
        seats = max(selectors.seats_count(tenant=tenant), 1)
        with transaction.atomic():
            account = BillingAccount.objects.select_for_update().filter(tenant_id=tenant.pk).first()
            if (
                account is None
                or not account.has_live_subscription
                or not account.stripe_subscription_item_id
            ):
                return None
            sync = account.seat_syncs.filter(status=SeatSync.Status.PENDING).first()
            if sync is not None and sync.seats != seats:
                sync.status = SeatSync.Status.SUPERSEDED
                sync.save(update_fields=["status"])
                sync = None
            if sync is None:
                if seats == account.seats:
                    return None
                sync = SeatSync(
                    account=account,
                    seats_before=account.seats,
                    seats=seats,
                    idempotency_key=f"seats:{tenant.pk}:{uuid.uuid4().hex}",
                )
                sync.full_clean()
                sync.save()
            item_id = account.stripe_subscription_item_id
        quantity = stripe_client.subscription_item_quantity_set(
            item_id=item_id, quantity=sync.seats, idempotency_key=sync.idempotency_key
        )
        with transaction.atomic():
            account = BillingAccount.objects.select_for_update().get(pk=account.pk)
            seats_before = account.seats
            account.seats = quantity
            account.save(update_fields=["seats", "updated_at"])
            sync.status = SeatSync.Status.SYNCED
            sync.synced_at = timezone.now()
            sync.save(update_fields=["status", "synced_at"])
            _audit(
                tenant=tenant,
                action=Action.SEATS_SYNCED,
                source=Source.SCHEDULE,
                changes={"seats": [seats_before, quantity]},
            )
            preview_key = selectors.invoice_preview_key(account)
            # Robust: a cache outage must not fail a sync that is committed already.
            transaction.on_commit(lambda: locks.value_delete(preview_key), robust=True)
    logger.info("billing.seats.synced", extra={"tenant_id": tenant.pk, "seats": quantity})
    return sync

"""Stripe webhook events: stored once, processed once, by re-fetching Stripe's current state."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from billing import stripe_client
from billing.checkout_handlers import signup_checkout_handlers
from billing.models import BillingAccount, BillingAuditEntry, StripeEvent
from billing.services.common import Action, Source, _audit
from billing.services.sync import subscription_sync
from billing.stripe_client import EventSnapshot
from tenants.models import Tenant
from tenants.outbox.services import outbox_enqueue

logger = logging.getLogger(__name__)

HANDLED_EVENT_TYPES = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.trial_will_end",
        "invoice.paid",
        "invoice.payment_failed",
    }
)
# A worker that claimed an event and vanished: after this long another worker may take it over.
EVENT_PROCESSING_STALE = dt.timedelta(minutes=5)
# Scheduled by name through the outbox: tasks call services, services never import tasks.
STRIPE_EVENT_PROCESS_TASK = "billing.tasks.stripe_event_process"


def stripe_event_receive(*, event: EventSnapshot) -> tuple[StripeEvent, bool]:
    """Store a verified event once; schedule its processing. Returns (event, created).

    The processing task goes through the outbox, in the transaction that stores the event: if the
    broker is down, the sweep sends it within a minute. A duplicate (also one arriving at the same
    moment on another connection: the unique index makes the second insert wait, then fail) is
    not processed again, unless the stored copy is still unprocessed (received, failed, or stuck
    in processing): Stripe's redelivery then schedules it again (the claim in
    stripe_event_process keeps that to one run).
    """
    handled = event.type in HANDLED_EVENT_TYPES
    record = StripeEvent(
        event_id=event.id,
        type=event.type,
        livemode=event.livemode,
        stripe_created_at=event.created,
        object_id=event.object_id,
        customer_id=event.customer_id,
        subscription_id=event.subscription_id,
        claimed_tenant_id=event.claimed_tenant_id,
        status=StripeEvent.Status.RECEIVED if handled else StripeEvent.Status.IGNORED,
    )
    record.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            record.save()
            if handled:
                outbox_enqueue(STRIPE_EVENT_PROCESS_TASK, record.pk)
    except IntegrityError:
        existing = StripeEvent.objects.get(event_id=event.id)
        logger.info(
            "billing.event.duplicate",
            extra={"event_id": event.id, "type": event.type, "status": existing.status},
        )
        if _is_unprocessed(existing, now=timezone.now()):
            outbox_enqueue(STRIPE_EVENT_PROCESS_TASK, existing.pk)
        return existing, False
    logger.info("billing.event.received", extra={"event_id": event.id, "type": event.type})
    return record, True


def _is_unprocessed(record: StripeEvent, *, now: dt.datetime) -> bool:
    if record.status in {StripeEvent.Status.RECEIVED, StripeEvent.Status.FAILED}:
        return True
    return (
        record.status == StripeEvent.Status.PROCESSING
        and record.processing_started_at is not None
        and now - record.processing_started_at >= EVENT_PROCESSING_STALE
    )


def _event_claim(*, event_pk: int, now: dt.datetime) -> StripeEvent | None:
    with transaction.atomic():
        record = StripeEvent.objects.select_for_update().get(pk=event_pk)
        if record.status in {StripeEvent.Status.PROCESSED, StripeEvent.Status.IGNORED}:
            return None
        if (
            record.status == StripeEvent.Status.PROCESSING
            and record.processing_started_at is not None
            and now - record.processing_started_at < EVENT_PROCESSING_STALE
        ):
            return None
        record.status = StripeEvent.Status.PROCESSING
        record.processing_started_at = now
        record.attempts += 1
        record.save(update_fields=["status", "processing_started_at", "attempts"])
        return record


def _event_finish(
    *, record: StripeEvent, status: str, tenant: Tenant | None, error: str = ""
) -> None:
    StripeEvent.objects.filter(pk=record.pk).update(
        status=status,
        tenant=tenant,
        error=error[:200],
        processed_at=timezone.now() if status != StripeEvent.Status.FAILED else None,
    )


def _event_tenant(record: StripeEvent) -> Tenant | None:
    """The tenant an event is about: the owner of its Stripe customer. A signed event that names
    a tenant (checkout's client_reference_id, subscription metadata) links the customer to that
    tenant only if the tenant has no customer yet."""
    if record.customer_id:
        account = (
            BillingAccount.objects.select_related("tenant")
            .filter(stripe_customer_id=record.customer_id)
            .first()
        )
        if account is not None:
            if record.claimed_tenant_id not in (None, account.tenant_id):
                logger.warning(
                    "billing.event.tenant_mismatch",
                    extra={"event_id": record.event_id, "tenant_id": account.tenant_id},
                )
            return account.tenant
    if record.claimed_tenant_id is None or not record.customer_id:
        return None
    with transaction.atomic():
        account = (
            BillingAccount.objects.select_for_update()
            .select_related("tenant")
            .filter(tenant_id=record.claimed_tenant_id)
            .first()
        )
        if account is None or account.stripe_customer_id:
            return None
        account.stripe_customer_id = record.customer_id
        account.save(update_fields=["stripe_customer_id", "updated_at"])
    logger.info(
        "billing.customer.linked",
        extra={"tenant_id": account.tenant_id, "event_id": record.event_id},
    )
    return account.tenant


def stripe_event_process(*, event_pk: int) -> StripeEvent:
    """Handle a stored event once: re-fetch the tenant's subscription and decide from it."""
    record = _event_claim(event_pk=event_pk, now=timezone.now())
    if record is None:
        return StripeEvent.objects.get(pk=event_pk)
    tenant: Tenant | None = None
    try:
        if _signup_checkout_dispatch(record):
            _event_finish(record=record, status=StripeEvent.Status.PROCESSED, tenant=None)
            logger.info(
                "billing.event.processed",
                extra={"event_id": record.event_id, "type": record.type, "signup": True},
            )
            return StripeEvent.objects.get(pk=event_pk)
        tenant = _event_tenant(record)
        if tenant is None:
            logger.warning(
                "billing.event.unknown_customer",
                extra={"event_id": record.event_id, "type": record.type},
            )
            _event_finish(
                record=record,
                status=StripeEvent.Status.IGNORED,
                tenant=None,
                error="unknown customer",
            )
            return StripeEvent.objects.get(pk=event_pk)
        subscription_sync(
            tenant=tenant, source=Source.STRIPE_EVENT, stripe_event_id=record.event_id
        )
        _event_side_effects(record=record, tenant=tenant)
    except Exception as error:
        _event_finish(
            record=record,
            status=StripeEvent.Status.FAILED,
            tenant=tenant,
            error=error.__class__.__name__,
        )
        logger.warning(
            "billing.event.failed",
            extra={"event_id": record.event_id, "error": error.__class__.__name__},
        )
        raise
    _event_finish(record=record, status=StripeEvent.Status.PROCESSED, tenant=tenant)
    logger.info(
        "billing.event.processed",
        extra={"event_id": record.event_id, "type": record.type, "tenant_id": tenant.pk},
    )
    return StripeEvent.objects.get(pk=event_pk)


def _signup_checkout_dispatch(record: StripeEvent) -> bool:
    """A completed Checkout of a self-serve sign-up (no tenant yet): re-fetch the session and its
    subscription from Stripe and hand them to the sign-up's handler. False when the event is not
    about a sign-up's checkout (a tenant's own checkout names the tenant instead)."""
    if record.type != "checkout.session.completed" or record.claimed_tenant_id is not None:
        return False
    if not record.object_id:
        return False
    session = stripe_client.checkout_session_get(record.object_id)
    if not session.signup_id:
        return False
    subscription = (
        stripe_client.subscription_get(session.subscription_id) if session.subscription_id else None
    )
    handlers = signup_checkout_handlers()
    if not handlers:
        logger.error("billing.event.signup_unhandled", extra={"event_id": record.event_id})
    for handler in handlers:
        handler(session=session, subscription=subscription, stripe_event_id=record.event_id)
    return True


def _event_side_effects(*, record: StripeEvent, tenant: Tenant) -> None:
    action = {
        "invoice.payment_failed": Action.PAYMENT_FAILED,
        "invoice.paid": Action.PAYMENT_SUCCEEDED,
        "customer.subscription.trial_will_end": Action.TRIAL_WILL_END,
    }.get(record.type)
    if action is None:
        return
    with transaction.atomic():
        if BillingAuditEntry.objects.filter(
            stripe_event_id=record.event_id, action=action
        ).exists():
            return
        _audit(
            tenant=tenant,
            action=action,
            source=Source.STRIPE_EVENT,
            stripe_event_id=record.event_id,
            changes={"invoice": record.object_id} if record.type.startswith("invoice.") else {},
        )
        if action == Action.TRIAL_WILL_END:
            tenant_id = tenant.pk
            transaction.on_commit(lambda: _trial_ending_notify(tenant_id=tenant_id))


def _trial_ending_notify(*, tenant_id: int) -> None:
    """E-mail the tenant's admins that the trial ends soon (in the tenant's language)."""
    User = get_user_model()  # the tenant's users (billing never imports accounts)
    tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_context(tenant):
        recipients = list(
            User.objects.filter(is_active=True, role=User.Role.ADMIN).values_list(
                "email", flat=True
            )
        )
    if not recipients:
        return
    ends = tenant.billing_trial_ends_at
    with translation.override(tenant.default_language):
        subject = _("Your Entraide trial ends soon")
        body = _(
            "The trial of %(name)s ends on %(date)s. Add a payment method on the billing page "
            "to keep your site open: %(url)s"
        ) % {
            "name": tenant.name,
            "date": ends.date().isoformat() if ends else "",
            "url": _billing_page_url(tenant),
        }
    send_mass_mail(
        [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in recipients],
        fail_silently=True,
    )


def _billing_page_url(tenant: Tenant) -> str:
    return tenant.base_url + reverse("billing:page", urlconf=settings.ROOT_URLCONF)


def stripe_events_retry_stale(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Re-schedule events stuck in received/failed (a lost worker, Stripe down for a while)."""
    cutoff = timezone.now() - older_than
    stale = list(
        StripeEvent.objects.filter(
            status__in=[StripeEvent.Status.RECEIVED, StripeEvent.Status.FAILED],
            received_at__lte=cutoff,
            attempts__lt=20,
        ).values_list("pk", flat=True)[:500]
    )
    for pk in stale:
        outbox_enqueue(STRIPE_EVENT_PROCESS_TASK, pk)
    return len(stale)


def stripe_events_requeue(*, event_pks: list[int]) -> int:
    """Process these events again (platform console). Processing re-fetches Stripe's current
    state, so running an event twice is harmless."""
    pks = list(
        StripeEvent.objects.filter(pk__in=event_pks)
        .filter(type__in=HANDLED_EVENT_TYPES)
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        StripeEvent.objects.filter(pk__in=pks).update(
            status=StripeEvent.Status.RECEIVED, processing_started_at=None
        )
        for pk in pks:
            outbox_enqueue(STRIPE_EVENT_PROCESS_TASK, pk)
    return len(pks)

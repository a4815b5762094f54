"""Digests: one e-mail per person and period with the news kept for them.

A person who wants the news from their friends once a day or once a week gets nothing as it
happens: `deliver_email` keeps each message (EmailDigestItem). Every hour, the beat task looks
at each tenant's clock; at DIGEST_HOUR in the tenant's time zone (every day for the daily
digests, on Mondays for the weekly ones), it schedules the tenant's digest task, which sends one
e-mail per person with every item kept, then deletes them — in the transaction that records the
delivery, keyed by person, frequency and day, so a task run twice sends once. Nothing is sent
to a person with nothing kept.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections import defaultdict
from datetime import datetime

from django.db import DatabaseError, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from accounts.models import User
from engagement.emails.delivery import (
    EmailCategory,
    email_preferences,
    preferences_url,
    render_email,
    send_rendered,
    unsubscribe_headers,
    unsubscribe_url,
)
from engagement.emails.models import EmailDigestItem, EmailPreferences
from engagement.links import language_for
from tenants.context import current_tenant, tenant_context
from tenants.models import Tenant
from tenants.outbox.services import outbox_enqueue

logger = logging.getLogger(__name__)

# Local time at which digests leave: a decent hour, before the day's plans.
DIGEST_HOUR = 8
# Weekly digests leave on Mondays (datetime.weekday()).
WEEKLY_DAY = 0
DIGEST_TASK = "engagement.email_digests_send"

Frequency = EmailPreferences.Frequency


def digest_frequencies_due(tenant: Tenant, now: datetime) -> list[str]:
    """The digest frequencies whose hour it is in the tenant's time zone."""
    local = now.astimezone(zoneinfo.ZoneInfo(tenant.timezone))
    if local.hour != DIGEST_HOUR:
        return []
    due = [Frequency.DAILY.value]
    if local.weekday() == WEEKLY_DAY:
        due.append(Frequency.WEEKLY.value)
    return due


def digests_schedule_everywhere(*, now: datetime | None = None) -> int:
    """Schedule, in each active tenant where it is DIGEST_HOUR, the digest task of each
    frequency due; returns the tasks scheduled (the hourly beat task)."""
    now = now or timezone.now()
    scheduled = 0
    tenants = (
        Tenant.objects.exclude(schema_name=get_public_schema_name())
        .filter(status=Tenant.Status.ACTIVE)
        .order_by("pk")
    )
    for tenant in tenants:
        due = digest_frequencies_due(tenant, now)
        if not due:
            continue
        day = now.astimezone(zoneinfo.ZoneInfo(tenant.timezone)).date().isoformat()
        try:
            with tenant_context(tenant), transaction.atomic():
                for frequency in due:
                    outbox_enqueue(DIGEST_TASK, frequency, day)
                    scheduled += 1
        except DatabaseError:
            logger.exception("email.digest_schedule_failed", extra={"schema": tenant.schema_name})
    return scheduled


def _wanted_frequency(preferences: EmailPreferences) -> str:
    # Items kept before the person switched to "as it happens" leave with the daily digest.
    if preferences.friends == Frequency.IMMEDIATELY:
        return Frequency.DAILY.value
    return str(preferences.friends)


def digests_send(*, frequency: str, day: str) -> int:
    """Send the `frequency` digests of `day` in the current tenant; returns the e-mails sent.

    Items of a person who no longer wants the news, or whose account is closed, are dropped.
    """
    tenant = current_tenant()
    items_by_user: dict[int, list[EmailDigestItem]] = defaultdict(list)
    for item in EmailDigestItem.objects.filter(category=EmailCategory.FRIENDS).order_by(
        "recipient_id", "created_at", "id"
    ):
        items_by_user[item.recipient_id].append(item)
    if not items_by_user:
        return 0
    sent = 0
    for user in User.objects.filter(pk__in=list(items_by_user)).order_by("pk"):
        items = items_by_user[user.pk]
        preferences = email_preferences(user)
        if not user.is_active or preferences.friends == Frequency.NEVER:
            EmailDigestItem.objects.filter(pk__in=[item.pk for item in items]).delete()
            continue
        if _wanted_frequency(preferences) != frequency:
            continue
        sent += _digest_send(tenant=tenant, user=user, items=items, frequency=frequency, day=day)
    logger.info("email.digests_sent", extra={"frequency": frequency, "sent": sent})
    return sent


def _digest_send(
    *, tenant: Tenant, user: User, items: list[EmailDigestItem], frequency: str, day: str
) -> int:
    unsubscribe = unsubscribe_url(tenant=tenant, user=user, category=EmailCategory.FRIENDS)
    subject, text, html = render_email(
        tenant=tenant,
        template="friends_digest",
        language=language_for(tenant, user),
        context={
            "items": items,
            "is_weekly": frequency == Frequency.WEEKLY,
            "preferences_url": preferences_url(tenant),
            "unsubscribe_url": unsubscribe,
        },
    )
    with transaction.atomic():
        delivered = send_rendered(
            key=f"digest:{EmailCategory.FRIENDS}:{frequency}:{day}:user:{user.pk}",
            tenant=tenant,
            address=user.email,
            subject=subject,
            text=text,
            html=html,
            attachments=(),
            headers=unsubscribe_headers(unsubscribe),
        )
        if delivered:
            EmailDigestItem.objects.filter(pk__in=[item.pk for item in items]).delete()
        # Otherwise this digest left earlier with the items of then: these newer ones wait for
        # the next.
    return int(delivered)

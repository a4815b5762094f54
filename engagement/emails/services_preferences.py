"""Changes to what a person wants to receive by e-mail: their preferences page and API, and the
one-click unsubscribe of an e-mail's footer or List-Unsubscribe header."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from engagement.emails.delivery import EmailCategory
from engagement.emails.models import EmailDigestItem, EmailPreferences
from engagement.errors import EngagementError, EngagementErrorCode
from tenants.audit.services import audit_record

logger = logging.getLogger(__name__)

PREFERENCE_FIELDS = ("reminders", "alerts", "friends", "organization_messages", "campaigns")

# What "stop these e-mails" writes for each optional category.
_OFF: dict[EmailCategory, tuple[str, object]] = {
    EmailCategory.REMINDERS: ("reminders", False),
    EmailCategory.ALERTS: ("alerts", False),
    EmailCategory.FRIENDS: ("friends", EmailPreferences.Frequency.NEVER),
    EmailCategory.ORGANIZATION_MESSAGES: ("organization_messages", False),
    EmailCategory.CAMPAIGNS: ("campaigns", False),
}


def email_preferences_update(
    *, user: User, actor: User | None, changes: Mapping[str, Any]
) -> EmailPreferences:
    """Save the given preferences (the others keep their value); audited.

    A person who stops the news from their friends loses the items waiting for their digest.
    """
    unknown = sorted(set(changes) - set(PREFERENCE_FIELDS))
    if unknown:
        raise EngagementError(
            _("Unknown preference."),
            code=EngagementErrorCode.INVALID,
            fields={name: [_("Unknown preference.")] for name in unknown},
        )
    if "friends" in changes and changes["friends"] not in EmailPreferences.Frequency.values:
        raise EngagementError(
            _("Choose how often."),
            code=EngagementErrorCode.INVALID,
            fields={"friends": [_("Choose how often.")]},
        )
    with transaction.atomic():
        preferences, _created = EmailPreferences.objects.select_for_update().get_or_create(
            user=user
        )
        before = {name: getattr(preferences, name) for name in PREFERENCE_FIELDS}
        for name, value in changes.items():
            setattr(preferences, name, value)
        preferences.full_clean()
        preferences.save()
        after = {name: getattr(preferences, name) for name in PREFERENCE_FIELDS}
        changed = {name: after[name] for name in PREFERENCE_FIELDS if before[name] != after[name]}
        if preferences.friends == EmailPreferences.Frequency.NEVER:
            EmailDigestItem.objects.filter(recipient=user, category=EmailCategory.FRIENDS).delete()
        if changed:
            audit_record(
                actor=actor, action="email_preferences.updated", target=preferences, data=changed
            )
    return preferences


def email_category_unsubscribe(*, user: User, category: EmailCategory) -> EmailPreferences:
    """Turn one optional category off (the one-click unsubscribe: no session, the signed
    token names the person); saying it twice changes nothing more."""
    name, value = _OFF[category]
    preferences = email_preferences_update(user=user, actor=None, changes={name: value})
    logger.info("email.unsubscribed", extra={"category": str(category)})
    return preferences

"""Sending one e-mail of a tenant: rendered in the recipient's language with the tenant's
branding, from the tenant's sender name, once per key, and only if the recipient wants it.

Every engagement e-mail goes through `deliver_email` — the participation and moderation messages
of engagement/emails/services.py as well as the e-mails of friends, reminders, calendars, alerts
and organization messages, which live in their own packages. It knows no domain: callers pass
the template, the context and what the message is about (its `key` and its `category`).

- Once: the key (e.g. "participation:12:confirmed") is inserted in EmailDelivery in the
  transaction that sends, so a task run twice sends once.
- Wanted: a message of an optional category (reminders, alerts, friends, organization
  messages) is sent only if the recipient's EmailPreferences allow it; TRANSACTIONAL messages
  (about the person's own participation or account) always are.
- Branded: subject "[<tenant name>] …", From "<tenant name> <DEFAULT_FROM_EMAIL's address>",
  HTML (emails/base.html) and plain text, both rendered from
  emails/<fr|en>/<template>{_subject.txt,.txt,.html}.
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from engagement.emails.models import EmailDelivery, EmailPreferences
from engagement.links import template_language
from tenants.branding import readable_link_colour, readable_text_on
from tenants.models import Tenant

logger = logging.getLogger(__name__)

_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")
_EMPTY_PARAGRAPH = re.compile(r"<p[^>]*>\s*</p>\s*")


class EmailCategory(StrEnum):
    # About the person's own participation, invitation or account: always sent.
    TRANSACTIONAL = "transactional"
    REMINDERS = "reminders"
    ALERTS = "alerts"
    FRIENDS = "friends"
    ORGANIZATION_MESSAGES = "organization_messages"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def branding_context(tenant: Tenant) -> dict[str, str]:
    """What every e-mail template reads of the tenant (emails/base.html)."""
    return {
        "tenant_name": tenant.name,
        "primary_color": tenant.primary_color,
        "on_primary": readable_text_on(tenant.primary_color),
        "link_color": readable_link_colour(tenant.primary_color),
        "site_url": tenant.base_url,
    }


def sender_address(tenant: Tenant) -> str:
    """`"<tenant name>" <address of DEFAULT_FROM_EMAIL>`: people see who writes to them."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((tenant.name, address or settings.DEFAULT_FROM_EMAIL))


def email_preferences(user: User) -> EmailPreferences:
    """The person's preferences, or the defaults (unsaved) when they never chose."""
    found = EmailPreferences.objects.filter(user_id=user.pk).first()
    return found if found is not None else EmailPreferences(user=user)


def category_wanted(user: User, category: EmailCategory) -> bool:
    """Whether `user` receives messages of `category` as they happen."""
    if category == EmailCategory.TRANSACTIONAL:
        return True
    if not user.is_active:
        return False
    preferences = email_preferences(user)
    if category == EmailCategory.REMINDERS:
        return preferences.reminders
    if category == EmailCategory.ALERTS:
        return preferences.alerts
    if category == EmailCategory.ORGANIZATION_MESSAGES:
        return preferences.organization_messages
    return preferences.friends == EmailPreferences.Frequency.IMMEDIATELY


def render_email(
    *, tenant: Tenant, template: str, language: str, context: Mapping[str, object]
) -> tuple[str, str, str]:
    """(subject, text, html) of a template in `language`, in the tenant's time zone."""
    base = f"emails/{template_language(language)}/{template}"
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(tenant.timezone)):
        full_context = {**branding_context(tenant), **context, "language": language}
        subject = " ".join(render_to_string(f"{base}_subject.txt", full_context).split())
        # Optional paragraphs render empty: drop the blank lines and empty <p> they leave.
        text = _BLANK_LINES.sub("\n\n", render_to_string(f"{base}.txt", full_context)).strip()
        html = _EMPTY_PARAGRAPH.sub("", render_to_string(f"{base}.html", full_context))
    return subject, text, html


def deliver_email(
    *,
    key: str,
    tenant: Tenant,
    template: str,
    recipient: User | str,
    language: str,
    context: Mapping[str, object],
    category: EmailCategory = EmailCategory.TRANSACTIONAL,
    attachments: Sequence[Attachment] = (),
    headers: Mapping[str, str] | None = None,
) -> bool:
    """Render and send one e-mail unless `key` was delivered already or the recipient does not
    want its category; True if sent now."""
    if isinstance(recipient, User):
        if not category_wanted(recipient, category):
            logger.info("email.not_wanted", extra={"template": template, "category": category})
            return False
        address = recipient.email
    else:
        address = recipient
    subject, text, html = render_email(
        tenant=tenant, template=template, language=language, context=context
    )
    message = EmailMultiAlternatives(
        subject=f"[{tenant.name}] {subject}",
        body=text,
        from_email=sender_address(tenant),
        to=[address],
        headers={"X-Entraide-Tenant": tenant.slug, **(headers or {})},
    )
    message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    try:
        with transaction.atomic():
            EmailDelivery.objects.create(key=key)
            message.send()
    except IntegrityError:
        logger.info("email.already_sent", extra={"template": template})
        return False
    logger.info("email.sent", extra={"template": template, "category": category})
    return True

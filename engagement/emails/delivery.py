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
  HTML (emails/base.html: the tenant's colours and logo) and plain text, both rendered from
  emails/<fr|en>/<template>{_subject.txt,.txt,.html}.
- Leavable: a message of an optional category sent to a person carries a link to their
  preferences page and a one-click unsubscribe for that category (RFC 8058: List-Unsubscribe and
  List-Unsubscribe-Post headers, a signed tenant-bound token; engagement/emails/views.py). A
  caller with its own unsubscribe (a saved search's alert) passes its URL instead.
- Gathered: news from friends for a person who chose a daily or weekly digest is not sent but
  kept (EmailDigestItem) for engagement/emails/digests.py.
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
from engagement.emails.models import EmailDelivery, EmailDigestItem, EmailPreferences
from engagement.links import page_url, template_language
from tenants.branding import branding_for, readable_link_colour, readable_text_on
from tenants.models import Tenant
from tenants.signing import tenant_dumps, tenant_loads

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
    # A company programme's announcements (engagement.campaigns).
    CAMPAIGNS = "campaigns"


OPTIONAL_CATEGORIES = frozenset(
    {
        EmailCategory.REMINDERS,
        EmailCategory.ALERTS,
        EmailCategory.FRIENDS,
        EmailCategory.ORGANIZATION_MESSAGES,
        EmailCategory.CAMPAIGNS,
    }
)
DIGEST_FREQUENCIES = frozenset(
    {EmailPreferences.Frequency.DAILY, EmailPreferences.Frequency.WEEKLY}
)

UNSUBSCRIBE_TOKEN_KIND = "email_unsubscribe"
PREFERENCES_PATH = "/profil/notifications/"
UNSUBSCRIBE_PATH = "/e-mails/desabonnement/{token}/"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def branding_context(tenant: Tenant) -> dict[str, str]:
    """What every e-mail template reads of the tenant (emails/base.html)."""
    logo_path = branding_for(tenant).logo_url
    return {
        "tenant_name": tenant.name,
        "primary_color": tenant.primary_color,
        "on_primary": readable_text_on(tenant.primary_color),
        "link_color": readable_link_colour(tenant.primary_color),
        "site_url": tenant.base_url,
        # Mail programs fetch images from the tenant's canonical origin.
        "logo_url": f"{tenant.base_url}{logo_path}" if logo_path else "",
    }


def sender_address(tenant: Tenant) -> str:
    """`"<tenant name>" <address of DEFAULT_FROM_EMAIL>`: people see who writes to them."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((tenant.name, address or settings.DEFAULT_FROM_EMAIL))


def email_preferences(user: User) -> EmailPreferences:
    """The person's preferences, or the defaults (unsaved) when they never chose."""
    found = EmailPreferences.objects.filter(user_id=user.pk).first()
    return found if found is not None else EmailPreferences(user=user)


def _wants(preferences: EmailPreferences, category: EmailCategory) -> bool:
    if category == EmailCategory.REMINDERS:
        return preferences.reminders
    if category == EmailCategory.ALERTS:
        return preferences.alerts
    if category == EmailCategory.ORGANIZATION_MESSAGES:
        return preferences.organization_messages
    if category == EmailCategory.CAMPAIGNS:
        return preferences.campaigns
    return preferences.friends == EmailPreferences.Frequency.IMMEDIATELY


def category_wanted(user: User, category: EmailCategory) -> bool:
    """Whether `user` receives messages of `category` as they happen."""
    if category == EmailCategory.TRANSACTIONAL:
        return True
    if not user.is_active:
        return False
    return _wants(email_preferences(user), category)


# --- Unsubscribing ------------------------------------------------------------------------------


def unsubscribe_token(*, tenant: Tenant, user: User, category: EmailCategory) -> str:
    """A signed, tenant-bound token that turns `category` off for `user` (no expiry: an old
    e-mail's link must still work)."""
    return tenant_dumps(UNSUBSCRIBE_TOKEN_KIND, {"u": user.pk, "c": str(category)}, tenant=tenant)


def unsubscribe_token_read(token: str, *, tenant: Tenant) -> tuple[int, EmailCategory]:
    """(user id, category) of a token of this tenant; tenants.signing.InvalidToken otherwise,
    ValueError for a category that cannot be turned off."""
    value = tenant_loads(UNSUBSCRIBE_TOKEN_KIND, token, tenant=tenant)
    if not isinstance(value, dict) or not isinstance(value.get("u"), int):
        raise ValueError("malformed unsubscribe token")
    category = EmailCategory(str(value.get("c")))
    if category not in OPTIONAL_CATEGORIES:
        raise ValueError("category cannot be turned off")
    return value["u"], category


def unsubscribe_url(*, tenant: Tenant, user: User, category: EmailCategory) -> str:
    return page_url(
        tenant,
        "email-unsubscribe",
        UNSUBSCRIBE_PATH,
        token=unsubscribe_token(tenant=tenant, user=user, category=category),
    )


def preferences_url(tenant: Tenant) -> str:
    return page_url(tenant, "email-preferences", PREFERENCES_PATH)


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: mail programs show an "Unsubscribe" button that POSTs."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- Rendering and sending ----------------------------------------------------------------------


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
        text += _text_footer(full_context, language)
        html = _EMPTY_PARAGRAPH.sub("", render_to_string(f"{base}.html", full_context))
    return subject, text, html


def _text_footer(context: Mapping[str, object], language: str) -> str:
    """The preferences and unsubscribe links under the text part (the HTML part has them in
    emails/base.html)."""
    lines = []
    if context.get("preferences_url"):
        lines.append(
            translation.gettext("Choose which e-mails you receive: %(url)s")
            % {"url": context["preferences_url"]}
        )
    if context.get("unsubscribe_url"):
        lines.append(
            translation.gettext("Stop these e-mails: %(url)s") % {"url": context["unsubscribe_url"]}
        )
    return "\n\n" + "\n".join(lines) if lines else ""


def send_rendered(
    *,
    key: str,
    tenant: Tenant,
    address: str,
    subject: str,
    text: str,
    html: str,
    attachments: Sequence[Attachment],
    headers: Mapping[str, str],
    reply_to: Sequence[str] = (),
) -> bool:
    message = EmailMultiAlternatives(
        subject=f"[{tenant.name}] {subject}",
        body=text,
        from_email=sender_address(tenant),
        to=[address],
        reply_to=list(reply_to),
        headers={"X-Entraide-Tenant": tenant.slug, **headers},
    )
    message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    try:
        with transaction.atomic():
            EmailDelivery.objects.create(key=key)
            message.send()
    except IntegrityError:
        return False
    return True


def _keep_for_digest(
    *, key: str, recipient: User, category: EmailCategory, subject: str, text: str, link: str
) -> bool:
    try:
        with transaction.atomic():
            EmailDelivery.objects.create(key=key)
            EmailDigestItem.objects.create(
                recipient=recipient,
                category=category,
                subject=subject[:300],
                # The message without its signature: the digest signs once.
                text=text.split("\n-- \n")[0].strip(),
                link=link[:500],
            )
    except IntegrityError:
        return False
    return True


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
    unsubscribe: str | None = None,
    reply_to: Sequence[str] = (),
    link: str = "",
) -> bool:
    """Render and send one e-mail unless `key` was delivered already or the recipient does not
    want its category; True if sent now, or kept for the recipient's digest.

    `unsubscribe`: the URL of the caller's own one-click unsubscribe (else, for a person and an
    optional category, the category's). `reply_to`: where answers go (none by default: the
    sender address takes no replies). `link`: the page the message is about, for a digest.
    """
    full_context: dict[str, object] = dict(context)
    extra_headers: dict[str, str] = {}
    digest = False
    if isinstance(recipient, User):
        if category != EmailCategory.TRANSACTIONAL:
            preferences = email_preferences(recipient)
            digest = (
                category == EmailCategory.FRIENDS
                and recipient.is_active
                and preferences.friends in DIGEST_FREQUENCIES
            )
            if not digest and not (recipient.is_active and _wants(preferences, category)):
                logger.info("email.not_wanted", extra={"template": template, "category": category})
                return False
            if not digest:
                # A digest item is a part of the digest e-mail, which has its own links.
                full_context["preferences_url"] = preferences_url(tenant)
                full_context["unsubscribe_url"] = unsubscribe or unsubscribe_url(
                    tenant=tenant, user=recipient, category=category
                )
        address = recipient.email
    else:
        address = recipient
        if unsubscribe:
            full_context["unsubscribe_url"] = unsubscribe
    if full_context.get("unsubscribe_url"):
        extra_headers = unsubscribe_headers(str(full_context["unsubscribe_url"]))
    subject, text, html = render_email(
        tenant=tenant, template=template, language=language, context=full_context
    )
    if digest and isinstance(recipient, User):
        kept = _keep_for_digest(
            key=key, recipient=recipient, category=category, subject=subject, text=text, link=link
        )
        logger.info(
            "email.kept_for_digest" if kept else "email.already_sent", extra={"template": template}
        )
        return kept
    sent = send_rendered(
        key=key,
        tenant=tenant,
        address=address,
        subject=subject,
        text=text,
        html=html,
        attachments=attachments,
        headers={**extra_headers, **(headers or {})},
        reply_to=reply_to,
    )
    if not sent:
        logger.info("email.already_sent", extra={"template": template})
        return False
    logger.info("email.sent", extra={"template": template, "category": category})
    return True

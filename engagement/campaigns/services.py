"""Writes of campaigns: create, edit, publish or withdraw, and announce by e-mail once.

Rules:
- tenant admins only, every change audited;
- a title, dates in order, a goal of at least 1; the description is sanitized
  (engagement.sanitizing); featured missions are published missions of this tenant, partners
  are verified organizations of this tenant; the slug comes from the title (unique, kept when
  the title changes so shared links keep working);
- the announcement goes once: `announced_at` is set under a row lock, then one e-mail per
  active member, in batches of ANNOUNCEMENT_BATCH, through the outbox (after commit). A
  second announcement is refused; a task run twice sends nothing twice (delivery keys).
  Members who turned "campaigns" off in their e-mail preferences get nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from engagement.access import require_tenant_admin
from engagement.campaigns.models import Campaign
from engagement.campaigns.selectors import (
    campaign_progress,
    running_campaign_banners_forget,
)
from engagement.emails.delivery import EmailCategory, deliver_email
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.links import language_for, page_url
from engagement.missions.models import Mission
from engagement.organizations.models import Organization
from engagement.sanitizing import sanitize_html, sanitize_text
from tenants.audit.services import audit_record
from tenants.context import current_tenant
from tenants.outbox.services import outbox_enqueue

logger = logging.getLogger("engagement.services")

TITLE_MAX_LENGTH = 140
SLUG_MAX_LENGTH = 70
GOAL_MAX = 10_000_000
ANNOUNCEMENT_BATCH = 200
ANNOUNCE_TASK = "engagement.campaign_announcement_deliver"
CAMPAIGN_PATH = "/campagnes/{slug}/"


def _require_admin(actor: User) -> None:
    require_tenant_admin(actor)


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:SLUG_MAX_LENGTH].strip("-") or "campagne"
    candidates = Campaign.objects.filter(slug__startswith=base)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    taken = set(candidates.values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug


def _checked(
    *,
    title: str,
    description: str,
    starts_on: date,
    ends_on: date,
    goal_kind: str,
    goal_value: int,
    featured_mission_ids: Sequence[int],
    partner_organization_ids: Sequence[int],
) -> tuple[dict[str, object], list[Mission], list[Organization]]:
    errors: dict[str, list[str]] = {}
    clean_title = sanitize_text(title, field="title", max_length=TITLE_MAX_LENGTH)
    if not clean_title:
        errors["title"] = [_("Give the campaign a title.")]
    clean_description = sanitize_html(description)
    if ends_on < starts_on:
        errors["ends_on"] = [_("The campaign ends on or after the day it starts.")]
    if goal_kind not in Campaign.GoalKind.values:
        errors["goal_kind"] = [_("Choose what the goal counts.")]
    if not 1 <= goal_value <= GOAL_MAX:
        errors["goal_value"] = [_("The target is a whole number from 1 to 10,000,000.")]
    missions = list(
        Mission.objects.filter(pk__in=set(featured_mission_ids), status=Mission.Status.PUBLISHED)
    )
    if len(missions) != len(set(featured_mission_ids)):
        errors["featured_missions"] = [_("Choose published missions of this site.")]
    organizations = list(
        Organization.objects.filter(
            pk__in=set(partner_organization_ids),
            verification_status=Organization.Verification.VERIFIED,
        )
    )
    if len(organizations) != len(set(partner_organization_ids)):
        errors["partner_organizations"] = [_("Choose verified organizations of this site.")]
    if errors:
        raise EngagementError(
            _("The campaign is not valid."), code=EngagementErrorCode.INVALID, fields=errors
        )
    fields = {
        "title": clean_title,
        "description": clean_description,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "goal_kind": goal_kind,
        "goal_value": goal_value,
    }
    return fields, missions, organizations


def campaign_create(
    *,
    actor: User,
    title: str,
    description: str,
    starts_on: date,
    ends_on: date,
    goal_kind: str,
    goal_value: int,
    featured_mission_ids: Sequence[int] = (),
    partner_organization_ids: Sequence[int] = (),
) -> Campaign:
    """A draft campaign (published separately)."""
    _require_admin(actor)
    fields, missions, organizations = _checked(
        title=title,
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        goal_kind=goal_kind,
        goal_value=goal_value,
        featured_mission_ids=featured_mission_ids,
        partner_organization_ids=partner_organization_ids,
    )
    with transaction.atomic():
        # Slugs are unique: creations queue behind each other for the short moment of the check.
        transaction.get_connection().cursor().execute(
            "SELECT pg_advisory_xact_lock(hashtext('campaign_slug'))"
        )
        campaign = Campaign.objects.create(
            slug=_unique_slug(str(fields["title"])), created_by=actor, **fields
        )
        campaign.featured_missions.set(missions)
        campaign.partner_organizations.set(organizations)
        audit_record(
            actor=actor,
            action="campaign.created",
            target=campaign,
            data={"title": campaign.title, "slug": campaign.slug},
        )
    return campaign


def campaign_update(
    *,
    actor: User,
    campaign: Campaign,
    title: str,
    description: str,
    starts_on: date,
    ends_on: date,
    goal_kind: str,
    goal_value: int,
    featured_mission_ids: Sequence[int] = (),
    partner_organization_ids: Sequence[int] = (),
) -> Campaign:
    _require_admin(actor)
    fields, missions, organizations = _checked(
        title=title,
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        goal_kind=goal_kind,
        goal_value=goal_value,
        featured_mission_ids=featured_mission_ids,
        partner_organization_ids=partner_organization_ids,
    )
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        locked.featured_missions.set(missions)
        locked.partner_organizations.set(organizations)
        audit_record(
            actor=actor, action="campaign.updated", target=locked, data={"title": locked.title}
        )
        transaction.on_commit(running_campaign_banners_forget)
    return locked


def campaign_set_published(*, actor: User, campaign: Campaign, is_published: bool) -> Campaign:
    """Publish (members see it; while running, on the home page) or withdraw it (a draft)."""
    _require_admin(actor)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.is_published != is_published:
            locked.is_published = is_published
            locked.save(update_fields=["is_published", "updated_at"])
            audit_record(
                actor=actor,
                action="campaign.published" if is_published else "campaign.unpublished",
                target=locked,
            )
            transaction.on_commit(running_campaign_banners_forget)
    return locked


def campaign_announce(*, actor: User, campaign: Campaign) -> int:
    """E-mail the campaign to every active member, once; returns the number of recipients.
    Refused: a draft, a campaign that ended, one announced already (409)."""
    _require_admin(actor)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.announced_at is not None:
            raise EngagementError(
                _("This campaign was announced already."),
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        if not locked.is_published:
            raise EngagementError(
                _("Publish the campaign before announcing it."),
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        if locked.ends_on < timezone.localdate():
            raise EngagementError(
                _("This campaign is over."), code=EngagementErrorCode.INVALID_TRANSITION
            )
        recipient_ids = list(
            User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
        )
        locked.announced_at = timezone.now()
        locked.save(update_fields=["announced_at", "updated_at"])
        audit_record(
            actor=actor,
            action="campaign.announced",
            target=locked,
            data={"recipient_count": len(recipient_ids)},
        )
        for start in range(0, len(recipient_ids), ANNOUNCEMENT_BATCH):
            batch = recipient_ids[start : start + ANNOUNCEMENT_BATCH]
            outbox_enqueue(ANNOUNCE_TASK, locked.pk, batch[0], batch[-1])
    campaign.announced_at = locked.announced_at
    logger.info(
        "campaign.announced",
        extra={"campaign_id": locked.pk, "recipient_count": len(recipient_ids)},
    )
    return len(recipient_ids)


def campaign_url(tenant: object, campaign: Campaign) -> str:
    return page_url(tenant, "campaign-detail", CAMPAIGN_PATH, slug=campaign.slug)  # type: ignore[arg-type]


def campaign_announcement_deliver(
    *, campaign_id: int, first_user_id: int, last_user_id: int
) -> int:
    """E-mail the members with ids in [first, last] (one batch of an announcement); returns
    the e-mails sent. Safe to run twice: each person's e-mail has its own delivery key."""
    campaign = Campaign.objects.filter(pk=campaign_id, is_published=True).first()
    if campaign is None or campaign.announced_at is None:
        return 0
    tenant = current_tenant()
    progress = campaign_progress(campaign)
    url = campaign_url(tenant, campaign)
    sent = 0
    recipients = User.objects.filter(
        pk__gte=first_user_id, pk__lte=last_user_id, is_active=True
    ).order_by("pk")
    for recipient in recipients:
        sent += deliver_email(
            key=f"campaign:{campaign.pk}:announcement:user:{recipient.pk}",
            tenant=tenant,
            template="campaign_announcement",
            recipient=recipient,
            language=language_for(tenant, recipient),
            context={"campaign": campaign, "progress": progress, "campaign_url": url},
            category=EmailCategory.CAMPAIGNS,
            link=url,
        )
    return sent

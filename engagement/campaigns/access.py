"""Who may see a campaign: a published one, anyone who may see the site's pages; a draft, the
site's admins only (everyone else, and a slug of another tenant, gets the same 404)."""

from __future__ import annotations

from django.http import Http404

from accounts.permissions import Viewer, get_or_404, id_or_404, user_is_tenant_admin
from engagement.campaigns.models import Campaign

SLUG_MAX_LENGTH = 80


def campaign_get_for_viewer(*, slug: str, user: Viewer) -> Campaign:
    if not slug or len(slug) > SLUG_MAX_LENGTH:
        raise Http404
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None or not (campaign.is_published or user_is_tenant_admin(user)):
        raise Http404
    return campaign


def campaign_get_for_admin(*, campaign_id: int | str, user: Viewer) -> Campaign:
    pk = id_or_404(campaign_id)
    if not user_is_tenant_admin(user):
        raise Http404
    return get_or_404(Campaign.objects.all(), pk)

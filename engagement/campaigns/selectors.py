"""What a campaign counts. The one rule, used by the campaign pages and by the CSR reports.

A campaign counts the participations (confirmed or attended) whose slot starts within its dates
(inclusive, in the tenant's time zone) on its featured missions or on the missions of its partner
organizations, and the hours of those that were attended; plus the confirmed hours declarations
dated within the campaign for one of its partner organizations.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from engagement.campaigns.models import Campaign
from engagement.participations.models import Participation
from engagement.worktime.models import HoursDeclaration

COUNTED_STATUSES = (Participation.Status.CONFIRMED, Participation.Status.ATTENDED)


def campaign_window(campaign: Campaign) -> tuple[datetime, datetime]:
    """[start, end) of the campaign as aware datetimes in the current time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(campaign.starts_on, time.min, tzinfo=zone)
    end = datetime.combine(campaign.ends_on + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def campaign_participations(campaign: Campaign) -> QuerySet[Participation]:
    start, end = campaign_window(campaign)
    return Participation.objects.filter(
        Q(slot__mission__in=campaign.featured_missions.all())
        | Q(slot__mission__organization__in=campaign.partner_organizations.all()),
        status__in=COUNTED_STATUSES,
        slot__starts_at__gte=start,
        slot__starts_at__lt=end,
    )


def campaign_declarations(campaign: Campaign) -> QuerySet[HoursDeclaration]:
    return HoursDeclaration.objects.filter(
        status=HoursDeclaration.Status.CONFIRMED,
        organization__in=campaign.partner_organizations.all(),
        date__gte=campaign.starts_on,
        date__lte=campaign.ends_on,
    )

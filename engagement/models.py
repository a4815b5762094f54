"""Every model of the engagement app, for Django's app loading and for migrations.

Each model lives in its domain package (taxonomy, organizations, missions, participations,
volunteers, emails, friends, groups, reminders, backoffice); code imports it from there, not from
here.
"""

from engagement.backoffice.models import ExportJob
from engagement.emails.models import EmailDelivery, EmailPreferences
from engagement.friends.models import FriendBlock, Friendship
from engagement.groups.models import SeatHold
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
    # Named by the initial migration as field defaults.
    _invitation_expiry,
    _invitation_token,
)
from engagement.participations.models import Participation
from engagement.reminders.models import Reminder
from engagement.taxonomy.models import Cause, Skill
from engagement.volunteers.models import VolunteerProfile

__all__ = [
    "Cause",
    "EmailDelivery",
    "EmailPreferences",
    "ExportJob",
    "FriendBlock",
    "Friendship",
    "Mission",
    "Organization",
    "OrganizationInvitation",
    "OrganizationMembership",
    "Participation",
    "Reminder",
    "SeatHold",
    "Skill",
    "Slot",
    "VolunteerProfile",
    "_invitation_expiry",
    "_invitation_token",
]

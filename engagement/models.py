"""Every model of the engagement app, for Django's app loading and for migrations.

Each model lives in its domain package (taxonomy, organizations, missions, participations,
volunteers, emails, friends, groups, reminders, organization messages, backoffice); code
imports it from there, not from here.
"""

from engagement.alerts.models import SavedSearch, SavedSearchAlert
from engagement.backoffice.models import ExportJob
from engagement.calendars.models import CalendarFeed
from engagement.campaigns.models import Campaign
from engagement.directory.models import DirectoryIdentity, DirectoryToken
from engagement.emails.models import EmailDelivery, EmailDigestItem, EmailPreferences
from engagement.friends.models import (
    FriendBlock,
    FriendInvitation,
    Friendship,
    MissionRecommendation,
)
from engagement.groups.models import SeatHold
from engagement.inbox.models import Notification
from engagement.missions.models import Mission, MissionWord, Slot
from engagement.organization_messages.models import OrganizationMessage
from engagement.organizations.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
    # Named by the initial migration as field defaults.
    _invitation_expiry,
    _invitation_token,
)
from engagement.participations.models import Participation
from engagement.programmes.models import (
    EmployeeProfile,
    ProgrammeSettings,
    Site,
    Team,
    TeamMembership,
)
from engagement.reminders.models import Reminder
from engagement.reports.models import Certificate
from engagement.sharing.models import (
    CitySubscription,
    CompanyGuest,
    SharedMission,
    SharedParticipation,
    SharingSettings,
    SharingSubscriber,
)
from engagement.taxonomy.models import Cause, Skill
from engagement.volunteers.models import VolunteerProfile
from engagement.worktime.models import HoursDeclaration, WorkTimeBalance, WorkTimeRequest

__all__ = [
    "Campaign",
    "EmployeeProfile",
    "HoursDeclaration",
    "WorkTimeBalance",
    "WorkTimeRequest",
    "ProgrammeSettings",
    "Site",
    "Team",
    "TeamMembership",
    "CalendarFeed",
    "DirectoryIdentity",
    "DirectoryToken",
    "Certificate",
    "Cause",
    "EmailDelivery",
    "EmailDigestItem",
    "EmailPreferences",
    "ExportJob",
    "FriendBlock",
    "FriendInvitation",
    "Friendship",
    "Mission",
    "MissionRecommendation",
    "MissionWord",
    "Notification",
    "Organization",
    "OrganizationMessage",
    "OrganizationInvitation",
    "OrganizationMembership",
    "Participation",
    "Reminder",
    "CitySubscription",
    "CompanyGuest",
    "SharedMission",
    "SharedParticipation",
    "SharingSettings",
    "SharingSubscriber",
    "SavedSearch",
    "SavedSearchAlert",
    "SeatHold",
    "Skill",
    "Slot",
    "VolunteerProfile",
    "_invitation_expiry",
    "_invitation_token",
]

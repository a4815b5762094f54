"""The organization space and the moderation queue (pages under /organisation/).

Each view parses the request, authorises through accounts.permissions (404 for "missing" and
"not yours" alike), calls one service or selector, and presents the result. Rules — statuses,
capacity, verification, entitlements — live in engagement.services; refusals come back as
EngagementError and are shown with their `.detail`. Every form works without JavaScript: actions
are plain POST forms answered with a redirect (post/redirect/get) and a message.
"""

from engagement.views.organization.missions import (
    mission_cancel,
    mission_close,
    mission_create,
    mission_edit,
    mission_manage,
    mission_submit,
    slot_cancel,
    slot_create,
    slot_edit,
)
from engagement.views.organization.moderation import (
    moderation_mission,
    moderation_organization,
    moderation_queue,
)
from engagement.views.organization.organizations import (
    dashboard,
    invitation_accept,
    organization_detail,
    organization_edit,
    organization_member_remove,
    organization_members,
    organization_register,
)
from engagement.views.organization.participants import (
    participants_csv,
    participation_attended,
    participation_confirm,
    participation_decline,
    participation_no_show,
)

__all__ = [
    "dashboard",
    "invitation_accept",
    "mission_cancel",
    "mission_close",
    "mission_create",
    "mission_edit",
    "mission_manage",
    "mission_submit",
    "moderation_mission",
    "moderation_organization",
    "moderation_queue",
    "organization_detail",
    "organization_edit",
    "organization_member_remove",
    "organization_members",
    "organization_register",
    "participants_csv",
    "participation_attended",
    "participation_confirm",
    "participation_decline",
    "participation_no_show",
    "slot_cancel",
    "slot_create",
    "slot_edit",
]

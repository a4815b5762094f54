"""Writes and rules of engagement, one module per entity; import them from here.

Every service is keyword-only, checks the actor's rights, opens its transaction (locking what it
must), writes an AuditEvent for what a tenant admin would want to see, schedules its e-mails with
`transaction.on_commit`, and raises `engagement.errors.EngagementError` when it refuses — in which
case nothing was written.
"""

from engagement.services.missions import (
    mission_cancel,
    mission_close,
    mission_create,
    mission_publish,
    mission_reject,
    mission_submit,
    mission_update,
)
from engagement.services.organizations import (
    invitation_accept,
    membership_remove,
    organization_create,
    organization_invite,
    organization_update,
    organization_verify,
)
from engagement.services.participations import (
    ONGOING_MAX_HOURS,
    participation_cancel,
    participation_confirm,
    participation_decline,
    participation_mark_attended,
    participation_mark_no_show,
    participation_request,
    promote_first_waitlisted,
)
from engagement.services.profiles import profile_update
from engagement.services.slots import slot_cancel, slot_create, slot_update
from engagement.services.taxonomy import taxonomy_seed_defaults

__all__ = [
    "ONGOING_MAX_HOURS",
    "invitation_accept",
    "membership_remove",
    "mission_cancel",
    "mission_close",
    "mission_create",
    "mission_publish",
    "mission_reject",
    "mission_submit",
    "mission_update",
    "organization_create",
    "organization_invite",
    "organization_update",
    "organization_verify",
    "participation_cancel",
    "participation_confirm",
    "participation_decline",
    "participation_mark_attended",
    "participation_mark_no_show",
    "participation_request",
    "profile_update",
    "promote_first_waitlisted",
    "slot_cancel",
    "slot_create",
    "slot_update",
    "taxonomy_seed_defaults",
]

"""The audit log's vocabulary: a readable label for each known action, and the kinds of event
the page filters by.

Any action shows, known or not: an action without a label here is shown as its name
(`mission.archived`), and falls in the kind whose prefix it has, if any. A service that starts
writing a new action adds its label here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    # Sign-ins (accounts.sign_in_audit, accounts.sso.refusal)
    "auth.sign_in": _("Signed in"),
    "auth.sign_in_failed": _("Sign-in failed"),
    # People and roles
    "user.invited": _("Person invited"),
    "user.invitation_resent": _("Invitation sent again"),
    "user.role_changed": _("Role changed"),
    "user.suspended": _("Account suspended"),
    "user.reactivated": _("Account reactivated"),
    "account.deleted": _("Account deleted"),
    # Settings
    "sign_in_policy.updated": _("Sign-in rules changed"),
    "settings.branding_changed": _("Branding changed"),
    "settings.welcome_text_changed": _("Welcome text changed"),
    "settings.map_changed": _("Map changed"),
    "settings.languages_changed": _("Languages changed"),
    "settings.moderation_changed": _("Moderation rules changed"),
    "settings.access_changed": _("Access to the instance changed"),
    "settings.footer_links_changed": _("Footer links changed"),
    "taxonomy.cause_created": _("Cause added"),
    "taxonomy.cause_renamed": _("Cause renamed"),
    "taxonomy.cause_retired": _("Cause retired"),
    "taxonomy.cause_restored": _("Cause restored"),
    "taxonomy.cause_goals_changed": _("Sustainable Development Goals of a cause changed"),
    "certificate.issued": _("Volunteering certificate issued"),
    "certificate.revoked": _("Volunteering certificate revoked"),
    "taxonomy.skill_created": _("Skill added"),
    "taxonomy.skill_renamed": _("Skill renamed"),
    "taxonomy.skill_retired": _("Skill retired"),
    "taxonomy.skill_restored": _("Skill restored"),
    "domain.added": _("Custom domain added"),
    "domain.verified": _("Custom domain verified"),
    "domain.made_primary": _("Main address changed"),
    "domain.removed": _("Custom domain removed"),
    "legal.published": _("Legal page published"),
    # Single sign-on
    "sso.saml.created": _("SAML connection added"),
    "sso.saml.updated": _("SAML connection changed"),
    "sso.saml.deleted": _("SAML connection removed"),
    "sso.oidc.created": _("OpenID Connect connection added"),
    "sso.oidc.updated": _("OpenID Connect connection changed"),
    "sso.openid_connect.deleted": _("OpenID Connect connection removed"),
    "sso.facebook.created": _("Facebook sign-in added"),
    "sso.facebook.updated": _("Facebook sign-in changed"),
    "sso.facebook.deleted": _("Facebook sign-in removed"),
    # Exports
    "export.requested": _("Export requested"),
    "export.downloaded": _("Export downloaded"),
    "audit.exported": _("Audit log exported"),
    # Integrations
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    # Missions and their dates
    "mission.created": _("Mission created"),
    "mission.updated": _("Mission changed"),
    "mission.submitted": _("Mission submitted for review"),
    "mission.published": _("Mission published"),
    "mission.rejected": _("Mission rejected"),
    "mission.closed": _("Mission closed"),
    "mission.cancelled": _("Mission cancelled"),
    "slot.created": _("Date added"),
    "slot.updated": _("Date changed"),
    "slot.cancelled": _("Date cancelled"),
    # Organizations
    "organization.created": _("Organization created"),
    "organization.updated": _("Organization changed"),
    "organization.verified": _("Organization verified"),
    "organization.rejected": _("Organization refused"),
    "organization.invited": _("Member invited"),
    "organization.member_added": _("Member added"),
    "organization.member_joined": _("Member joined"),
    "organization.member_removed": _("Member removed"),
    # Participations
    "participation.requested": _("Participation requested"),
    "participation.promoted": _("Participation moved off the waiting list"),
    "participation.confirmed": _("Participation confirmed"),
    "participation.declined": _("Participation declined"),
    "participation.cancelled": _("Participation cancelled"),
    "participation.cancelled_by_organizer": _("Participation cancelled by the organizer"),
    "participation.attended": _("Attendance recorded"),
    "participation.no_show": _("Marked as absent"),
    "participation.coming_confirmed": _("Coming confirmed by the volunteer"),
    "participation.hours_declared": _("Hours declared by the volunteer"),
}


def action_label(action: str) -> str:
    """The readable label of an action, or the action's own name when it has none."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


# What the rows name (AuditEvent.target_type, the model's name); others show as they are.
TARGET_LABELS: dict[str, Promise] = {
    "user": _("Account"),
    "tenant": _("This site"),
    "apitoken": _("API token"),
    "socialapp": _("Sign-in connection"),
    "mission": _("Mission"),
    "slot": _("Date"),
    "organization": _("Organization"),
    "participation": _("Participation"),
    "domain": _("Domain"),
    "exportjob": _("Export"),
    "cause": _("Cause"),
    "skill": _("Skill"),
}


def target_label(target_type: str) -> str:
    label = TARGET_LABELS.get(target_type)
    return str(label) if label is not None else target_type


@dataclass(frozen=True)
class EventKind:
    """A kind of event of the filter: actions starting with one of `prefixes`, or in
    `actions`."""

    key: str
    label: Promise
    prefixes: Sequence[str] = ()
    actions: Sequence[str] = ()


# The moderators' decisions (verification of organizations, review of missions).
MODERATION_DECISIONS = (
    "mission.published",
    "mission.rejected",
    "organization.verified",
    "organization.rejected",
)

EVENT_KINDS: tuple[EventKind, ...] = (
    EventKind("sign_ins", _("Sign-ins"), prefixes=("auth.",)),
    EventKind("people", _("People and roles"), prefixes=("user.", "account.")),
    EventKind(
        "settings",
        _("Settings"),
        prefixes=("settings.", "taxonomy.", "sign_in_policy.", "domain.", "legal."),
    ),
    EventKind("sso", _("Single sign-on"), prefixes=("sso.",)),
    EventKind("exports", _("Exports"), prefixes=("export.", "audit.")),
    EventKind("moderation", _("Moderation decisions"), actions=MODERATION_DECISIONS),
    EventKind("api_tokens", _("API tokens"), prefixes=("api_token.",)),
    EventKind("missions", _("Missions"), prefixes=("mission.", "slot.")),
    EventKind("organizations", _("Organizations"), prefixes=("organization.",)),
    EventKind("participations", _("Participations"), prefixes=("participation.",)),
)
EVENT_KINDS_BY_KEY = {kind.key: kind for kind in EVENT_KINDS}

"""Every endpoint of /api/v1/ with the status each actor gets, for the permission matrix and the
cross-tenant tests. Bodies are valid, so a refusal can only come from access rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core import mail
from django.utils import timezone

from engagement.campaigns.models import Campaign
from engagement.emails.models import EmailPreferences
from engagement.missions.models import Mission, Slot
from engagement.organization_messages.models import OrganizationMessage
from engagement.organizations.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
)
from engagement.participations.models import Participation
from engagement.programmes.models import EmployeeProfile, ProgrammeSettings
from engagement.volunteers.models import VolunteerProfile
from engagement.worktime.models import WorkTimeRequest
from tenants.audit.models import AuditEvent
from tests.engagement.conftest import ACTORS, World


def everyone(code: int) -> dict[str, int]:
    return dict.fromkeys(ACTORS, code)


def signed_in(code: int) -> dict[str, int]:
    return {**everyone(code), "anonymous": 401}


def organizers(code: int) -> dict[str, int]:
    """Admins and editors of the mission's organization; everyone else does not see it."""
    return {
        "anonymous": 401,
        "volunteer": 404,
        "other_member": 404,
        "admin": code,
        "editor": code,
        "moderator": 404,
        "tenant_admin": 404,
    }


def moderators(code: int, *, others: int = 403) -> dict[str, int]:
    return {
        "anonymous": 401,
        "volunteer": others,
        "other_member": others,
        "admin": others,
        "editor": others,
        "moderator": code,
        "tenant_admin": code,
    }


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Callable[[World], str]
    expected: dict[str, int]
    body: Callable[[World], Any] | None = None
    # True when the path names an object of the tenant (a foreign id must be a 404).
    has_id: bool = True

    def __str__(self) -> str:
        return self.name


def _published_campaign(world: World) -> Campaign:
    """A running campaign featuring the published mission (made on first use)."""
    today = timezone.localdate()
    campaign, _created = Campaign.objects.get_or_create(
        slug="giving-week",
        defaults={
            "title": "Giving week",
            "starts_on": today,
            "ends_on": today + timedelta(days=6),
            "goal_value": 10,
            "is_published": True,
        },
    )
    campaign.featured_missions.add(world.published)
    return campaign


def _in_days(days: int, hours: int = 0) -> str:
    return (timezone.now() + timedelta(days=days, hours=hours)).isoformat()


def _work_time_policy(w: World) -> None:
    """Ten hours of work time a year, approved by a manager (Paris has none by default)."""
    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"work_hours_per_year": 10})


def _ask_for_work_time_path(w: World) -> str:
    _work_time_policy(w)
    return "me/work-time/requests/"


def _pending_work_time_request(w: World) -> WorkTimeRequest:
    """The volunteer's request for their participation, pending; `other_member` is their
    manager. Made once per world (rows written directly: no audit, no e-mail)."""
    found: WorkTimeRequest | None = getattr(w, "work_time_request", None)
    if found is None:
        _work_time_policy(w)
        EmployeeProfile.objects.update_or_create(
            user=w.volunteer, defaults={"manager": w.other_member}
        )
        found = WorkTimeRequest.objects.create(
            participation=w.own_participation,
            employee=w.volunteer,
            hours=1,
            year=w.own_participation.slot.starts_at.year,
        )
        w.work_time_request = found  # type: ignore[attr-defined]
    return found


def the_manager(code: int) -> dict[str, int]:
    """The volunteer's manager (other_member) decides; the volunteer is told they may not (403);
    to everyone else the request does not exist."""
    return {**signed_in(404), "volunteer": 403, "other_member": code}


ENDPOINTS: tuple[Endpoint, ...] = (
    # --- public reads
    Endpoint("search", "get", lambda w: "missions/", everyone(200), has_id=False),
    Endpoint("map", "get", lambda w: "missions/map/", everyone(200), has_id=False),
    # The cities' shared missions (engagement.sharing): signed-in members; a city's list is empty.
    Endpoint("shared missions", "get", lambda w: "shared-missions/", signed_in(200), has_id=False),
    Endpoint("causes", "get", lambda w: "causes/", everyone(200), has_id=False),
    Endpoint("skills", "get", lambda w: "skills/", everyone(200), has_id=False),
    Endpoint(
        "mission detail (published)",
        "get",
        lambda w: f"missions/{w.published.pk}/",
        everyone(200),
    ),
    Endpoint(
        "mission detail (draft)",
        "get",
        lambda w: f"missions/{w.draft.pk}/",
        {
            "anonymous": 404,
            "volunteer": 404,
            "other_member": 404,
            "admin": 200,
            "editor": 200,
            "moderator": 200,
            "tenant_admin": 200,
        },
    ),
    Endpoint(
        "mission slots (published)",
        "get",
        lambda w: f"missions/{w.published.pk}/slots/",
        everyone(200),
    ),
    # --- volunteers
    Endpoint(
        "join",
        "post",
        lambda w: f"missions/{w.published.pk}/participations/",
        signed_in(201),
        body=lambda w: {"slot": w.free_slot.pk, "message": "Avec plaisir"},
    ),
    Endpoint(
        "my participations", "get", lambda w: "me/participations/", signed_in(200), has_id=False
    ),
    Endpoint(
        "cancel my participation",
        "post",
        lambda w: f"me/participations/{w.own_participation.pk}/cancel/",
        {**signed_in(404), "volunteer": 200},
    ),
    Endpoint("my held seats", "get", lambda w: "seat-holds/", signed_in(200), has_id=False),
    # --- company programmes: campaigns (any tenant) and my teams
    Endpoint("campaigns", "get", lambda w: "campaigns/", everyone(200), has_id=False),
    Endpoint(
        "campaign detail (published)",
        "get",
        lambda w: f"campaigns/{_published_campaign(w).slug}/",
        everyone(200),
    ),
    Endpoint("my teams", "get", lambda w: "me/teams/", signed_in(200), has_id=False),
    Endpoint("my profile", "get", lambda w: "me/profile/", signed_in(200), has_id=False),
    Endpoint("my friends", "get", lambda w: "me/friends/", signed_in(200), has_id=False),
    Endpoint(
        "my friend requests", "get", lambda w: "me/friends/requests/", signed_in(200), has_id=False
    ),
    Endpoint(
        "my friends privacy", "get", lambda w: "me/friends/privacy/", signed_in(200), has_id=False
    ),
    Endpoint(
        "my notifications", "get", lambda w: "me/notifications/", signed_in(200), has_id=False
    ),
    Endpoint(
        "remove a friend (none here)",
        "delete",
        lambda w: f"me/friends/{w.volunteer.pk}/",
        signed_in(404),
        # Names a person, answered "friend_not_found" (tests/engagement/friends/test_api.py
        # checks another tenant's people are nothing there).
        has_id=False,
    ),
    Endpoint(
        "update my profile",
        "patch",
        lambda w: "me/profile/",
        signed_in(200),
        body=lambda w: {"radius_km": 7, "availability": ["sat-morning"]},
        has_id=False,
    ),
    Endpoint(
        "my calendar feed", "get", lambda w: "me/calendar-feed/", signed_in(200), has_id=False
    ),
    Endpoint(
        "make my calendar feed", "post", lambda w: "me/calendar-feed/", signed_in(201), has_id=False
    ),
    Endpoint(
        "stop my calendar feed",
        "delete",
        lambda w: "me/calendar-feed/",
        signed_in(204),
        has_id=False,
    ),
    # --- volunteering time (engagement/worktime)
    Endpoint(
        "my work-time balance", "get", lambda w: "me/work-time/", signed_in(200), has_id=False
    ),
    Endpoint(
        "my work-time requests",
        "get",
        lambda w: "me/work-time/requests/",
        signed_in(200),
        has_id=False,
    ),
    Endpoint(
        "ask for work time",
        "post",
        _ask_for_work_time_path,
        # The participation in the body is the volunteer's: anyone else's is a 404.
        {**signed_in(404), "volunteer": 201},
        body=lambda w: {"participation": w.own_participation.pk},
        has_id=False,
    ),
    Endpoint(
        "approve work time",
        "post",
        lambda w: f"work-time/requests/{_pending_work_time_request(w).pk}/approve/",
        the_manager(200),
    ),
    Endpoint(
        "refuse work time",
        "post",
        lambda w: f"work-time/requests/{_pending_work_time_request(w).pk}/refuse/",
        the_manager(200),
        body=lambda w: {"reason": "Inventaire"},
    ),
    Endpoint(
        "my declared hours", "get", lambda w: "me/hours-declarations/", signed_in(200), has_id=False
    ),
    Endpoint(
        "declare hours",
        "post",
        lambda w: "me/hours-declarations/",
        signed_in(201),
        body=lambda w: {
            "organization_name": "Secours populaire",
            "description": "Tri des dons",
            "date": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "hours": "2",
        },
        has_id=False,
    ),
    # --- saved searches
    Endpoint("my saved searches", "get", lambda w: "saved-searches/", signed_in(200), has_id=False),
    Endpoint(
        "save a search",
        "post",
        lambda w: "saved-searches/",
        signed_in(201),
        body=lambda w: {"name": "Repas", "frequency": "weekly", "q": "repas"},
        has_id=False,
    ),
    Endpoint(
        "my e-mail preferences",
        "get",
        lambda w: "me/email-preferences/",
        signed_in(200),
        has_id=False,
    ),
    Endpoint(
        "update my e-mail preferences",
        "patch",
        lambda w: "me/email-preferences/",
        signed_in(200),
        body=lambda w: {"friends": "weekly"},
        has_id=False,
    ),
    Endpoint(
        "messages to a mission's participants",
        "get",
        lambda w: f"missions/{w.published.pk}/messages/",
        organizers(200),
    ),
    Endpoint(
        "write to a mission's participants",
        "post",
        lambda w: f"missions/{w.published.pk}/messages/",
        organizers(201),
        body=lambda w: {"audience": "confirmed", "subject": "Gants", "body": "Apportez-en."},
    ),
    # --- organizations
    Endpoint(
        "organization calendar feed",
        "get",
        lambda w: f"organizations/{w.organization.pk}/calendar-feed/",
        organizers(200),
    ),
    Endpoint(
        "make an organization calendar feed",
        "post",
        lambda w: f"organizations/{w.organization.pk}/calendar-feed/",
        organizers(201),
    ),
    Endpoint(
        "stop an organization calendar feed",
        "delete",
        lambda w: f"organizations/{w.organization.pk}/calendar-feed/",
        organizers(204),
    ),
    Endpoint("my organizations", "get", lambda w: "organizations/", signed_in(200), has_id=False),
    Endpoint(
        "create organization",
        "post",
        lambda w: "organizations/",
        signed_in(201),
        body=lambda w: {"name": "Jardins partagés", "kind": "collectif"},
        has_id=False,
    ),
    Endpoint(
        "organization detail",
        "get",
        lambda w: f"organizations/{w.organization.pk}/",
        {**organizers(200), "moderator": 200, "tenant_admin": 200},
    ),
    Endpoint(
        "update organization",
        "patch",
        lambda w: f"organizations/{w.organization.pk}/",
        {**organizers(200), "editor": 403, "moderator": 403, "tenant_admin": 200},
        body=lambda w: {"address": "12 rue de la Paix"},
    ),
    Endpoint(
        "remove logo",
        "delete",
        lambda w: f"organizations/{w.organization.pk}/logo/",
        {**organizers(200), "editor": 403, "moderator": 403, "tenant_admin": 200},
    ),
    Endpoint(
        "organization members",
        "get",
        lambda w: f"organizations/{w.organization.pk}/members/",
        {**organizers(200), "moderator": 200, "tenant_admin": 200},
    ),
    Endpoint(
        "remove member (the editor: removed by an admin, or leaving)",
        "delete",
        lambda w: f"organizations/{w.organization.pk}/members/{w.editor_membership.pk}/",
        organizers(204),
    ),
    Endpoint(
        "organization invitations",
        "get",
        lambda w: f"organizations/{w.organization.pk}/invitations/",
        {**organizers(200), "editor": 403, "moderator": 403, "tenant_admin": 403},
    ),
    Endpoint(
        "invite",
        "post",
        lambda w: f"organizations/{w.organization.pk}/invitations/",
        {**organizers(201), "editor": 403, "moderator": 403, "tenant_admin": 403},
        body=lambda w: {"email": "nouvelle.recrue@example.org", "role": "editor"},
    ),
    Endpoint(
        "accept invitation (sent to the volunteer)",
        "post",
        lambda w: "invitations/accept/",
        {**everyone(403), "anonymous": 401, "volunteer": 201},
        body=lambda w: {"token": w.invitation.token},
        has_id=False,
    ),
    Endpoint(
        "organization missions",
        "get",
        lambda w: f"organizations/{w.organization.pk}/missions/",
        organizers(200),
    ),
    Endpoint(
        "create mission",
        "post",
        lambda w: f"organizations/{w.organization.pk}/missions/",
        organizers(201),
        body=lambda w: {
            "title": "Collecte de vêtements",
            "location": {"lat": 48.85, "lng": 2.35},
            "city": "Paris",
        },
    ),
    Endpoint(
        "update mission",
        "patch",
        lambda w: f"missions/{w.published.pk}/",
        organizers(200),
        body=lambda w: {"title": "Distribution de repas chauds"},
    ),
    Endpoint(
        "submit mission",
        "post",
        lambda w: f"missions/{w.draft.pk}/submit/",
        organizers(200),
    ),
    Endpoint(
        "close mission",
        "post",
        lambda w: f"missions/{w.published.pk}/close/",
        {**signed_in(200), "volunteer": 403, "other_member": 403},
    ),
    Endpoint(
        "cancel mission",
        "post",
        lambda w: f"missions/{w.published.pk}/cancel/",
        {**signed_in(200), "volunteer": 403, "other_member": 403},
    ),
    Endpoint(
        "create slot",
        "post",
        lambda w: f"missions/{w.published.pk}/slots/",
        organizers(201),
        body=lambda w: {"starts_at": _in_days(10), "ends_at": _in_days(10, 2), "capacity": 5},
    ),
    Endpoint(
        "update slot",
        "patch",
        lambda w: f"slots/{w.slot.pk}/",
        organizers(200),
        body=lambda w: {"capacity": 12},
    ),
    Endpoint("cancel slot", "post", lambda w: f"slots/{w.slot.pk}/cancel/", organizers(200)),
    Endpoint(
        "slot participants",
        "get",
        lambda w: f"slots/{w.slot.pk}/participations/",
        organizers(200),
    ),
    Endpoint(
        "mission participants",
        "get",
        lambda w: f"missions/{w.published.pk}/participations/",
        organizers(200),
    ),
    Endpoint(
        "confirm participation",
        "post",
        lambda w: f"participations/{w.requested.pk}/confirm/",
        organizers(200),
    ),
    Endpoint(
        "decline participation",
        "post",
        lambda w: f"participations/{w.requested.pk}/decline/",
        organizers(200),
        body=lambda w: {"reason": "Complet"},
    ),
    Endpoint(
        "mark attended",
        "post",
        lambda w: f"participations/{w.confirmed_started.pk}/attended/",
        organizers(200),
        body=lambda w: {"hours": "1.5"},
    ),
    Endpoint(
        "mark no-show",
        "post",
        lambda w: f"participations/{w.confirmed_started.pk}/no-show/",
        organizers(200),
    ),
    # --- moderation
    Endpoint(
        "missions to moderate",
        "get",
        lambda w: "moderation/missions/",
        moderators(200),
        has_id=False,
    ),
    Endpoint(
        "organizations to verify",
        "get",
        lambda w: "moderation/organizations/",
        moderators(200),
        has_id=False,
    ),
    Endpoint(
        "publish mission",
        "post",
        lambda w: f"missions/{w.in_review.pk}/publish/",
        {**moderators(200), "volunteer": 404, "other_member": 404},
    ),
    Endpoint(
        "reject mission",
        "post",
        lambda w: f"missions/{w.in_review.pk}/reject/",
        {**moderators(200), "volunteer": 404, "other_member": 404},
        body=lambda w: {"note": "Précisez l'adresse."},
    ),
    Endpoint(
        "verify organization",
        "post",
        lambda w: f"organizations/{w.pending_organization.pk}/verify/",
        moderators(200, others=404),
        body=lambda w: {"approve": True, "note": ""},
    ),
)


def state_snapshot() -> tuple[Any, ...]:
    """Everything an endpoint could change, to assert that a refused request changed nothing."""
    return (
        AuditEvent.objects.count(),
        len(mail.outbox),
        list(Mission.objects.order_by("pk").values_list("pk", "status", "title", "updated_at")),
        list(
            Slot.objects.order_by("pk").values_list(
                "pk", "status", "capacity", "confirmed_count", "starts_at"
            )
        ),
        list(Participation.objects.order_by("pk").values_list("pk", "status", "hours")),
        list(
            Organization.objects.order_by("pk").values_list(
                "pk", "verification_status", "name", "address", "logo", "updated_at"
            )
        ),
        OrganizationMembership.objects.count(),
        list(
            OrganizationInvitation.objects.order_by("pk").values_list(
                "pk", "accepted_at", "revoked_at"
            )
        ),
        list(VolunteerProfile.objects.order_by("pk").values_list("pk", "radius_km")),
        list(EmailPreferences.objects.order_by("pk").values_list("pk", "friends")),
        OrganizationMessage.objects.count(),
    )

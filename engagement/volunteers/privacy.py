"""A volunteer's data under the GDPR: export everything we hold about them, delete their
account."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from accounts.models import User
from accounts.services import (
    isoformat_or_none,
    user_delete,
    user_export_account_data,
    user_lock_for_deletion,
)
from engagement.alerts.models import SavedSearch
from engagement.alerts.selectors import saved_search_list_for_user
from engagement.emails.delivery import email_preferences
from engagement.emails.models import EmailDigestItem
from engagement.errors import EngagementError
from engagement.friends.selectors import friends_export
from engagement.organizations.selectors import organization_list_for_user
from engagement.participations.models import Participation
from engagement.participations.selectors import participation_list_for_volunteer
from engagement.participations.services import participation_cancel
from engagement.reports.selectors import certificates_of
from engagement.sharing.selectors import shared_participations_export
from engagement.sharing.services import shared_guest_forget
from engagement.volunteers.models import VolunteerProfile
from engagement.volunteers.selectors import profile_for_user

logger = logging.getLogger(__name__)


def user_export_data(*, user: User) -> dict[str, Any]:
    """Everything this tenant holds about the user, as JSON-ready data (GDPR art. 15 and 20).

    The account's half (account, e-mail addresses, connected accounts without any token,
    two-factor methods without their secrets), then the volunteer profile, organization
    memberships, participations and saved searches (without their unsubscribe token).
    """
    participations = participation_list_for_volunteer(user=user, scope="all")
    data = user_export_account_data(user=user)
    data.update(
        {
            "volunteer_profile": _profile_export(profile_for_user(user=user)),
            "organization_memberships": [
                {"organization": organization.name, "role": organization.member_role}
                for organization in organization_list_for_user(user=user)
            ],
            "participations": [_participation_export(item) for item in participations],
            # On the missions cities share with the company (engagement.sharing).
            "shared_city_participations": shared_participations_export(user=user),
            **friends_export(user=user),
            "saved_searches": [
                _saved_search_export(item) for item in saved_search_list_for_user(user=user)
            ],
            "email_preferences": _email_preferences_export(user),
            "certificates": [
                {
                    "issued_at": isoformat_or_none(certificate.issued_at),
                    "holder_name": certificate.holder_name,
                    "period_starts_on": (
                        certificate.period_starts_on.isoformat()
                        if certificate.period_starts_on is not None
                        else None
                    ),
                    "period_ends_on": certificate.period_ends_on.isoformat(),
                    "hours": str(certificate.hours),
                    "revoked_at": isoformat_or_none(certificate.revoked_at),
                }
                for certificate in certificates_of(volunteer=user)
            ],
        }
    )
    logger.info("user.data_exported", extra={"user_id": user.pk})
    return data


def _profile_export(profile: VolunteerProfile | None) -> dict[str, object] | None:
    if profile is None:
        return None
    home = profile.home_point
    return {
        "causes": [cause.slug for cause in profile.causes.all()],
        "skills": [skill.slug for skill in profile.skills.all()],
        "availability_mask": profile.availability_mask,
        "home": {"lat": home.y, "lng": home.x} if home is not None else None,
        "home_label": profile.home_label,
        "radius_km": profile.radius_km,
        "display_name": profile.display_name,
        "phone": profile.phone.as_e164 if profile.phone else "",
        "friends_see_participations": profile.friends_see_participations,
        "updated_at": isoformat_or_none(profile.updated_at),
    }


def _saved_search_export(saved_search: SavedSearch) -> dict[str, object]:
    location = saved_search.location
    return {
        "name": saved_search.name,
        "frequency": saved_search.frequency,
        "is_active": saved_search.is_active,
        "place": (
            {"lat": location.y, "lng": location.x, "label": saved_search.place_label}
            if location is not None
            else None
        ),
        "radius_km": saved_search.radius_km,
        "causes": saved_search.causes,
        "skills": saved_search.skills,
        "availability_mask": saved_search.availability_mask,
        "query": saved_search.query,
        "remote": saved_search.remote,
        "step_free": saved_search.step_free,
        "open_to_minors": saved_search.open_to_minors,
        "beginner_friendly": saved_search.beginner_friendly,
        "created_at": isoformat_or_none(saved_search.created_at),
        "last_sent_at": isoformat_or_none(saved_search.last_sent_at),
    }


def _email_preferences_export(user: User) -> dict[str, object]:
    preferences = email_preferences(user)
    return {
        "reminders": preferences.reminders,
        "alerts": preferences.alerts,
        "friends": preferences.friends,
        "organization_messages": preferences.organization_messages,
        "news_waiting_for_digest": EmailDigestItem.objects.filter(recipient=user).count(),
    }


def _participation_export(participation: Participation) -> dict[str, object]:
    slot = participation.slot
    mission = slot.mission
    return {
        "id": participation.pk,
        "mission": mission.title,
        "organization": mission.organization.name,
        "slot_starts_at": isoformat_or_none(slot.starts_at),
        "slot_ends_at": isoformat_or_none(slot.ends_at),
        "status": participation.status,
        "message": participation.message,
        "hours": str(participation.hours) if participation.hours is not None else None,
        "decision_note": participation.decision_note,
        "created_at": isoformat_or_none(participation.created_at),
        "cancelled_at": isoformat_or_none(participation.cancelled_at),
    }


def user_delete_account(*, user: User, actor: User) -> None:
    """Delete the user (GDPR art. 17), keeping the organizations' counts and hours right.

    Upcoming participations are cancelled first (seats go to the waiting list, organizers are
    told); then every participation is anonymised: no volunteer, no message, status and hours kept.
    The account, its addresses, connected accounts, second factors, tokens, profile,
    memberships, saved searches (with what their alerts announced) and certificates (their
    verification pages then know nothing) go with it, the cities' guest accounts of an employee
    who joined their shared missions are erased, and so do
    friendships, blocks, invitations, recommendations and notifications (their rows cascade with
    the account). The last active tenant admin cannot leave the tenant without admin.
    """
    with transaction.atomic():
        locked = user_lock_for_deletion(user=user, actor=actor)
        upcoming = Participation.objects.filter(
            volunteer=locked, status__in=Participation.ACTIVE_STATUSES
        ).select_related("slot")
        cancelled = 0
        for participation in upcoming:
            try:
                participation_cancel(participation=participation, actor=locked)
                cancelled += 1
            except EngagementError:
                # Already started: the organization still records attendance, anonymously.
                continue
        # What the cities hold for an employee who joined their shared missions goes first: the
        # company's rows name the cities (engagement.sharing, GDPR art. 17 there too).
        shared_guest_forget(employee=locked)
        anonymised = Participation.objects.filter(volunteer=locked).update(
            volunteer=None, is_anonymised=True, message=""
        )
        user_id = locked.pk
        user_delete(
            user=locked,
            actor=actor,
            data={"participations_anonymised": anonymised, "participations_cancelled": cancelled},
        )
    logger.info(
        "user.deleted",
        extra={"user_id": user_id, "anonymised": anonymised, "cancelled": cancelled},
    )

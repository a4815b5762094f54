"""Errors raised by engagement services.

`EngagementError` is a `tenants.api_conventions.ApiError`, so the API renders it as {"detail",
"code", "fields"} with the status below; pages show `.detail`. Every code has one HTTP status, so
a caller never picks one: 400 bad input, 403 not allowed, 404 not found, 409 the state forbids it,
429 too many at once.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from rest_framework import status

from tenants.api_conventions import ApiError


class EngagementErrorCode(StrEnum):
    # 400: the input itself is wrong.
    INVALID = "invalid"
    TEXT_TOO_LONG = "text_too_long"
    HOURS_INVALID = "hours_invalid"
    SLOT_DATES_INVALID = "slot_dates_invalid"
    CAPACITY_INVALID = "capacity_invalid"
    CAPACITY_BELOW_CONFIRMED = "capacity_below_confirmed"
    LOCATION_REQUIRED = "location_required"
    NOTE_REQUIRED = "note_required"
    UNKNOWN_CAUSE = "unknown_cause"
    UNKNOWN_SKILL = "unknown_skill"
    FRIEND_SELF = "friend_self"
    FRIEND_ALREADY = "friend_already"
    FRIEND_BLOCKED = "friend_blocked"
    FRIEND_INVITATION_EXPIRED = "friend_invitation_expired"
    FRIEND_INVITATION_USED = "friend_invitation_used"
    NOT_FRIEND = "not_friend"
    ALREADY_RECOMMENDED = "already_recommended"
    SAVED_SEARCH_LIMIT_REACHED = "saved_search_limit_reached"
    NOT_A_FRIEND = "not_a_friend"
    GROUP_TOO_LARGE = "group_too_large"
    FRIEND_ALREADY_PARTICIPATING = "friend_already_participating"
    WORK_TIME_BALANCE_EXCEEDED = "work_time_balance_exceeded"
    # 403: the actor may not do this.
    NOT_ALLOWED = "not_allowed"
    NOT_MODERATOR = "not_moderator"
    NOT_ORGANIZATION_MEMBER = "not_organization_member"
    NOT_OWN_PARTICIPATION = "not_own_participation"
    ORGANIZATION_LIMIT_REACHED = "organization_limit_reached"
    INVITATION_EMAIL_MISMATCH = "invitation_email_mismatch"
    FEATURE_NOT_IN_PLAN = "feature_not_in_plan"
    # 404
    INVITATION_NOT_FOUND = "invitation_not_found"
    FRIEND_NOT_FOUND = "friend_not_found"
    FRIEND_INVITATION_NOT_FOUND = "friend_invitation_not_found"
    NOTIFICATION_NOT_FOUND = "notification_not_found"
    # 409: the current state forbids it.
    INVALID_TRANSITION = "invalid_transition"
    ORGANIZATION_NOT_VERIFIED = "organization_not_verified"
    MISSION_NOT_PUBLISHED = "mission_not_published"
    MISSION_NOT_EDITABLE = "mission_not_editable"
    MISSION_WITHOUT_DATES = "mission_without_dates"
    SLOT_CANCELLED = "slot_cancelled"
    SLOT_STARTED = "slot_started"
    SLOT_NOT_STARTED = "slot_not_started"
    SLOT_FULL = "slot_full"
    ALREADY_PARTICIPATING = "already_participating"
    INVITATION_USED = "invitation_used"
    ALREADY_MEMBER = "already_member"
    LAST_ADMIN = "last_admin"
    NO_RECIPIENTS = "no_recipients"
    GROUP_SIGNUP_UNAVAILABLE = "group_signup_unavailable"
    SEAT_HOLD_ENDED = "seat_hold_ended"
    WORK_TIME_ALREADY_REQUESTED = "work_time_already_requested"
    # 429: too many at once for this person.
    EXPORT_ALREADY_RUNNING = "export_already_running"
    FRIENDS_TOO_MANY = "friends_too_many"
    MESSAGE_RATE_LIMITED = "message_rate_limited"


_STATUS: dict[EngagementErrorCode, int] = {
    EngagementErrorCode.NOT_ALLOWED: status.HTTP_403_FORBIDDEN,
    EngagementErrorCode.NOT_MODERATOR: status.HTTP_403_FORBIDDEN,
    EngagementErrorCode.NOT_ORGANIZATION_MEMBER: status.HTTP_403_FORBIDDEN,
    EngagementErrorCode.NOT_OWN_PARTICIPATION: status.HTTP_403_FORBIDDEN,
    EngagementErrorCode.ORGANIZATION_LIMIT_REACHED: status.HTTP_403_FORBIDDEN,
    EngagementErrorCode.INVITATION_EMAIL_MISMATCH: status.HTTP_403_FORBIDDEN,
    EngagementErrorCode.FEATURE_NOT_IN_PLAN: status.HTTP_403_FORBIDDEN,
    EngagementErrorCode.INVITATION_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    EngagementErrorCode.FRIEND_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    EngagementErrorCode.FRIEND_INVITATION_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    EngagementErrorCode.NOTIFICATION_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    EngagementErrorCode.INVALID_TRANSITION: status.HTTP_409_CONFLICT,
    EngagementErrorCode.ORGANIZATION_NOT_VERIFIED: status.HTTP_409_CONFLICT,
    EngagementErrorCode.MISSION_NOT_PUBLISHED: status.HTTP_409_CONFLICT,
    EngagementErrorCode.MISSION_NOT_EDITABLE: status.HTTP_409_CONFLICT,
    EngagementErrorCode.MISSION_WITHOUT_DATES: status.HTTP_409_CONFLICT,
    EngagementErrorCode.SLOT_CANCELLED: status.HTTP_409_CONFLICT,
    EngagementErrorCode.SLOT_STARTED: status.HTTP_409_CONFLICT,
    EngagementErrorCode.SLOT_NOT_STARTED: status.HTTP_409_CONFLICT,
    EngagementErrorCode.SLOT_FULL: status.HTTP_409_CONFLICT,
    EngagementErrorCode.ALREADY_PARTICIPATING: status.HTTP_409_CONFLICT,
    EngagementErrorCode.INVITATION_USED: status.HTTP_409_CONFLICT,
    EngagementErrorCode.ALREADY_MEMBER: status.HTTP_409_CONFLICT,
    EngagementErrorCode.LAST_ADMIN: status.HTTP_409_CONFLICT,
    EngagementErrorCode.NO_RECIPIENTS: status.HTTP_409_CONFLICT,
    EngagementErrorCode.GROUP_SIGNUP_UNAVAILABLE: status.HTTP_409_CONFLICT,
    EngagementErrorCode.SEAT_HOLD_ENDED: status.HTTP_409_CONFLICT,
    EngagementErrorCode.WORK_TIME_ALREADY_REQUESTED: status.HTTP_409_CONFLICT,
    EngagementErrorCode.EXPORT_ALREADY_RUNNING: status.HTTP_429_TOO_MANY_REQUESTS,
    EngagementErrorCode.FRIENDS_TOO_MANY: status.HTTP_429_TOO_MANY_REQUESTS,
    EngagementErrorCode.MESSAGE_RATE_LIMITED: status.HTTP_429_TOO_MANY_REQUESTS,
}


def status_for(code: EngagementErrorCode) -> int:
    return _STATUS.get(code, status.HTTP_400_BAD_REQUEST)


class EngagementError(ApiError):
    """A refused engagement operation. Nothing was written when it is raised."""

    def __init__(
        self,
        detail: str | Promise,
        *,
        code: EngagementErrorCode,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(str(detail), code=str(code), fields=fields, status_code=status_for(code))
        self.code = code

    def __str__(self) -> str:
        return str(self.detail)

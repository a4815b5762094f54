"""Reads of reminders: the reminder an answer link names, and the answers shown beside
participations (the volunteer's page, the organization's participants list)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engagement.participations.models import Participation
from engagement.reminders.models import Reminder
from tenants.signing import InvalidToken, tenant_loads

TOKEN_KIND = "reminder_answer"
# Each action of a link belongs to one kind of reminder (a "hours" link never cancels).
ACTIONS = {
    "yes": Reminder.Kind.STILL_COMING,
    "cancel": Reminder.Kind.STILL_COMING,
    "hours": Reminder.Kind.HOW_WAS_IT,
}


def reminder_for_answer(token: str) -> tuple[Reminder, str]:
    """The reminder and the action an answer link names, participation, slot, mission and
    volunteer joined; InvalidToken (TokenExpired when too old) for a link that is not one of this
    tenant's, or names another kind's action, or a reminder that no longer exists."""
    value: Any = tenant_loads(TOKEN_KIND, token)
    if not isinstance(value, dict):
        raise InvalidToken("Not a reminder answer.")
    reminder_id, action = value.get("r"), value.get("a")
    if not isinstance(reminder_id, int) or action not in ACTIONS:
        raise InvalidToken("Not a reminder answer.")
    reminder = (
        Reminder.objects.select_related(
            "participation__slot__mission__organization", "participation__volunteer"
        )
        .filter(pk=reminder_id, kind=ACTIONS[action])
        .first()
    )
    if reminder is None:
        raise InvalidToken("No such reminder.")
    return reminder, action


def participations_with_answers(participations: Sequence[Participation]) -> Sequence[Participation]:
    """The same participations, each given `confirmed_coming_at` (when the volunteer answered
    "Yes, I'm coming", or None) and `declared_hours` (what they answered to "How was it?", or
    None): one query for the whole list."""
    coming: dict[int, Any] = {}
    declared: dict[int, Any] = {}
    answers = Reminder.objects.filter(
        participation_id__in=[participation.pk for participation in participations],
        answer__in=(Reminder.Answer.COMING, Reminder.Answer.HOURS),
    ).values_list("participation_id", "answer", "answered_at", "declared_hours")
    if participations:
        for participation_id, answer, answered_at, hours in answers:
            if answer == Reminder.Answer.COMING:
                coming[participation_id] = answered_at
            else:
                declared[participation_id] = hours
    for participation in participations:
        participation.confirmed_coming_at = coming.get(participation.pk)  # type: ignore[attr-defined]
        participation.declared_hours = declared.get(participation.pk)  # type: ignore[attr-defined]
    return participations

"""Reads of the messages organizations sent."""

from __future__ import annotations

from django.db.models import QuerySet

from engagement.missions.models import Mission
from engagement.organization_messages.models import OrganizationMessage


def organization_message_list_for_mission(*, mission: Mission) -> QuerySet[OrganizationMessage]:
    """The mission's messages, newest first, with their sender (and profile) and slot joined."""
    return (
        OrganizationMessage.objects.filter(mission=mission)
        .select_related("sender__volunteer_profile", "slot")
        .defer("recipient_ids")
        .order_by("-created_at", "-id")
    )

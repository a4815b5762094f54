"""Reads of volunteer profiles."""

from __future__ import annotations

from django.db.models import Prefetch

from accounts.models import User
from engagement.taxonomy.models import Cause, Skill
from engagement.volunteers.models import VolunteerProfile


def profile_for_user(*, user: User) -> VolunteerProfile | None:
    """The volunteer's profile with causes and skills loaded, or None if they never saved one."""
    return (
        VolunteerProfile.objects.filter(user=user)
        .prefetch_related(
            Prefetch("causes", queryset=Cause.objects.order_by("position", "slug")),
            Prefetch("skills", queryset=Skill.objects.order_by("position", "slug")),
        )
        .first()
    )

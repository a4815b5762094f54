"""Causes, skills and a volunteer's profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from engagement.models import Cause, Skill, VolunteerProfile

if TYPE_CHECKING:
    from accounts.models import User


def cause_list() -> QuerySet[Cause]:
    return Cause.objects.filter(is_active=True).order_by("position", "slug")


def skill_list() -> QuerySet[Skill]:
    return Skill.objects.filter(is_active=True).order_by("position", "slug")


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

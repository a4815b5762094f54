"""Causes and skills of the tenant."""

from __future__ import annotations

from django.db.models import QuerySet

from engagement.taxonomy.models import Cause, Skill


def cause_list() -> QuerySet[Cause]:
    return Cause.objects.filter(is_active=True).order_by("position", "slug")


def skill_list() -> QuerySet[Skill]:
    return Skill.objects.filter(is_active=True).order_by("position", "slug")

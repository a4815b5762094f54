"""Causes and skills of the tenant."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from engagement.taxonomy.models import Cause, Skill


def _offered(*, including: Iterable[int]) -> Q:
    ids = list(including)
    return Q(is_active=True) | Q(pk__in=ids) if ids else Q(is_active=True)


def cause_list(*, including: Iterable[int] = ()) -> QuerySet[Cause]:
    """Active causes in display order, plus the retired ones among `including` (those a mission
    being edited already has: it keeps them)."""
    return Cause.objects.filter(_offered(including=including)).order_by("position", "slug")


def skill_list(*, including: Iterable[int] = ()) -> QuerySet[Skill]:
    """Active skills in display order, plus the retired ones among `including`."""
    return Skill.objects.filter(_offered(including=including)).order_by("position", "slug")


def cause_list_for_settings() -> QuerySet[Cause]:
    """Every cause, retired ones included, with how many missions carry it (one query)."""
    return Cause.objects.annotate(mission_count=Count("missions")).order_by(
        "-is_active", "position", "slug"
    )


def skill_list_for_settings() -> QuerySet[Skill]:
    """Every skill, retired ones included, with how many missions ask for it (one query)."""
    return Skill.objects.annotate(mission_count=Count("missions")).order_by(
        "-is_active", "position", "slug"
    )


@dataclass(frozen=True)
class TaxonomyCounts:
    causes_active: int
    causes_retired: int
    skills_active: int
    skills_retired: int


def taxonomy_counts() -> TaxonomyCounts:
    """How many causes and skills are offered, and how many retired (two queries)."""
    causes = Cause.objects.aggregate(
        active=Count("pk", filter=Q(is_active=True)), retired=Count("pk", filter=Q(is_active=False))
    )
    skills = Skill.objects.aggregate(
        active=Count("pk", filter=Q(is_active=True)), retired=Count("pk", filter=Q(is_active=False))
    )
    return TaxonomyCounts(
        causes_active=causes["active"],
        causes_retired=causes["retired"],
        skills_active=skills["active"],
        skills_retired=skills["retired"],
    )

"""Causes and skills: the default taxonomy every tenant starts with."""

from __future__ import annotations

from django.db import transaction

from engagement.models import Cause, Skill
from engagement.taxonomy import DEFAULT_CAUSES, DEFAULT_SKILLS


@transaction.atomic
def taxonomy_seed_defaults() -> tuple[int, int]:
    """Create the default causes and skills that are missing; returns how many were added."""
    existing_causes = set(Cause.objects.values_list("slug", flat=True))
    causes = [
        Cause(slug=slug, name_fr=fr, name_en=en, icon=icon, position=position)
        for position, (slug, fr, en, icon) in enumerate(DEFAULT_CAUSES)
        if slug not in existing_causes
    ]
    existing_skills = set(Skill.objects.values_list("slug", flat=True))
    skills = [
        Skill(slug=slug, name_fr=fr, name_en=en, position=position)
        for position, (slug, fr, en) in enumerate(DEFAULT_SKILLS)
        if slug not in existing_skills
    ]
    Cause.objects.bulk_create(causes)
    Skill.objects.bulk_create(skills)
    return len(causes), len(skills)

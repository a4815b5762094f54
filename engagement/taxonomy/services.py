"""Causes and skills: the defaults every tenant starts with, and resolving ids a form or the API
sent into the tenant's causes and skills.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import models, transaction
from django.utils.translation import gettext as _

from engagement.errors import EngagementError, EngagementErrorCode
from engagement.limits import is_valid_id
from engagement.taxonomy.defaults import DEFAULT_CAUSES, DEFAULT_SKILLS
from engagement.taxonomy.models import Cause, Skill
from tenants.models import Tenant
from tenants.provisioning_steps import ProvisioningInput


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


logger = logging.getLogger("engagement.services")


def _ids(
    values: Iterable[int | str | models.Model], *, field: str, code: EngagementErrorCode
) -> set[int]:
    """Ids from ids, numeric strings or model instances (a form's queryset)."""
    try:
        ids = {int(value.pk if isinstance(value, models.Model) else value) for value in values}
    except (TypeError, ValueError):
        ids = {0}
    if not all(is_valid_id(value) for value in ids):
        message = _("Give a list of ids.")
        raise EngagementError(message, code=code, fields={field: [message]})
    return ids


def taxonomy_resolve(
    *, cause_ids: Iterable[int] | None, skill_ids: Iterable[int] | None
) -> tuple[list[Cause] | None, list[Skill] | None]:
    """Active causes and skills for these ids; an unknown or inactive id is a 400."""
    causes = skills = None
    if cause_ids is not None:
        wanted = _ids(cause_ids, field="cause_ids", code=EngagementErrorCode.UNKNOWN_CAUSE)
        causes = list(Cause.objects.filter(pk__in=wanted, is_active=True))
        if len(causes) != len(wanted):
            message = _("Unknown cause.")
            raise EngagementError(
                message, code=EngagementErrorCode.UNKNOWN_CAUSE, fields={"cause_ids": [message]}
            )
    if skill_ids is not None:
        wanted = _ids(skill_ids, field="skill_ids", code=EngagementErrorCode.UNKNOWN_SKILL)
        skills = list(Skill.objects.filter(pk__in=wanted, is_active=True))
        if len(skills) != len(wanted):
            message = _("Unknown skill.")
            raise EngagementError(
                message, code=EngagementErrorCode.UNKNOWN_SKILL, fields={"skill_ids": [message]}
            )
    return causes, skills


def taxonomy_provision(*, tenant: Tenant, provisioning_input: ProvisioningInput) -> None:
    """Provisioning step: a new tenant starts with the default causes and skills."""
    taxonomy_seed_defaults()

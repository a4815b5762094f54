"""Causes and skills: the defaults every tenant starts with, resolving ids a form or the API
sent into the tenant's causes and skills, and the tenant admins' changes to the lists (add,
rename, retire, restore).

A retired cause or skill is no longer offered for new missions and profiles (it is not active),
but nothing that carries it loses it: missions keep and show it, and a mission being edited may
keep it (`kept_cause_ids`). Nothing is ever deleted, so no mission breaks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from engagement.access import require_tenant_admin
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.limits import is_valid_id
from engagement.sanitizing import sanitize_text
from engagement.taxonomy.defaults import DEFAULT_CAUSE_SDG_GOALS, DEFAULT_CAUSES, DEFAULT_SKILLS
from engagement.taxonomy.models import Cause, Skill
from tenants.audit.services import audit_record
from tenants.context import current_schema_name
from tenants.models import Tenant
from tenants.provisioning_steps import ProvisioningInput


@transaction.atomic
def taxonomy_seed_defaults() -> tuple[int, int]:
    """Create the default causes and skills that are missing; returns how many were added."""
    existing_causes = set(Cause.objects.values_list("slug", flat=True))
    causes = [
        Cause(
            slug=slug,
            name_fr=fr,
            name_en=en,
            icon=icon,
            position=position,
            sdg_goals=list(DEFAULT_CAUSE_SDG_GOALS.get(slug, ())),
        )
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
    *,
    cause_ids: Iterable[int] | None,
    skill_ids: Iterable[int] | None,
    kept_cause_ids: Iterable[int] = (),
    kept_skill_ids: Iterable[int] = (),
) -> tuple[list[Cause] | None, list[Skill] | None]:
    """Active causes and skills for these ids; an unknown or retired id is a 400, except a
    retired one among the `kept_*` ids (what the object being edited already has)."""
    causes = skills = None
    if cause_ids is not None:
        wanted = _ids(cause_ids, field="cause_ids", code=EngagementErrorCode.UNKNOWN_CAUSE)
        causes = list(
            Cause.objects.filter(
                Q(is_active=True) | Q(pk__in=set(kept_cause_ids) & wanted), pk__in=wanted
            )
        )
        if len(causes) != len(wanted):
            message = _("Unknown cause.")
            raise EngagementError(
                message, code=EngagementErrorCode.UNKNOWN_CAUSE, fields={"cause_ids": [message]}
            )
    if skill_ids is not None:
        wanted = _ids(skill_ids, field="skill_ids", code=EngagementErrorCode.UNKNOWN_SKILL)
        skills = list(
            Skill.objects.filter(
                Q(is_active=True) | Q(pk__in=set(kept_skill_ids) & wanted), pk__in=wanted
            )
        )
        if len(skills) != len(wanted):
            message = _("Unknown skill.")
            raise EngagementError(
                message, code=EngagementErrorCode.UNKNOWN_SKILL, fields={"skill_ids": [message]}
            )
    return causes, skills


def taxonomy_provision(*, tenant: Tenant, provisioning_input: ProvisioningInput) -> None:
    """Provisioning step: a new tenant starts with the default causes and skills."""
    taxonomy_seed_defaults()


# --- the tenant admins' changes to the lists ----------------------------------------------------

NAME_MAX_LENGTH = 80
TaxonomyItem = Cause | Skill


def _names(name_fr: str, name_en: str) -> tuple[str, str]:
    """Both labels, cleaned; one given is used for both; none is a 400."""
    french = sanitize_text(name_fr, field="name_fr", max_length=NAME_MAX_LENGTH)
    english = sanitize_text(name_en, field="name_en", max_length=NAME_MAX_LENGTH)
    if not french and not english:
        message = _("Give a name, in French or in English.")
        raise EngagementError(
            message, code=EngagementErrorCode.INVALID, fields={"name_fr": [message]}
        )
    return french or english, english or french


def _lock_lists() -> None:
    """Serializes changes to the lists in this tenant, so two admins cannot both add the same
    name (the duplicate check below then sees every committed row)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"taxonomy:{current_schema_name()}"]
        )


def _refuse_duplicate(
    model: type[Cause] | type[Skill], french: str, english: str, *, exclude: int | None = None
) -> None:
    names = Q()
    for name in {french, english}:
        names |= Q(name_fr__iexact=name) | Q(name_en__iexact=name)
    duplicates = model.objects.filter(names)
    if exclude is not None:
        duplicates = duplicates.exclude(pk=exclude)
    if duplicates.exists():
        message = (
            _("A cause with this name already exists.")
            if model is Cause
            else _("A skill with this name already exists.")
        )
        raise EngagementError(
            message, code=EngagementErrorCode.INVALID, fields={"name_fr": [message]}
        )


def _unique_slug(model: type[Cause] | type[Skill], name: str) -> str:
    base = (slugify(name) or "item")[:44].strip("-") or "item"
    taken = set(model.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def _create(
    model: type[Cause] | type[Skill], *, actor: User, name_fr: str, name_en: str
) -> TaxonomyItem:
    require_tenant_admin(actor)
    french, english = _names(name_fr, name_en)
    with transaction.atomic():
        _lock_lists()
        _refuse_duplicate(model, french, english)
        last = model.objects.aggregate(last=Max("position"))["last"]
        item = model(
            slug=_unique_slug(model, french),
            name_fr=french,
            name_en=english,
            position=0 if last is None else last + 1,
        )
        item.full_clean()
        item.save()
        audit_record(actor=actor, action=f"taxonomy.{model._meta.model_name}_created", target=item)
    logger.info("taxonomy.created", extra={"kind": model._meta.model_name, "item_id": item.pk})
    return item


def _rename(item: TaxonomyItem, *, actor: User, name_fr: str, name_en: str) -> TaxonomyItem:
    require_tenant_admin(actor)
    model = type(item)
    french, english = _names(name_fr, name_en)
    with transaction.atomic():
        _lock_lists()
        locked = model.objects.select_for_update().get(pk=item.pk)
        _refuse_duplicate(model, french, english, exclude=locked.pk)
        changed = [
            name
            for name, value in (("name_fr", french), ("name_en", english))
            if getattr(locked, name) != value
        ]
        if changed:
            locked.name_fr, locked.name_en = french, english
            locked.full_clean()
            locked.save(update_fields=changed)
            audit_record(
                actor=actor,
                action=f"taxonomy.{model._meta.model_name}_renamed",
                target=locked,
                data={"fields": changed},
            )
    item.name_fr, item.name_en = locked.name_fr, locked.name_en
    return item


def _set_active(item: TaxonomyItem, *, actor: User, active: bool) -> TaxonomyItem:
    require_tenant_admin(actor)
    model = type(item)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=item.pk)
        if locked.is_active != active:
            locked.is_active = active
            locked.save(update_fields=["is_active"])
            verb = "restored" if active else "retired"
            audit_record(
                actor=actor, action=f"taxonomy.{model._meta.model_name}_{verb}", target=locked
            )
    item.is_active = locked.is_active
    return item


def cause_create(*, actor: User, name_fr: str, name_en: str) -> Cause:
    """A new cause, offered at once, last in the list; a name already used is a 400."""
    cause = _create(Cause, actor=actor, name_fr=name_fr, name_en=name_en)
    assert isinstance(cause, Cause)
    return cause


def cause_rename(*, cause: Cause, actor: User, name_fr: str, name_en: str) -> Cause:
    """New labels; every mission and profile carrying the cause shows them."""
    _rename(cause, actor=actor, name_fr=name_fr, name_en=name_en)
    return cause


def cause_retire(*, cause: Cause, actor: User) -> Cause:
    """No longer offered for new missions or profiles; missions that have it keep it."""
    _set_active(cause, actor=actor, active=False)
    return cause


def cause_restore(*, cause: Cause, actor: User) -> Cause:
    _set_active(cause, actor=actor, active=True)
    return cause


def skill_create(*, actor: User, name_fr: str, name_en: str) -> Skill:
    """A new skill, offered at once, last in the list; a name already used is a 400."""
    skill = _create(Skill, actor=actor, name_fr=name_fr, name_en=name_en)
    assert isinstance(skill, Skill)
    return skill


def skill_rename(*, skill: Skill, actor: User, name_fr: str, name_en: str) -> Skill:
    _rename(skill, actor=actor, name_fr=name_fr, name_en=name_en)
    return skill


def skill_retire(*, skill: Skill, actor: User) -> Skill:
    """No longer offered for new missions or profiles; missions that have it keep it."""
    _set_active(skill, actor=actor, active=False)
    return skill


def skill_restore(*, skill: Skill, actor: User) -> Skill:
    _set_active(skill, actor=actor, active=True)
    return skill


# --- the UN Sustainable Development Goals of a cause (CSR reports) ------------------------------

SDG_FIRST, SDG_LAST = 1, 17


def cause_sdg_goals_set(*, cause: Cause, actor: User, goals: Iterable[int | str]) -> Cause:
    """The goals (1–17) the cause serves, replacing the previous ones; a number outside 1–17 is
    a 400 and changes nothing."""
    require_tenant_admin(actor)
    try:
        wanted = sorted({int(goal) for goal in goals})
    except (TypeError, ValueError):
        wanted = [0]
    if any(not SDG_FIRST <= goal <= SDG_LAST for goal in wanted):
        message = _("A Sustainable Development Goal is a number from 1 to 17.")
        raise EngagementError(
            message, code=EngagementErrorCode.INVALID, fields={"goals": [message]}
        )
    with transaction.atomic():
        locked = Cause.objects.select_for_update().get(pk=cause.pk)
        if list(locked.sdg_goals) != wanted:
            before = list(locked.sdg_goals)
            locked.sdg_goals = wanted
            locked.save(update_fields=["sdg_goals"])
            audit_record(
                actor=actor,
                action="taxonomy.cause_goals_changed",
                target=locked,
                data={"before": before, "after": wanted},
            )
    cause.sdg_goals = locked.sdg_goals
    return cause

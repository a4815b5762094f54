"""What every engagement service shares: the audit trail, model validation mapped to
EngagementError, text cleaning of a whole set of fields, and the actor checks."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from accounts.permissions import (
    ORGANIZER_ROLES,
    user_is_moderator,
    user_is_tenant_admin,
    user_organization_role,
)
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.limits import is_valid_id
from engagement.models import AuditEvent, Cause, Organization, Skill
from engagement.sanitizing import sanitize_html, sanitize_text

logger = logging.getLogger("engagement.services")


def audit_record(
    *, actor: Any, action: str, target: models.Model, data: Mapping[str, Any] | None = None
) -> AuditEvent:
    """Record who did what to which object (inside the caller's transaction)."""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor_id=actor_id,
        action=action,
        target_type=target._meta.model_name or target.__class__.__name__.lower(),
        target_id=target.pk,
        data=dict(data or {}),
    )


def checked_point(location: Any, *, field: str = "location") -> Point | None:
    """A WGS 84 point with real coordinates, or None; anything else is a 400 on `field`."""
    if location is None:
        return None
    if not isinstance(location, Point):
        message = _("Give a point (longitude, latitude).")
        raise EngagementError(message, code=EngagementErrorCode.INVALID, fields={field: [message]})
    if location.srid not in (None, 4326):
        location = location.transform(4326, clone=True)
    longitude, latitude = location.x, location.y
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        message = _("These coordinates are not on Earth.")
        raise EngagementError(message, code=EngagementErrorCode.INVALID, fields={field: [message]})
    return Point(longitude, latitude, srid=4326)


def copy_fields(target: models.Model, source: models.Model) -> None:
    """Refresh the caller's instance with what a service just wrote (no extra query)."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
        if isinstance(field, models.ForeignKey) and field.is_cached(source):
            field.set_cached_value(target, field.get_cached_value(source))


def validated(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """`full_clean()` with Django's errors turned into a 400 EngagementError with field errors."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        fields = (
            {
                key: [str(message) for message in messages]
                for key, messages in error.message_dict.items()
            }
            if hasattr(error, "error_dict")
            else {"non_field_errors": [str(message) for message in error.messages]}
        )
        raise EngagementError(
            _("Some fields are not valid."), code=EngagementErrorCode.INVALID, fields=fields
        ) from None


def clean_texts(
    values: Mapping[str, Any], *, html_fields: Mapping[str, int], text_fields: Mapping[str, int]
) -> dict[str, Any]:
    """Sanitize the text fields present in `values` (HTML subset or plain text, with limits)."""
    cleaned = dict(values)
    for name, limit in html_fields.items():
        if name in cleaned:
            cleaned[name] = sanitize_html(cleaned[name], field=name, max_length=limit)
    for name, limit in text_fields.items():
        if name in cleaned:
            cleaned[name] = sanitize_text(cleaned[name], field=name, max_length=limit)
    return cleaned


def require_organization_role(
    actor: Any, organization: Organization, roles: Iterable[str] = ORGANIZER_ROLES
) -> str:
    role = user_organization_role(actor, organization)
    if role is None or role not in tuple(roles):
        raise EngagementError(
            _("Only the organization's administrators and editors can do this.")
            if tuple(roles) == ORGANIZER_ROLES
            else _("Only the organization's administrators can do this."),
            code=EngagementErrorCode.NOT_ORGANIZATION_MEMBER,
        )
    return role


def require_moderator(actor: Any) -> None:
    if not user_is_moderator(actor):
        raise EngagementError(
            _("Only the moderators of this site can do this."),
            code=EngagementErrorCode.NOT_MODERATOR,
        )


def require_authenticated(actor: Any) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise EngagementError(_("Please sign in first."), code=EngagementErrorCode.NOT_ALLOWED)


def is_moderator(actor: Any) -> bool:
    return user_is_moderator(actor)


def is_tenant_admin(actor: Any) -> bool:
    return user_is_tenant_admin(actor)


def _ids(values: Iterable[Any], *, field: str, code: EngagementErrorCode) -> set[int]:
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

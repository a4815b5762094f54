"""Writes of a company programme: its settings, its sites, its teams and their members, and the
employee's own choice of showing their activity to their teams.

Rules:
- every change is made by a tenant admin (checked here, not only by the pages) and audited;
- teams from the company directory (SCIM) or single sign-on are named and filled by them: here
  one only marks or unmarks their leads; their name and members are read-only;
- a site is deactivated, never deleted: employees and teams keep pointing at it;
- a site's position is a (latitude, longitude) pair within range, or none.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from engagement.access import require_tenant_admin
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.programmes.models import (
    EmployeeProfile,
    ProgrammeSettings,
    Site,
    Team,
    TeamMembership,
)
from engagement.sanitizing import sanitize_text
from tenants.audit.services import audit_record

logger = logging.getLogger("engagement.services")

NAME_MAX_LENGTH = 120
ADDRESS_MAX_LENGTH = 250


def _require_admin(actor: User) -> None:
    require_tenant_admin(actor)


def _invalid(field: str, message: str) -> EngagementError:
    return EngagementError(message, code=EngagementErrorCode.INVALID, fields={field: [message]})


def _name(value: str, *, field: str = "name") -> str:
    name = sanitize_text(value, field=field, max_length=NAME_MAX_LENGTH)
    if not name:
        raise _invalid(field, _("Give it a name."))
    return name


# --- Settings -----------------------------------------------------------------------------------


def _hours(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def programme_settings_update(
    *,
    actor: User,
    leaderboards_enabled: bool,
    work_hours_per_year: Decimal,
    manager_approval_required: bool,
    year_starts_month: int,
) -> ProgrammeSettings:
    """Change every setting of the programme at once (one audit row with what changed)."""
    _require_admin(actor)
    with transaction.atomic():
        row, _created = ProgrammeSettings.objects.select_for_update().get_or_create(pk=1)
        before = {
            "leaderboards_enabled": row.leaderboards_enabled,
            "work_hours_per_year": _hours(row.work_hours_per_year),
            "manager_approval_required": row.manager_approval_required,
            "year_starts_month": row.year_starts_month,
        }
        row.leaderboards_enabled = leaderboards_enabled
        row.work_hours_per_year = work_hours_per_year
        row.manager_approval_required = manager_approval_required
        row.year_starts_month = year_starts_month
        row.full_clean()
        row.save()
        after = {
            "leaderboards_enabled": row.leaderboards_enabled,
            "work_hours_per_year": _hours(row.work_hours_per_year),
            "manager_approval_required": row.manager_approval_required,
            "year_starts_month": row.year_starts_month,
        }
        changed = {key: after[key] for key in after if after[key] != before[key]}
        if changed:
            audit_record(actor=actor, action="programme.settings_updated", target=row, data=changed)
    return row


# --- Sites --------------------------------------------------------------------------------------


def site_point(*, latitude: float | None, longitude: float | None) -> Point | None:
    """The point of a (latitude, longitude) pair; both or neither."""
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        raise _invalid("latitude", _("Give both the latitude and the longitude, or neither."))
    if not -90 <= latitude <= 90:
        raise _invalid("latitude", _("A latitude is between -90 and 90."))
    if not -180 <= longitude <= 180:
        raise _invalid("longitude", _("A longitude is between -180 and 180."))
    return Point(longitude, latitude, srid=4326)


def _site_save(site: Site) -> Site:
    try:
        with transaction.atomic():
            site.full_clean(exclude=["point"], validate_unique=False, validate_constraints=False)
            site.save()
    except IntegrityError:
        raise _invalid("name", _("Another site has this name.")) from None
    except ValidationError as error:
        raise EngagementError(
            _("The site is not valid."),
            code=EngagementErrorCode.INVALID,
            fields={key: [str(m) for m in value] for key, value in error.message_dict.items()},
        ) from None
    return site


def site_create(
    *,
    actor: User,
    name: str,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    external_id: str = "",
) -> Site:
    _require_admin(actor)
    site = Site(
        name=_name(name),
        address=sanitize_text(address, field="address", max_length=ADDRESS_MAX_LENGTH),
        point=site_point(latitude=latitude, longitude=longitude),
        external_id=sanitize_text(external_id, field="external_id", max_length=120),
    )
    with transaction.atomic():
        _site_save(site)
        audit_record(
            actor=actor, action="programme.site_created", target=site, data={"name": site.name}
        )
    return site


def site_update(
    *,
    actor: User,
    site: Site,
    name: str,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    external_id: str = "",
) -> Site:
    _require_admin(actor)
    site.name = _name(name)
    site.address = sanitize_text(address, field="address", max_length=ADDRESS_MAX_LENGTH)
    site.point = site_point(latitude=latitude, longitude=longitude)
    site.external_id = sanitize_text(external_id, field="external_id", max_length=120)
    with transaction.atomic():
        _site_save(site)
        audit_record(
            actor=actor, action="programme.site_updated", target=site, data={"name": site.name}
        )
    return site


def site_set_active(*, actor: User, site: Site, is_active: bool) -> Site:
    """Deactivate (or reactivate) a site: it leaves the lists of places, its people stay."""
    _require_admin(actor)
    with transaction.atomic():
        locked = Site.objects.select_for_update().get(pk=site.pk)
        if locked.is_active != is_active:
            locked.is_active = is_active
            locked.save(update_fields=["is_active"])
            audit_record(
                actor=actor,
                action="programme.site_reactivated" if is_active else "programme.site_deactivated",
                target=locked,
            )
    return locked


# --- Teams --------------------------------------------------------------------------------------


def _require_manual(team: Team) -> None:
    if team.source != Team.Source.MANUAL:
        raise EngagementError(
            _("This team comes from the company directory: change it there."),
            code=EngagementErrorCode.INVALID_TRANSITION,
        )


def _site_or_none(site_id: int | None) -> Site | None:
    if site_id is None:
        return None
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        raise _invalid("site", _("Choose one of the sites."))
    return site


def team_create(*, actor: User, name: str, site_id: int | None = None) -> Team:
    _require_admin(actor)
    team = Team(name=_name(name), source=Team.Source.MANUAL, site=_site_or_none(site_id))
    try:
        with transaction.atomic():
            team.save()
            audit_record(
                actor=actor, action="programme.team_created", target=team, data={"name": team.name}
            )
    except IntegrityError:
        raise _invalid("name", _("Another team has this name.")) from None
    return team


def team_update(*, actor: User, team: Team, name: str, site_id: int | None = None) -> Team:
    """Rename a team made here (and set its site)."""
    _require_admin(actor)
    _require_manual(team)
    before = team.name
    team.name = _name(name)
    team.site = _site_or_none(site_id)
    try:
        with transaction.atomic():
            team.save(update_fields=["name", "site", "updated_at"])
            audit_record(
                actor=actor,
                action="programme.team_updated",
                target=team,
                data={"name": team.name, "previous_name": before},
            )
    except IntegrityError:
        team.name = before
        raise _invalid("name", _("Another team has this name.")) from None
    return team


def team_delete(*, actor: User, team: Team) -> None:
    _require_admin(actor)
    _require_manual(team)
    with transaction.atomic():
        audit_record(
            actor=actor, action="programme.team_deleted", target=team, data={"name": team.name}
        )
        team.delete()


def team_member_add(*, actor: User, team: Team, user_id: int) -> TeamMembership:
    _require_admin(actor)
    _require_manual(team)
    member = User.objects.filter(pk=user_id, is_active=True).first()
    if member is None:
        raise _invalid("user", _("Choose a person of this site."))
    with transaction.atomic():
        membership, created = TeamMembership.objects.get_or_create(team=team, user=member)
        if not created:
            raise _invalid("user", _("This person is already in the team."))
        audit_record(
            actor=actor,
            action="programme.team_member_added",
            target=team,
            data={"user_id": member.pk},
        )
    return membership


def team_member_remove(*, actor: User, team: Team, user_id: int) -> None:
    _require_admin(actor)
    _require_manual(team)
    with transaction.atomic():
        deleted, _rows = TeamMembership.objects.filter(team=team, user_id=user_id).delete()
        if not deleted:
            raise _invalid("user", _("This person is not in the team."))
        audit_record(
            actor=actor,
            action="programme.team_member_removed",
            target=team,
            data={"user_id": user_id},
        )


def team_lead_set(*, actor: User, team: Team, user_id: int, is_lead: bool) -> TeamMembership:
    """Mark or unmark a member as a lead (on every team, directory teams included)."""
    _require_admin(actor)
    with transaction.atomic():
        membership = (
            TeamMembership.objects.select_for_update().filter(team=team, user_id=user_id).first()
        )
        if membership is None:
            raise _invalid("user", _("This person is not in the team."))
        if membership.is_lead != is_lead:
            membership.is_lead = is_lead
            membership.save(update_fields=["is_lead"])
            audit_record(
                actor=actor,
                action="programme.team_lead_set" if is_lead else "programme.team_lead_unset",
                target=team,
                data={"user_id": user_id},
            )
    return membership


# --- The employee's own choice ------------------------------------------------------------------


def employee_activity_visibility_set(
    *, user: User, shows_activity_to_team: bool
) -> EmployeeProfile:
    """Whether the person's teams see the missions they join and their hours."""
    with transaction.atomic():
        profile, _created = EmployeeProfile.objects.select_for_update().get_or_create(user=user)
        if profile.shows_activity_to_team != shows_activity_to_team:
            profile.shows_activity_to_team = shows_activity_to_team
            profile.save(update_fields=["shows_activity_to_team", "updated_at"])
    logger.info(
        "programme.activity_visibility_set",
        extra={"user_id": user.pk, "shows_activity_to_team": shows_activity_to_team},
    )
    return profile

"""Demo content for `manage.py seed_demo`: organizations and missions at real places. Idempotent.

Everything is created through the services (organizations verified by the demo moderator,
missions submitted and published, seats taken by demo neighbours), with e-mails muted. A second
run finds every organization (by slug), mission (by organization and title) and account (by
e-mail) and creates nothing. Slots are placed relative to the day of the first run.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from accounts.services import user_create
from engagement.demo.content import CONTENT, DEMO_PASSWORD, DemoMission, DemoOrganization
from engagement.missions.models import Mission, Slot
from engagement.missions.services import (
    mission_create,
    mission_publish,
    mission_submit,
    slot_create,
)
from engagement.notifications import notifications_muted
from engagement.organizations.models import Organization
from engagement.organizations.services import organization_create, organization_verify
from engagement.participations.models import Participation
from engagement.participations.services import participation_request
from engagement.programmes.demo import programme_demo_seed, programme_history_seed
from engagement.programmes.models import EmployeeProfile
from engagement.taxonomy.models import Cause, Skill
from engagement.taxonomy.services import taxonomy_seed_defaults
from engagement.volunteers.models import VolunteerProfile
from engagement.volunteers.services import profile_update
from engagement.worktime.demo import work_time_demo
from tenants.legal.models import TermsAcceptance
from tenants.legal.services import legal_defaults_publish, terms_accept_current
from tenants.models import Tenant

logger = logging.getLogger(__name__)

NEIGHBOURS = 6
# Saturday and Sunday mornings, Wednesday and Thursday evenings (bit = weekday * 3 + period).
VOLUNTEER_AVAILABILITY = sum(1 << bit for bit in (15, 18, 8, 11))


def demo_accounts(slug: str) -> dict[str, str]:
    """The demo sign-ins of a tenant (all with DEMO_PASSWORD)."""
    return {
        "volunteer": f"benevole@{slug}.example",
        "organization": f"asso@{slug}.example",
        "moderator": f"moderation@{slug}.example",
        "admin": f"admin@{slug}.example",
    }


def _account(email: str, *, first_name: str, last_name: str, role: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(
            email=email,
            password=DEMO_PASSWORD,
            first_name=first_name,
            last_name=last_name,
            role=role,
            email_verified=True,
        )
    elif not user.has_usable_password():
        # The tenant's first admin, provisioned without a password (set-password link): the demo
        # signs in with the known one instead.
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _organization(
    spec: DemoOrganization, *, creator: User, moderator: User, slug_prefix: str
) -> Organization:
    slug = slugify(spec.name)
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        organization = organization_create(
            creator=creator,
            name=spec.name,
            kind=spec.kind,
            description=spec.description,
            address=spec.address,
            website=spec.website,
            contact_email=f"contact-{spec.key}@{slug_prefix}.example",
        )
    if not organization.is_verified:
        organization_verify(organization=organization, actor=moderator, approve=True)
    return organization


def _slot_start(tz: zoneinfo.ZoneInfo, days: int, hour: float) -> datetime:
    day = timezone.localdate(timezone=tz) + timedelta(days=days)
    whole = int(hour)
    local = datetime.combine(day, time(whole, int((hour - whole) * 60)), tzinfo=tz)
    return local.astimezone(zoneinfo.ZoneInfo("UTC"))


def _mission(
    spec: DemoMission,
    *,
    organization: Organization,
    author: User,
    moderator: User,
    neighbours: list[User],
    tz: zoneinfo.ZoneInfo,
    causes: dict[str, int],
    skills: dict[str, int],
) -> Mission | None:
    if Mission.objects.filter(organization=organization, title=spec.title).exists():
        return None
    mission = mission_create(
        organization=organization,
        actor=author,
        title=spec.title,
        summary=spec.summary,
        description=spec.description,
        cause_ids=[causes[slug] for slug in spec.causes],
        skill_ids=[skills[slug] for slug in spec.skills],
        location=Point(spec.point[1], spec.point[0], srid=4326) if spec.point else None,
        address=spec.address,
        postcode=spec.postcode,
        city=spec.city,
        is_remote=spec.is_remote,
        is_step_free=spec.is_step_free,
        is_open_to_minors=spec.is_open_to_minors,
        is_beginner_friendly=spec.is_beginner_friendly,
        requires_approval=spec.requires_approval,
    )
    slots_to_fill = []
    for slot_spec in spec.slots:
        if slot_spec.ongoing:
            slot = slot_create(mission=mission, actor=author, capacity=slot_spec.capacity)
        else:
            starts_at = _slot_start(tz, max(slot_spec.days, 1), slot_spec.hour)
            slot = slot_create(
                mission=mission,
                actor=author,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=slot_spec.hours),
                capacity=slot_spec.capacity,
            )
        if slot_spec.fill:
            slots_to_fill.append(slot)
    mission_submit(mission=mission, actor=author)
    if mission.status == Mission.Status.IN_REVIEW:
        mission_publish(mission=mission, actor=moderator)
    for slot in slots_to_fill:
        for neighbour in neighbours[: slot.capacity]:
            participation_request(volunteer=neighbour, slot=slot)
    return mission


def _volunteer_engagements(volunteer: User) -> None:
    """The demo volunteer holds a confirmed seat and a place on a waiting list."""
    if Participation.objects.filter(volunteer=volunteer).exists():
        return
    open_slot = (
        Slot.objects.filter(
            mission__status=Mission.Status.PUBLISHED,
            mission__requires_approval=False,
            status=Slot.Status.OPEN,
            starts_at__gt=timezone.now(),
            confirmed_count__lt=F("capacity"),
        )
        .order_by("starts_at", "id")
        .first()
    )
    full_slot = (
        Slot.objects.filter(
            mission__status=Mission.Status.PUBLISHED,
            mission__requires_approval=False,
            status=Slot.Status.OPEN,
            starts_at__gt=timezone.now(),
            confirmed_count=F("capacity"),
        )
        .order_by("starts_at", "id")
        .first()
    )
    for slot in (open_slot, full_slot):
        if slot is not None:
            participation_request(volunteer=volunteer, slot=slot, message="")


def demo_seed(*, tenant: Any) -> str:
    """Seed the current tenant's demo content; returns a one-line summary."""
    organizations, missions = CONTENT.get(tenant.slug, ((), ()))
    accounts = demo_accounts(tenant.slug)
    tz = zoneinfo.ZoneInfo(tenant.timezone)
    english = tenant.default_language == "en"
    with notifications_muted():
        taxonomy_seed_defaults()
        # A tenant provisioned before the legal pages existed gets their default texts too.
        legal_defaults_publish(tenant=tenant)
        volunteer = _account(
            accounts["volunteer"],
            first_name="Camille" if not english else "Sam",
            last_name="Martin" if not english else "Taylor",
            role=User.Role.VOLUNTEER,
        )
        author = _account(
            accounts["organization"],
            first_name="Alex",
            last_name="Dupont" if not english else "Smith",
            role=User.Role.VOLUNTEER,
        )
        moderator = _account(
            accounts["moderator"],
            first_name="Dominique",
            last_name="Moreau" if not english else "Jones",
            role=User.Role.MODERATOR,
        )
        admin = _account(
            accounts["admin"],
            first_name="Claude",
            last_name="Bernard" if not english else "Brown",
            role=User.Role.ADMIN,
        )
        neighbours = [
            _account(
                f"voisin{index}@{tenant.slug}.example",
                first_name=f"Voisin {index}" if not english else f"Neighbour {index}",
                last_name="Demo",
                role=User.Role.VOLUNTEER,
            )
            for index in range(1, NEIGHBOURS + 1)
        ]
        # The demo people accepted the terms of use as if they had signed up with the form (a
        # version published later is asked of them on their next page, as of anyone).
        for account in (volunteer, author, moderator, admin, *neighbours):
            if not TermsAcceptance.objects.filter(user=account).exists():
                terms_accept_current(user=account, source=TermsAcceptance.Source.SIGNUP)
        causes = dict(Cause.objects.values_list("slug", "pk"))
        skills = dict(Skill.objects.values_list("slug", "pk"))
        by_key = {
            spec.key: _organization(
                spec, creator=author, moderator=moderator, slug_prefix=tenant.slug
            )
            for spec in organizations
        }
        created = 0
        for spec in missions:
            with transaction.atomic():
                created += (
                    _mission(
                        spec,
                        organization=by_key[spec.organization],
                        author=author,
                        moderator=moderator,
                        neighbours=neighbours,
                        tz=tz,
                        causes=causes,
                        skills=skills,
                    )
                    is not None
                )
        if not VolunteerProfile.objects.filter(user=volunteer).exists():
            centre = tenant.map_center
            profile_update(
                user=volunteer,
                cause_ids=[causes[slug] for slug in ("solidarite", "environnement")],
                availability_mask=VOLUNTEER_AVAILABILITY,
                home_point=Point(centre.x, centre.y, srid=4326),
                home_label=tenant.name,
                radius_km=5,
            )
        _volunteer_engagements(volunteer)
        programme = ""
        if tenant.kind == Tenant.Kind.COMPANY:
            # A company tenant is an employee-volunteering programme: sites, teams, a campaign.
            programme = programme_demo_seed(
                tenant=tenant,
                admin=admin,
                volunteer=volunteer,
                author=author,
                neighbours=neighbours,
                password=DEMO_PASSWORD,
            )
            # Dates of the last days that employees attended (hours recorded), and the demo
            # volunteer's work time (one request approved by their manager, one waiting) and
            # declared hours: the campaign, the standings and the CSR report have figures.
            employees = list(
                User.objects.filter(employee_profile__isnull=False, is_active=True).order_by("id")
            )
            programme_history_seed(organizer=author, employees=employees, zone=tz)
            manager = EmployeeProfile.objects.get(user=volunteer).manager
            if manager is not None:
                work_time_demo(
                    employee=volunteer,
                    manager=manager,
                    organization=next(iter(by_key.values())),
                    confirmed_by=author,
                )

    logger.info("demo.seeded", extra={"tenant": tenant.slug, "missions_created": created})
    published = Mission.objects.filter(status=Mission.Status.PUBLISHED).count()
    return (
        f"{Organization.objects.count()} organizations, {published} published missions, "
        f"{Slot.objects.count()} slots, {Participation.objects.count()} participations; "
        f"sign in as {accounts['volunteer']} (volunteer), {accounts['organization']} "
        f"(organizations), {accounts['moderator']} (moderator) or {accounts['admin']} (tenant "
        f"admin: /gestion/ asks for a second factor first), password {DEMO_PASSWORD}"
        + (f"; programme: {programme}" if programme else "")
    )

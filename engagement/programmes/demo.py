"""The demo's company programme (Acme): two offices, four teams of demo employees, a manager for
the demo volunteer, the programme's settings, and one running campaign, "Décembre solidaire",
featuring the company's published missions. Called by engagement.demo.seed for company tenants.

Idempotent: sites and teams are found by name, people by e-mail, the campaign by slug; dates are
placed relative to the day of the first run (the campaign runs from a week before to three
weeks after it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import user_create
from engagement.campaigns.models import Campaign
from engagement.campaigns.services import campaign_create, campaign_set_published
from engagement.missions.models import Mission, Slot
from engagement.missions.services import mission_search_columns_refresh
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.programmes.models import EmployeeProfile, Site, Team, TeamMembership
from engagement.programmes.services import (
    programme_settings_update,
    site_create,
    team_create,
    team_lead_set,
    team_member_add,
)

CAMPAIGN_TITLE = "Décembre solidaire"
CAMPAIGN_DESCRIPTION = (
    "<p>Tout le mois, Acme se mobilise avec les associations partenaires : distributions, "
    "maraudes, collectes et mentorat. Chaque heure compte pour l'objectif commun !</p>"
)


@dataclass(frozen=True)
class DemoSite:
    name: str
    address: str
    latitude: float
    longitude: float


SITES = (
    DemoSite("Paris La Défense", "1 parvis de La Défense, 92800 Puteaux", 48.8918, 2.2362),
    DemoSite("Lyon Part-Dieu", "129 rue Servient, 69003 Lyon", 45.7606, 4.8566),
)

# (e-mail local part, first name, last name, department, job title, site index)
EMPLOYEES = (
    ("sophie.lambert", "Sophie", "Lambert", "Finance", "Directrice financière", 0),
    ("ines.robert", "Inès", "Robert", "Finance", "Contrôleuse de gestion", 0),
    ("hugo.petit", "Hugo", "Petit", "Marketing", "Chef de produit", 0),
    ("lea.girard", "Léa", "Girard", "Marketing", "Chargée de communication", 0),
    ("nathan.roux", "Nathan", "Roux", "Opérations", "Responsable logistique", 1),
    ("chloe.fournier", "Chloé", "Fournier", "Opérations", "Technicienne", 1),
    ("lucas.morel", "Lucas", "Morel", "Tech", "Développeur", 0),
)

# Team name, site index, members (e-mail local parts, or "volunteer"/"author"/"neighbour<N>"),
# lead.
TEAMS = (
    ("Finance", 0, ("sophie.lambert", "ines.robert", "volunteer", "neighbour1"), "sophie.lambert"),
    ("Marketing", 0, ("hugo.petit", "lea.girard", "neighbour2", "neighbour3"), "hugo.petit"),
    ("Opérations Lyon", 1, ("nathan.roux", "chloe.fournier", "neighbour4"), "nathan.roux"),
    ("Tech", 0, ("lucas.morel", "author", "neighbour5", "neighbour6"), "lucas.morel"),
)


def _employee(email: str, *, first_name: str, last_name: str, password: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            role=User.Role.VOLUNTEER,
            email_verified=True,
        )
    return user


def _profile(user: User, **fields: object) -> None:
    profile, created = EmployeeProfile.objects.get_or_create(user=user, defaults=fields)
    if not created:
        changed = [name for name, value in fields.items() if getattr(profile, name) != value]
        for name in changed:
            setattr(profile, name, fields[name])
        if changed:
            profile.save(update_fields=[*changed, "updated_at"])


def programme_demo_seed(
    *,
    tenant: object,
    admin: User,
    volunteer: User,
    author: User,
    neighbours: list[User],
    password: str,
) -> str:
    """Seed the current (company) tenant's programme; returns a one-line summary."""
    slug = str(getattr(tenant, "slug", "acme"))
    with transaction.atomic():
        programme_settings_update(
            actor=admin,
            leaderboards_enabled=True,
            work_hours_per_year=Decimal("16"),
            manager_approval_required=True,
            year_starts_month=1,
        )
        sites = []
        for spec in SITES:
            site = Site.objects.filter(name=spec.name).first() or site_create(
                actor=admin,
                name=spec.name,
                address=spec.address,
                latitude=spec.latitude,
                longitude=spec.longitude,
            )
            sites.append(site)
        people: dict[str, User] = {"volunteer": volunteer, "author": author}
        people.update({f"neighbour{index}": user for index, user in enumerate(neighbours, 1)})
        for local, first, last, department, job_title, site_index in EMPLOYEES:
            user = _employee(
                f"{local}@{slug}.example", first_name=first, last_name=last, password=password
            )
            people[local] = user
            _profile(user, department=department, job_title=job_title, site=sites[site_index])
        manager = people["sophie.lambert"]
        _profile(
            volunteer,
            department="Finance",
            job_title="Analyste financier",
            site=sites[0],
            manager=manager,
        )
        for name, site_index, members, lead in TEAMS:
            team = Team.objects.filter(name=name).first() or team_create(
                actor=admin, name=name, site_id=sites[site_index].pk
            )
            present = set(
                TeamMembership.objects.filter(team=team).values_list("user_id", flat=True)
            )
            for key in members:
                member = people.get(key)
                if member is not None and member.pk not in present:
                    team_member_add(actor=admin, team=team, user_id=member.pk)
            team_lead_set(actor=admin, team=team, user_id=people[lead].pk, is_lead=True)
        campaign = Campaign.objects.filter(title=CAMPAIGN_TITLE).first()
        if campaign is None:
            today = timezone.localdate()
            campaign = campaign_create(
                actor=admin,
                title=CAMPAIGN_TITLE,
                description=CAMPAIGN_DESCRIPTION,
                starts_on=today - timedelta(days=7),
                ends_on=today + timedelta(days=21),
                goal_kind=Campaign.GoalKind.HOURS,
                goal_value=500,
                featured_mission_ids=list(
                    Mission.objects.filter(status=Mission.Status.PUBLISHED).values_list(
                        "pk", flat=True
                    )
                ),
                partner_organization_ids=list(
                    Organization.objects.filter(
                        verification_status=Organization.Verification.VERIFIED
                    ).values_list("pk", flat=True)
                ),
            )
        if not campaign.is_published:
            campaign_set_published(actor=admin, campaign=campaign, is_published=True)
    return (
        f"{Site.objects.count()} sites, {Team.objects.count()} teams, "
        f"campaign /campagnes/{campaign.slug}/; the demo volunteer's manager is {manager.email}"
    )


def programme_history_seed(*, organizer: User, employees: list[User], zone: ZoneInfo) -> int:
    """Dates of the last days that employees attended, with the hours the organization recorded:
    the campaign's progress, the team standings, the CSR report and the certificates have figures
    from the first run. Rows are written directly (nobody is e-mailed); a second run adds nothing.
    Returns the attended participations created."""
    if Participation.objects.filter(status=Participation.Status.ATTENDED).exists():
        return 0
    missions = list(
        Mission.objects.filter(status=Mission.Status.PUBLISHED, requires_approval=False).order_by(
            "id"
        )[:3]
    )
    now = timezone.now()
    created = 0
    with transaction.atomic():
        for index, mission in enumerate(missions):
            day = timezone.localtime(now, zone) - timedelta(days=2 + 2 * index)
            starts_at = day.replace(hour=9 + index, minute=0, second=0, microsecond=0)
            slot = Slot.objects.create(
                mission=mission,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=3),
                capacity=10,
                time_bit=Slot.time_bit_for(starts_at, str(zone)),
            )
            for employee in employees[index::3]:
                Participation.objects.create(
                    slot=slot,
                    volunteer=employee,
                    status=Participation.Status.ATTENDED,
                    hours=Decimal("3") if index != 1 else Decimal("2.5"),
                    decided_by=organizer,
                    decided_at=now,
                )
                created += 1
        mission_search_columns_refresh(mission_ids=[mission.pk for mission in missions])
    return created

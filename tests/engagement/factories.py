"""Factories for every engagement model (and users), shared by all engagement and API tests.

They write rows directly, in the current tenant's schema (use `in_paris` & co.), with consistent
defaults: an organization is verified, a mission is published in central Paris with a fresh search
vector, a slot starts in a week, and a confirmed participation takes a seat (`confirmed_count`).
To exercise the rules themselves, call the services (engagement/<domain>/services.py) instead.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factory
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import F
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import User
from engagement.backoffice.models import ExportJob
from engagement.missions.models import Mission, Slot
from engagement.missions.services import mission_search_columns_refresh
from engagement.missions.text_search import mission_search_vector_refresh
from engagement.organizations.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
)
from engagement.participations.models import Participation
from engagement.taxonomy.models import Cause, Skill
from engagement.volunteers.models import VolunteerProfile
from tenants.audit.models import AuditEvent

PARIS_CENTRE = (2.3522, 48.8566)  # (lng, lat) Hôtel de Ville


def paris_point(lng: float = PARIS_CENTRE[0], lat: float = PARIS_CENTRE[1]) -> Point:
    return Point(lng, lat, srid=4326)


def _tenant_timezone() -> str:
    tenant = getattr(connection, "tenant", None)
    return getattr(tenant, "timezone", None) or "Europe/Paris"


def _in_days(days: int, hour: int = 10) -> Any:
    base = timezone.now().replace(minute=0, second=0, microsecond=0)
    return base.replace(hour=hour) + timedelta(days=days)


class UserFactory(DjangoModelFactory):
    """A volunteer (role `volunteer`) with a usable password "password" and an allauth address."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = User.Role.VOLUNTEER
    password = "password"

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        from accounts.services import user_create

        is_staff = kwargs.pop("is_staff", None)
        language = kwargs.pop("language", "")
        user = user_create(
            email=kwargs["email"],
            password=kwargs.get("password"),
            first_name=kwargs.get("first_name", ""),
            last_name=kwargs.get("last_name", ""),
            role=kwargs.get("role", User.Role.VOLUNTEER),
            email_verified=True,
        )
        changed = []
        if is_staff is not None and user.is_staff != is_staff:
            user.is_staff = is_staff
            changed.append("is_staff")
        if language:
            user.language = language
            changed.append("language")
        if changed:
            user.save(update_fields=changed)
        return user


class ModeratorFactory(UserFactory):
    """A tenant moderator; `is_staff` so they reach the Django admin (moderation only)."""

    email = factory.Sequence(lambda n: f"moderator{n}@example.org")
    role = User.Role.MODERATOR
    is_staff = True


class TenantAdminFactory(UserFactory):
    email = factory.Sequence(lambda n: f"tenant-admin{n}@example.org")
    role = User.Role.ADMIN


class CauseFactory(DjangoModelFactory):
    class Meta:
        model = Cause
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"cause-{n}")
    name_fr = factory.LazyAttribute(lambda o: f"Cause {o.slug}")
    name_en = factory.LazyAttribute(lambda o: f"Cause {o.slug}")


class SkillFactory(DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"skill-{n}")
    name_fr = factory.LazyAttribute(lambda o: f"Compétence {o.slug}")
    name_en = factory.LazyAttribute(lambda o: f"Skill {o.slug}")


class OrganizationFactory(DjangoModelFactory):
    """A verified association (pass verification_status="pending" for an unverified one)."""

    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Association {n}")
    slug = factory.Sequence(lambda n: f"association-{n}")
    kind = Organization.Kind.ASSOCIATION
    description = "<p>Une association de quartier.</p>"
    contact_email = factory.Sequence(lambda n: f"contact{n}@association.example")
    verification_status = Organization.Verification.VERIFIED
    verified_at = factory.LazyFunction(timezone.now)


class MembershipFactory(DjangoModelFactory):
    """`user` is `organization`'s admin unless role="editor"."""

    class Meta:
        model = OrganizationMembership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = OrganizationMembership.Role.ADMIN


class InvitationFactory(DjangoModelFactory):
    class Meta:
        model = OrganizationInvitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = OrganizationMembership.Role.EDITOR


class MissionFactory(DjangoModelFactory):
    """A published mission at the Hôtel de Ville, Paris (pass location=… or is_remote=True).

    `causes=[cause, …]` / `skills=[…]` accept Cause/Skill objects or slugs.
    """

    class Meta:
        model = Mission
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Mission {n}")
    summary = "Donner un coup de main"
    description = "<p>Venez nous aider.</p>"
    location = factory.LazyFunction(paris_point)
    address = "Place de l'Hôtel de Ville"
    postcode = "75004"
    city = "Paris"
    is_remote = False
    status = Mission.Status.PUBLISHED
    published_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == Mission.Status.PUBLISHED else None
    )

    @factory.post_generation
    def causes(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.causes.set(
                [Cause.objects.get(slug=c) if isinstance(c, str) else c for c in extracted]
            )
            # As mission_create / mission_update do (the search reads Mission.cause_ids).
            mission_search_columns_refresh(mission_ids=[self.pk])

    @factory.post_generation
    def skills(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.skills.set(
                [Skill.objects.get(slug=s) if isinstance(s, str) else s for s in extracted]
            )
            # As mission_create / mission_update do (the search reads Mission.skill_ids).
            mission_search_columns_refresh(mission_ids=[self.pk])

    @factory.post_generation
    def search_vector(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            mission_search_vector_refresh(mission_ids=[self.pk])


class SlotFactory(DjangoModelFactory):
    """A 3-hour slot a week from now at 10:00 (server time), 10 seats.

    `ongoing=True` makes an undated slot; `time_bit` follows the tenant's time zone.
    """

    class Meta:
        model = Slot

    class Params:
        ongoing = factory.Trait(starts_at=None, ends_at=None)

    mission = factory.SubFactory(MissionFactory)
    starts_at = factory.LazyFunction(lambda: _in_days(7))
    ends_at = factory.LazyAttribute(
        lambda o: o.starts_at + timedelta(hours=3) if o.starts_at else None
    )
    capacity = 10
    confirmed_count = 0
    status = Slot.Status.OPEN
    time_bit = factory.LazyAttribute(lambda o: Slot.time_bit_for(o.starts_at, _tenant_timezone()))

    @classmethod
    def _create(cls, model_class: type[Slot], *args: Any, **kwargs: Any) -> Slot:
        slot = super()._create(model_class, *args, **kwargs)
        # As the slot services do (the search reads the mission's slot summary columns).
        mission_search_columns_refresh(mission_ids=[slot.mission_id])
        return slot


class ParticipationFactory(DjangoModelFactory):
    """A confirmed participation; confirmed ones take a seat on the slot (confirmed_count + 1)."""

    class Meta:
        model = Participation

    slot = factory.SubFactory(SlotFactory)
    volunteer = factory.SubFactory(UserFactory)
    status = Participation.Status.CONFIRMED
    waitlisted_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == Participation.Status.WAITLISTED else None
    )

    @classmethod
    def _create(cls, model_class: type[Participation], *args: Any, **kwargs: Any) -> Participation:
        participation = super()._create(model_class, *args, **kwargs)
        if participation.status == Participation.Status.CONFIRMED:
            Slot.objects.filter(pk=participation.slot_id).update(
                confirmed_count=F("confirmed_count") + 1
            )
            participation.slot.refresh_from_db(fields=["confirmed_count"])
        return participation


class VolunteerProfileFactory(DjangoModelFactory):
    class Meta:
        model = VolunteerProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    availability_mask = 0
    home_point = None
    radius_km = 5

    @factory.post_generation
    def causes(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.causes.set(
                [Cause.objects.get(slug=c) if isinstance(c, str) else c for c in extracted]
            )

    @factory.post_generation
    def skills(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.skills.set(
                [Skill.objects.get(slug=s) if isinstance(s, str) else s for s in extracted]
            )


class AuditEventFactory(DjangoModelFactory):
    class Meta:
        model = AuditEvent

    action = "mission.published"
    target_type = "mission"
    target_id = 1
    data = factory.LazyFunction(dict)


class ExportJobFactory(DjangoModelFactory):
    """A queued export of participations over March 2025, as CSV (pass status, file…; a
    `content=b"…"` stores a file for a finished job)."""

    class Meta:
        model = ExportJob

    kind = ExportJob.Kind.PARTICIPATIONS
    format = ExportJob.Format.CSV
    period_start = date(2025, 3, 1)
    period_end = date(2025, 3, 31)
    language = "en"
    requested_by = factory.SubFactory(TenantAdminFactory)

    @classmethod
    def _create(cls, model_class: type[ExportJob], *args: Any, **kwargs: Any) -> ExportJob:
        content = kwargs.pop("content", None)
        job = model_class(*args, **kwargs)
        if content is not None:
            job.file.save(job.download_name(), ContentFile(content), save=False)
        job.save()
        return job

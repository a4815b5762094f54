"""Missions near the offices, from the cities: the one module that crosses tenant schemas.

Every read or write of another tenant's schema for mission sharing happens here, and nowhere
else (views, selectors and tasks call these functions). Each function:

- starts from the tenant of the connection (the city or the company that acts) and names the
  other side by its public-schema Tenant row, checked every time: the right kind, active, still
  sharing, still subscribed;
- switches schema with django-tenants' tenant_context (same database, same connection), so
  both sides are written in one transaction: an agreement never exists on one side only;
- writes an audit row on both sides (tenants.audit): the acting user on their own side, and on
  the other side no actor id (that id means nothing there) but the acting tenant and user id in
  the row's data;
- hands back plain values or rows of the *current* schema, never a model instance of the
  other schema (which would be saved into the wrong one).

What a company sees of a city: its shared missions (published, of an organization that is
verified and chosen by the city, placed within the subscription's radius of the company's
sites), their open dates ahead and free seats. What a city sees of a company: its name, the
radius it subscribed with, and for each employee who joins a mission the person's name (see
CompanyGuest). Nothing else crosses.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from accounts.models import User
from accounts.services import user_create
from engagement.access import require_authenticated, require_tenant_admin
from engagement.emails.models import EmailPreferences
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.missions.models import Mission, Slot
from engagement.notifications import Event, notifications_muted, notify_organizers
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.participations.services import participation_cancel, participation_request
from engagement.programmes.models import Site
from engagement.sharing.models import (
    RADIUS_KM_MAX,
    CitySubscription,
    CompanyGuest,
    SharedMission,
    SharedParticipation,
    SharingSettings,
    SharingSubscriber,
)
from tenants.audit.services import audit_record
from tenants.context import current_tenant, tenant_context
from tenants.models import Tenant
from tenants.outbox.services import outbox_enqueue

logger = logging.getLogger("engagement.sharing")

REFRESH_TASK = "engagement.sharing_subscription_refresh"
SYNC_TASK = "engagement.sharing_participations_sync"
# Shared missions mirrored per subscription (the nearest dates first): a company's search shows
# a neighbourhood's missions, not a whole city's catalogue.
MIRROR_LIMIT = 200
# Open dates of a shared mission copied into the mirror.
MIRROR_SLOTS = 10
# The mailbox of the accounts standing for employees: ".invalid" is reserved (RFC 2606), so
# nothing is ever delivered there.
GUEST_EMAIL_DOMAIN = "guests.invalid"
# Company-side participations still followed by the sync: active ones, and those whose date is
# within this many days (an organization may record or correct attendance late).
SYNC_DAYS = 90


# --- Tenants and settings -------------------------------------------------------------------


def _refuse(message: str, code: EngagementErrorCode = EngagementErrorCode.NOT_ALLOWED) -> NoReturn:
    raise EngagementError(message, code=code)


def _require_kind(tenant: Tenant, kind: str) -> None:
    if tenant.kind != kind:
        if kind == Tenant.Kind.CITY:
            _refuse(_("Only a city shares its missions with companies."))
        _refuse(_("Only a company subscribes to the missions of a city."))


def _active_tenant(tenant_id: int, *, kind: str) -> Tenant:
    """The other side, by its public-schema id: of that kind and active, or refused."""
    found = (
        Tenant.objects.filter(pk=tenant_id, kind=kind, status=Tenant.Status.ACTIVE)
        .exclude(schema_name=get_public_schema_name())
        .first()
    )
    if found is None:
        raise EngagementError(
            _("This site does not exist or does not share missions."),
            code=EngagementErrorCode.INVALID,
            fields={"city": [_("Choose a city from the list.")]},
        )
    return found


def sharing_settings() -> SharingSettings:
    """The city's sharing settings (created, off, on first read)."""
    found, _created = SharingSettings.objects.get_or_create(pk=1)
    return found


def _settings_read() -> SharingSettings:
    """The city's settings without writing (a company's read must not write in the city): off
    when the city never saved any."""
    return SharingSettings.objects.filter(pk=1).first() or SharingSettings(pk=1, is_sharing=False)


def _shared_organizations(settings_row: SharingSettings) -> QuerySet[Organization]:
    organizations = Organization.objects.filter(
        verification_status=Organization.Verification.VERIFIED
    )
    if not settings_row.all_verified_organizations:
        organizations = organizations.filter(
            pk__in=settings_row.organizations.values_list("pk", flat=True)
        )
    return organizations


def _active_subscriber(company: Tenant) -> SharingSubscriber | None:
    """In the city's schema: the company's subscription, if the city shares and it is active."""
    if not _settings_read().is_sharing:
        return None
    return SharingSubscriber.objects.filter(company_tenant_id=company.pk, is_active=True).first()


def _audit_other_side(
    *, action: str, target: Any, by: Tenant, actor: User | None, data: dict[str, Any]
) -> None:
    """An audit row in the other tenant's schema: who acted is named in the data."""
    audit_record(
        actor=None,
        action=action,
        target=target,
        data={
            **data,
            "by_tenant": by.slug,
            "by_user_id": actor.pk if actor is not None else None,
        },
    )


# --- The city: share or stop ----------------------------------------------------------------


def sharing_settings_update(
    *,
    actor: User,
    is_sharing: bool,
    all_verified_organizations: bool,
    organizations: Iterable[Organization] = (),
) -> SharingSettings:
    """A city admin turns sharing on or off and chooses the organizations. Turning it off stops
    every company's subscription (their mirrors empty; participations already made stay)."""
    require_tenant_admin(actor)
    city = current_tenant()
    _require_kind(city, Tenant.Kind.CITY)
    chosen = list(organizations)
    unverified = [
        org for org in chosen if org.verification_status != Organization.Verification.VERIFIED
    ]
    if unverified:
        raise EngagementError(
            _("Only verified organizations can share their missions."),
            code=EngagementErrorCode.INVALID,
            fields={"organizations": [_("Only verified organizations can share their missions.")]},
        )
    if not all_verified_organizations and is_sharing and not chosen:
        raise EngagementError(
            _("Choose at least one organization, or share those of every verified one."),
            code=EngagementErrorCode.INVALID,
            fields={"organizations": [_("Choose at least one organization.")]},
        )
    with transaction.atomic():
        row = SharingSettings.objects.select_for_update().filter(pk=1).first()
        if row is None:
            row = SharingSettings.objects.create(pk=1)
        was_sharing = row.is_sharing
        row.is_sharing = is_sharing
        row.all_verified_organizations = all_verified_organizations
        row.save()
        row.organizations.set([] if all_verified_organizations else chosen)
        audit_record(
            actor=actor,
            action="sharing.settings_changed",
            target=city,
            data={
                "is_sharing": is_sharing,
                "all_verified_organizations": all_verified_organizations,
                "organization_ids": sorted(org.pk for org in chosen),
            },
        )
        if was_sharing and not is_sharing:
            for subscriber in list(SharingSubscriber.objects.filter(is_active=True)):
                _stop(city=city, company_id=subscriber.company_tenant_id, actor=actor, by=city)
        elif is_sharing:
            # The organizations shared may have changed: each company's mirror follows.
            for company_id in SharingSubscriber.objects.filter(is_active=True).values_list(
                "company_tenant_id", flat=True
            ):
                _enqueue_refresh_in(company_id=company_id, city=city)
    return row


def sharing_subscriber_stop(*, actor: User, subscriber: SharingSubscriber) -> None:
    """A city admin stops sharing with one company."""
    require_tenant_admin(actor)
    city = current_tenant()
    _require_kind(city, Tenant.Kind.CITY)
    if not subscriber.is_active:
        _refuse(_("This company no longer receives your missions."), EngagementErrorCode.INVALID)
    with transaction.atomic():
        _stop(city=city, company_id=subscriber.company_tenant_id, actor=actor, by=city)


def _enqueue_refresh_in(*, company_id: int, city: Tenant) -> None:
    company = Tenant.objects.filter(pk=company_id, status=Tenant.Status.ACTIVE).first()
    if company is None:
        return
    with tenant_context(company):
        subscription = CitySubscription.objects.filter(
            city_tenant_id=city.pk, is_active=True
        ).first()
        if subscription is not None:
            outbox_enqueue(REFRESH_TASK, subscription.pk, coalesce=True)


def _stop(*, city: Tenant, company_id: int, actor: User, by: Tenant) -> None:
    """Both sides of one agreement stop (inside the caller's transaction, in the city's
    schema or the company's): the mirror is emptied, participations already made stay."""
    now = timezone.now()
    company = Tenant.objects.filter(pk=company_id).first()
    data = {"city": city.slug, "company": company.slug if company else str(company_id)}
    with tenant_context(city):
        subscriber = (
            SharingSubscriber.objects.select_for_update()
            .filter(company_tenant_id=company_id, is_active=True)
            .first()
        )
        if subscriber is not None:
            subscriber.is_active = False
            subscriber.stopped_at = now
            subscriber.save(update_fields=["is_active", "stopped_at"])
            if by.pk == city.pk:
                audit_record(actor=actor, action="sharing.stopped", target=subscriber, data=data)
            else:
                _audit_other_side(
                    action="sharing.stopped", target=subscriber, by=by, actor=actor, data=data
                )
    if company is None:
        return
    with tenant_context(company):
        subscription = (
            CitySubscription.objects.select_for_update()
            .filter(city_tenant_id=city.pk, is_active=True)
            .first()
        )
        if subscription is not None:
            subscription.is_active = False
            subscription.stopped_at = now
            subscription.save(update_fields=["is_active", "stopped_at"])
            deleted = SharedMission.objects.filter(subscription=subscription).delete()[0]
            audit_data = {**data, "mirror_deleted": deleted}
            if by.pk == company.pk:
                audit_record(
                    actor=actor, action="sharing.stopped", target=subscription, data=audit_data
                )
            else:
                _audit_other_side(
                    action="sharing.stopped",
                    target=subscription,
                    by=by,
                    actor=actor,
                    data=audit_data,
                )
    logger.info("sharing.stopped", extra={"city": city.slug, "company_id": company_id})


# --- The company: discover, subscribe, stop ----------------------------------------------------


@dataclass(frozen=True)
class SharingCity:
    """A city that shares its missions, as a company admin sees it."""

    tenant_id: int
    name: str
    slug: str


def sharing_cities() -> list[SharingCity]:
    """The active cities that share their missions with companies (read from each city's
    schema: one query per city, there are few of them)."""
    _require_kind(current_tenant(), Tenant.Kind.COMPANY)
    cities = list(
        Tenant.objects.filter(kind=Tenant.Kind.CITY, status=Tenant.Status.ACTIVE)
        .exclude(schema_name=get_public_schema_name())
        .order_by("name")
    )
    found = []
    for city in cities:
        with tenant_context(city):
            shares = SharingSettings.objects.filter(pk=1, is_sharing=True).exists()
        if shares:
            found.append(SharingCity(tenant_id=city.pk, name=city.name, slug=city.slug))
    return found


def _clean_radius(radius_km: object) -> int:
    try:
        radius = int(str(radius_km))
    except (TypeError, ValueError):
        radius = 0
    if not 1 <= radius <= RADIUS_KM_MAX:
        message = _("Enter a distance from 1 to %(max)s km.") % {"max": RADIUS_KM_MAX}
        raise EngagementError(
            message, code=EngagementErrorCode.INVALID, fields={"radius_km": [message]}
        )
    return radius


def city_subscribe(
    *,
    actor: User,
    city_tenant_id: int,
    radius_km: int,
    all_sites: bool = True,
    sites: Sequence[Site] = (),
) -> CitySubscription:
    """A company admin subscribes to a city's shared missions within `radius_km` of its sites
    (all active sites, or those chosen). Subscribing again changes the radius and sites."""
    require_tenant_admin(actor)
    company = current_tenant()
    _require_kind(company, Tenant.Kind.COMPANY)
    radius = _clean_radius(radius_km)
    chosen = list(sites)
    located = [site for site in chosen if site.is_active and site.point is not None]
    if not all_sites and (not chosen or len(located) != len(chosen)):
        message = _("Choose at least one active site with a position on the map.")
        raise EngagementError(
            message, code=EngagementErrorCode.INVALID, fields={"sites": [message]}
        )
    if all_sites and not Site.objects.filter(is_active=True, point__isnull=False).exists():
        message = _("Add the address of at least one office site first.")
        raise EngagementError(
            message, code=EngagementErrorCode.INVALID, fields={"sites": [message]}
        )
    city = _active_tenant(city_tenant_id, kind=Tenant.Kind.CITY)
    now = timezone.now()
    data = {"city": city.slug, "company": company.slug, "radius_km": radius}
    with transaction.atomic():
        with tenant_context(city):
            if not SharingSettings.objects.filter(pk=1, is_sharing=True).exists():
                raise EngagementError(
                    _("This city does not share its missions."),
                    code=EngagementErrorCode.INVALID,
                    fields={"city": [_("Choose a city from the list.")]},
                )
            subscriber = (
                SharingSubscriber.objects.select_for_update()
                .filter(company_tenant_id=company.pk)
                .first()
            )
            if subscriber is None:
                subscriber = SharingSubscriber(company_tenant_id=company.pk)
            subscriber.company_name = company.name
            subscriber.radius_km = radius
            if not subscriber.is_active or subscriber.pk is None:
                subscriber.started_at = now
            subscriber.is_active = True
            subscriber.stopped_at = None
            subscriber.save()
            _audit_other_side(
                action="sharing.subscribed", target=subscriber, by=company, actor=actor, data=data
            )
        subscription = (
            CitySubscription.objects.select_for_update().filter(city_tenant_id=city.pk).first()
        )
        if subscription is None:
            subscription = CitySubscription(city_tenant_id=city.pk)
        subscription.city_name = city.name
        subscription.radius_km = radius
        subscription.all_sites = all_sites
        if not subscription.is_active or subscription.pk is None:
            subscription.started_at = now
        subscription.is_active = True
        subscription.stopped_at = None
        subscription.full_clean(exclude=["sites"])
        subscription.save()
        subscription.sites.set([] if all_sites else chosen)
        audit_record(
            actor=actor,
            action="sharing.subscribed",
            target=subscription,
            data={**data, "site_ids": sorted(site.pk for site in chosen) if not all_sites else []},
        )
        outbox_enqueue(REFRESH_TASK, subscription.pk, coalesce=True)
    logger.info("sharing.subscribed", extra={"city": city.slug, "company": company.slug})
    return subscription


def city_subscription_stop(*, actor: User, subscription: CitySubscription) -> None:
    """A company admin stops receiving a city's missions."""
    require_tenant_admin(actor)
    company = current_tenant()
    _require_kind(company, Tenant.Kind.COMPANY)
    if not subscription.is_active:
        _refuse(_("You no longer receive this city's missions."), EngagementErrorCode.INVALID)
    city = Tenant.objects.filter(pk=subscription.city_tenant_id).first()
    with transaction.atomic():
        if city is None:
            # The city is gone: only this side remains to stop.
            CitySubscription.objects.filter(pk=subscription.pk).update(
                is_active=False, stopped_at=timezone.now()
            )
            SharedMission.objects.filter(subscription=subscription).delete()
            audit_record(actor=actor, action="sharing.stopped", target=subscription, data={})
        else:
            _stop(city=city, company_id=company.pk, actor=actor, by=company)
    subscription.refresh_from_db()


# --- The mirror --------------------------------------------------------------------------------


def _subscription_points(subscription: CitySubscription) -> list[Point]:
    """The positions of the sites the subscription looks around (company's schema)."""
    sites = Site.objects.filter(is_active=True, point__isnull=False)
    if not subscription.all_sites:
        sites = sites.filter(pk__in=subscription.sites.values_list("pk", flat=True))
    return [site.point for site in sites.only("point") if site.point is not None]


def _shared_missions_in_city(
    *, points: Sequence[Point], radius_km: int, now: datetime
) -> QuerySet[Mission]:
    """In the city's schema: the published missions of shared organizations placed within
    `radius_km` of one of `points`, with their open dates ahead."""
    settings_row = _settings_read()
    if not settings_row.is_sharing:
        return Mission.objects.none()
    near = Q()
    for point in points:
        near |= Q(location__dwithin=(point, D(km=radius_km)))
    open_ahead = (
        Slot.objects.filter(status=Slot.Status.OPEN)
        .filter(Q(starts_at__gt=now) | Q(starts_at__isnull=True))
        .order_by("starts_at", "id")
    )
    return (
        Mission.objects.filter(
            status=Mission.Status.PUBLISHED,
            location__isnull=False,
            organization__in=_shared_organizations(settings_row),
        )
        .filter(near)
        .select_related("organization")
        .prefetch_related("causes", Prefetch("slots", queryset=open_ahead, to_attr="open_slots"))
        .order_by("last_open_slot_start", "id")
    )


def _open_slots(mission: Mission) -> list[Slot]:
    """The open dates ahead prefetched by _shared_missions_in_city (its to_attr)."""
    slots: list[Slot] = getattr(mission, "open_slots", [])
    return slots


def _slot_values(slot: Slot) -> dict[str, Any]:
    return {
        "id": slot.pk,
        "starts_at": slot.starts_at.isoformat() if slot.starts_at else None,
        "ends_at": slot.ends_at.isoformat() if slot.ends_at else None,
        "seats_left": max(slot.seats_left, 0),
    }


def shared_missions_refresh(*, subscription_id: int) -> int:
    """Bring the company's copy of one city's shared missions up to date (the task); the number
    of missions mirrored. A stopped subscription, or a city that no longer shares with this
    company, leaves an empty mirror."""
    company = current_tenant()
    now = timezone.now()
    with transaction.atomic():
        subscription = (
            CitySubscription.objects.select_for_update().filter(pk=subscription_id).first()
        )
        if subscription is None:
            return 0
        rows: list[SharedMission] = []
        city = (
            Tenant.objects.filter(
                pk=subscription.city_tenant_id, kind=Tenant.Kind.CITY, status=Tenant.Status.ACTIVE
            ).first()
            if subscription.is_active
            else None
        )
        points = _subscription_points(subscription) if city is not None else []
        if city is not None and points:
            # Read once: the canonical host is a query (custom domains).
            base_url = city.base_url
            with tenant_context(city):
                if _active_subscriber(company) is not None:
                    missions = _shared_missions_in_city(
                        points=points, radius_km=subscription.radius_km, now=now
                    )
                    for mission in missions[: MIRROR_LIMIT * 2]:
                        if not _open_slots(mission):
                            continue
                        rows.append(_mirror_row(subscription, mission, base_url=base_url, now=now))
                        if len(rows) == MIRROR_LIMIT:
                            break
        kept = [row.source_mission_id for row in rows]
        SharedMission.objects.filter(subscription=subscription).exclude(
            source_mission_id__in=kept
        ).delete()
        SharedMission.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["subscription", "source_mission_id"],
            update_fields=[
                "title",
                "summary",
                "organization_name",
                "causes",
                "point",
                "address",
                "requires_approval",
                "slots",
                "next_starts_at",
                "url",
                "refreshed_at",
            ],
        )
        subscription.refreshed_at = now
        subscription.save(update_fields=["refreshed_at"])
    logger.info(
        "sharing.mirror_refreshed",
        extra={"subscription_id": subscription_id, "missions": len(rows)},
    )
    return len(rows)


def _mirror_row(
    subscription: CitySubscription, mission: Mission, *, base_url: str, now: datetime
) -> SharedMission:
    slots = _open_slots(mission)[:MIRROR_SLOTS]
    return SharedMission(
        subscription=subscription,
        source_mission_id=mission.pk,
        title=mission.title,
        summary=mission.summary,
        organization_name=mission.organization.name,
        causes=[
            {"slug": cause.slug, "fr": cause.name_fr, "en": cause.name_en}
            for cause in mission.causes.all()
        ],
        point=mission.location,
        address=mission.location_label,
        requires_approval=mission.requires_approval,
        slots=[_slot_values(slot) for slot in slots],
        next_starts_at=next((slot.starts_at for slot in slots if slot.starts_at), None),
        url=base_url + reverse("mission-detail", kwargs={"mission_id": mission.pk}),
        refreshed_at=now,
    )


def sharing_refresh_everywhere() -> int:
    """The beat's fan-out (public schema): one refresh per active subscription of every active
    company, and the sync of its employees' participations; returns the refreshes scheduled."""
    count = 0
    companies = Tenant.objects.filter(
        kind=Tenant.Kind.COMPANY, status=Tenant.Status.ACTIVE
    ).exclude(schema_name=get_public_schema_name())
    for company in companies.order_by("pk"):
        with tenant_context(company), transaction.atomic():
            for subscription_id in CitySubscription.objects.filter(is_active=True).values_list(
                "pk", flat=True
            ):
                outbox_enqueue(REFRESH_TASK, subscription_id, coalesce=True)
                count += 1
            if SharedParticipation.objects.exists():
                outbox_enqueue(SYNC_TASK, coalesce=True)
    return count


# --- Employees on the city's missions ------------------------------------------------------------


def _guest_for(*, company: Tenant, employee: User) -> User:
    """In the city's schema: the account standing for `employee` (created on first use; the
    name follows the employee's)."""
    guest = (
        CompanyGuest.objects.select_related("user")
        .filter(company_tenant_id=company.pk, company_user_id=employee.pk)
        .first()
    )
    if guest is not None:
        user = guest.user
        if (user.first_name, user.last_name) != (employee.first_name, employee.last_name):
            user.first_name, user.last_name = employee.first_name, employee.last_name
            user.save(update_fields=["first_name", "last_name"])
        if guest.company_name != company.name:
            guest.company_name = company.name
            guest.save(update_fields=["company_name"])
        return user
    user = user_create(
        email=f"{company.slug}-{employee.pk}@{GUEST_EMAIL_DOMAIN}",
        first_name=employee.first_name,
        last_name=employee.last_name,
    )
    # Only the messages that are the service itself could still be addressed to it, and its
    # address takes none: no reminder, alert or organization message is even attempted.
    EmailPreferences.objects.create(
        user=user,
        reminders=False,
        alerts=False,
        organization_messages=False,
        friends=EmailPreferences.Frequency.NEVER,
    )
    CompanyGuest.objects.create(
        user=user,
        company_tenant_id=company.pk,
        company_name=company.name,
        company_user_id=employee.pk,
    )
    return user


def _not_shared() -> EngagementError:
    return EngagementError(
        _("This mission is no longer shared with you."), code=EngagementErrorCode.INVALID_TRANSITION
    )


def shared_participation_join(
    *, volunteer: User, shared_mission: SharedMission, slot_id: int
) -> SharedParticipation:
    """An employee joins a date of a city's shared mission: the city's participation (under the
    city's own rules and slot lock, engagement.participations.services) and the company's copy,
    in one transaction. The mirror is only a pointer: the city checks again, live, that the
    mission is shared with this company and near its sites."""
    require_authenticated(volunteer)
    company = current_tenant()
    _require_kind(company, Tenant.Kind.COMPANY)
    subscription = shared_mission.subscription
    if not subscription.is_active:
        raise _not_shared()
    city = Tenant.objects.filter(
        pk=subscription.city_tenant_id, kind=Tenant.Kind.CITY, status=Tenant.Status.ACTIVE
    ).first()
    if city is None:
        raise _not_shared()
    points = _subscription_points(subscription)
    now = timezone.now()
    with transaction.atomic():
        with tenant_context(city):
            if _active_subscriber(company) is None:
                raise _not_shared()
            mission = (
                _shared_missions_in_city(points=points, radius_km=subscription.radius_km, now=now)
                .filter(pk=shared_mission.source_mission_id)
                .first()
                if points
                else None
            )
            if mission is None:
                raise _not_shared()
            slot = Slot.objects.filter(pk=slot_id, mission_id=mission.pk).first()
            if slot is None:
                raise EngagementError(
                    _("Choose one of this mission's dates."),
                    code=EngagementErrorCode.INVALID,
                    fields={"slot": [_("Choose one of this mission's dates.")]},
                )
            guest = _guest_for(company=company, employee=volunteer)
            # The guest's address takes no mail: the employee hears from their own site.
            with notifications_muted():
                # The organization's participant list shows the message: who sent this person.
                participation = participation_request(
                    volunteer=guest,
                    slot=slot,
                    message=_("Employee of %(company)s (missions shared with companies)")
                    % {"company": company.name},
                )
            notify_organizers(participation, Event.ORGANIZER_NEW_PARTICIPATION)
            _audit_other_side(
                action="sharing.participation_joined",
                target=participation,
                by=company,
                actor=volunteer,
                data={"company": company.slug, "slot_id": slot.pk},
            )
            values = {
                "source_participation_id": participation.pk,
                "source_mission_id": mission.pk,
                "source_slot_id": slot.pk,
                "mission_title": mission.title,
                "organization_name": mission.organization.name,
                "starts_at": slot.starts_at,
                "ends_at": slot.ends_at,
                "status": participation.status,
            }
        try:
            with transaction.atomic():
                shared = SharedParticipation.objects.create(
                    volunteer=volunteer,
                    city_tenant_id=city.pk,
                    city_name=city.name,
                    synced_at=now,
                    **values,
                )
        except IntegrityError:
            raise EngagementError(
                _("You are already registered for this date."),
                code=EngagementErrorCode.ALREADY_PARTICIPATING,
            ) from None
        audit_record(
            actor=volunteer,
            action="sharing.participation_joined",
            target=shared,
            data={"city": city.slug, "source_participation_id": participation.pk},
        )
        _mirror_seats_update(shared_mission, slot_id=slot.pk, seats_left=slot.seats_left)
    logger.info(
        "sharing.participation_joined",
        extra={"shared_participation_id": shared.pk, "city": city.slug, "status": shared.status},
    )
    return shared


def _mirror_seats_update(shared_mission: SharedMission, *, slot_id: int, seats_left: int) -> None:
    slots = [
        {**slot, "seats_left": max(seats_left, 0)} if slot.get("id") == slot_id else slot
        for slot in shared_mission.slots
    ]
    SharedMission.objects.filter(pk=shared_mission.pk).update(slots=slots)
    shared_mission.slots = slots


def _guest_participation(
    *, company: Tenant, employee_id: int, participation_id: int
) -> Participation | None:
    """In the city's schema: the participation, if it is this company employee's."""
    return (
        Participation.objects.select_related("volunteer")
        .filter(
            pk=participation_id,
            volunteer__company_guest__company_tenant_id=company.pk,
            volunteer__company_guest__company_user_id=employee_id,
        )
        .first()
    )


def shared_participation_cancel(
    *, volunteer: User, shared_participation: SharedParticipation
) -> SharedParticipation:
    """The employee withdraws: the city's participation is cancelled under the city's rules (its
    seat goes to the waiting list) and the company's copy follows, in one transaction."""
    require_authenticated(volunteer)
    company = current_tenant()
    if shared_participation.volunteer_id != volunteer.pk:
        raise EngagementError(
            _("You can only cancel your own participations."),
            code=EngagementErrorCode.NOT_OWN_PARTICIPATION,
        )
    city = Tenant.objects.filter(pk=shared_participation.city_tenant_id).first()
    with transaction.atomic():
        current = SharedParticipation.objects.select_for_update().get(pk=shared_participation.pk)
        if current.status not in SharedParticipation.ACTIVE_STATUSES:
            raise EngagementError(
                _("This participation is no longer active."),
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        if city is not None:
            with tenant_context(city):
                participation = _guest_participation(
                    company=company,
                    employee_id=volunteer.pk,
                    participation_id=current.source_participation_id,
                )
                guest = participation.volunteer if participation is not None else None
                if participation is not None and guest is not None and participation.is_active:
                    participation_cancel(participation=participation, actor=guest)
                    _audit_other_side(
                        action="sharing.participation_cancelled",
                        target=participation,
                        by=company,
                        actor=volunteer,
                        data={"company": company.slug},
                    )
        current.status = SharedParticipation.Status.CANCELLED
        current.synced_at = timezone.now()
        current.save(update_fields=["status", "synced_at"])
        audit_record(
            actor=volunteer,
            action="sharing.participation_cancelled",
            target=current,
            data={"city": city.slug if city else None},
        )
    shared_participation.status = current.status
    return current


def shared_participations_sync() -> int:
    """Copy into the company's rows what the cities' organizations decided since (confirmed,
    declined, cancelled, attended with hours, no-show): one query per city; rows changed.

    The participations already made keep syncing after either side stopped sharing: the hours
    are the employee's."""
    company = current_tenant()
    now = timezone.now()
    since = now - timedelta(days=SYNC_DAYS)
    followed = SharedParticipation.objects.filter(
        Q(status__in=SharedParticipation.ACTIVE_STATUSES) | Q(starts_at__gte=since)
    )
    by_city: dict[int, list[SharedParticipation]] = {}
    for row in followed:
        by_city.setdefault(row.city_tenant_id, []).append(row)
    changed: list[SharedParticipation] = []
    for city_id, rows in by_city.items():
        city = Tenant.objects.filter(pk=city_id, status=Tenant.Status.ACTIVE).first()
        if city is None:
            continue
        with tenant_context(city):
            found = {
                pk: (status, hours, decided_at)
                for pk, status, hours, decided_at in Participation.objects.filter(
                    pk__in=[row.source_participation_id for row in rows],
                    volunteer__company_guest__company_tenant_id=company.pk,
                ).values_list("pk", "status", "hours", "decided_at")
            }
        for row in rows:
            if row.source_participation_id not in found:
                continue
            status, hours, decided_at = found[row.source_participation_id]
            if (row.status, row.hours) != (status, hours):
                row.status, row.hours, row.decided_at = status, hours, decided_at
                row.synced_at = now
                changed.append(row)
    with transaction.atomic():
        SharedParticipation.objects.bulk_update(
            changed, ["status", "hours", "decided_at", "synced_at"]
        )
    return len(changed)


# --- The employee's data (GDPR) ------------------------------------------------------------------


def shared_guest_forget(*, employee: User) -> int:
    """Erase what the cities hold for this employee (GDPR art. 17), before the employee's account
    is deleted in the company (engagement.volunteers.privacy.user_delete_account calls it first:
    the company's rows name the cities). In each city: upcoming participations are cancelled
    (seats go to the waiting list), every participation is anonymised (status and hours kept,
    as for a resident), and the guest account is deleted. Returns the cities reached."""
    company = current_tenant()
    city_ids = sorted(
        set(
            SharedParticipation.objects.filter(volunteer_id=employee.pk).values_list(
                "city_tenant_id", flat=True
            )
        )
    )
    reached = 0
    with transaction.atomic():
        for city in Tenant.objects.filter(pk__in=city_ids).order_by("pk"):
            with tenant_context(city):
                guest = (
                    CompanyGuest.objects.select_related("user")
                    .filter(company_tenant_id=company.pk, company_user_id=employee.pk)
                    .first()
                )
                if guest is None:
                    continue
                user = guest.user
                for participation in Participation.objects.filter(
                    volunteer=user, status__in=Participation.ACTIVE_STATUSES
                ):
                    try:
                        participation_cancel(participation=participation, actor=user)
                    except EngagementError:
                        # Already started: the organization records attendance, anonymously.
                        continue
                anonymised = Participation.objects.filter(volunteer=user).update(
                    volunteer=None, is_anonymised=True, message=""
                )
                _audit_other_side(
                    action="sharing.guest_forgotten",
                    target=guest,
                    by=company,
                    actor=None,
                    data={"participations_anonymised": anonymised},
                )
                user.delete()
                reached += 1
        SharedParticipation.objects.filter(
            volunteer_id=employee.pk, status__in=SharedParticipation.ACTIVE_STATUSES
        ).update(status=SharedParticipation.Status.CANCELLED, synced_at=timezone.now())
    logger.info("sharing.guest_forgotten", extra={"cities": reached})
    return reached

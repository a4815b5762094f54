"""Mission sharing between a city (Paris) and a company (Acme), through the one service."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from engagement.errors import EngagementError
from engagement.participations.models import Participation
from engagement.participations.services import participation_mark_attended
from engagement.sharing import selectors, services
from engagement.sharing.models import (
    CitySubscription,
    CompanyGuest,
    SharedMission,
    SharedParticipation,
    SharingSettings,
    SharingSubscriber,
)
from engagement.sharing.services import (
    city_subscribe,
    city_subscription_stop,
    shared_missions_refresh,
    shared_participation_cancel,
    shared_participation_join,
    shared_participations_sync,
    sharing_cities,
    sharing_settings_update,
    sharing_subscriber_stop,
)
from engagement.volunteers.privacy import user_delete_account, user_export_data
from tenants.audit.models import AuditEvent
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.usefixtures("english_messages")


def _subscribe(company, city, radius_km=5):
    with tenant_context(company.tenant):
        subscription = city_subscribe(
            actor=company.admin, city_tenant_id=city.tenant.pk, radius_km=radius_km
        )
        shared_missions_refresh(subscription_id=subscription.pk)
    return subscription


def _actions(tenant):
    with tenant_context(tenant):
        return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_a_company_sees_the_cities_that_share(city, company, montreal):
    with tenant_context(company.tenant):
        cities = sharing_cities()
    assert [(found.name, found.tenant_id) for found in cities] == [
        (city.tenant.name, city.tenant.pk)
    ]


def test_a_city_cannot_list_or_subscribe(city, company):
    with tenant_context(city.tenant), pytest.raises(EngagementError) as error:
        city_subscribe(actor=city.admin, city_tenant_id=city.tenant.pk, radius_km=5)
    assert error.value.detail == "Only a company subscribes to the missions of a city."
    with tenant_context(city.tenant):
        assert SharingSubscriber.objects.count() == 0


def test_a_company_cannot_share(company):
    with tenant_context(company.tenant), pytest.raises(EngagementError) as error:
        sharing_settings_update(
            actor=company.admin, is_sharing=True, all_verified_organizations=True
        )
    assert error.value.detail == "Only a city shares its missions with companies."
    with tenant_context(company.tenant):
        assert SharingSettings.objects.count() == 0


def test_subscribing_writes_both_sides_and_audits_both(city, company):
    subscription = _subscribe(company, city)
    with tenant_context(city.tenant):
        subscriber = SharingSubscriber.objects.get()
        assert (subscriber.company_tenant_id, subscriber.company_name) == (
            company.tenant.pk,
            company.tenant.name,
        )
        assert (subscriber.radius_km, subscriber.is_active) == (5, True)
        event = AuditEvent.objects.get(action="sharing.subscribed")
        assert (event.actor_id, event.data["by_tenant"], event.data["by_user_id"]) == (
            None,
            "acme",
            company.admin.pk,
        )
    with tenant_context(company.tenant):
        assert (subscription.city_tenant_id, subscription.is_active) == (city.tenant.pk, True)
        event = AuditEvent.objects.get(action="sharing.subscribed")
        assert event.actor_id == company.admin.pk


def test_the_mirror_holds_only_shared_missions_near_the_sites(city, company):
    _subscribe(company, city)
    with tenant_context(company.tenant):
        rows = list(SharedMission.objects.all())
    assert [row.source_mission_id for row in rows] == [city.near.pk]
    row = rows[0]
    assert (row.title, row.organization_name) == ("Distribution de repas", "Restos du Cœur")
    assert [slot["id"] for slot in row.slots] == [city.slot.pk, city.other_slot.pk]
    assert [slot["seats_left"] for slot in row.slots] == [1, 5]
    assert row.url == f"{city.tenant.base_url}/missions/{city.near.pk}/"


def test_a_larger_radius_takes_the_farther_mission_but_never_unverified_or_drafts(city, company):
    _subscribe(company, city, radius_km=30)
    with tenant_context(company.tenant):
        titles = sorted(SharedMission.objects.values_list("title", flat=True))
    assert titles == ["Distribution de repas", "Jardin à Versailles"]


def test_only_the_chosen_organizations_are_shared(city, company):
    with tenant_context(city.tenant):
        other = MembershipFactory().organization
        sharing_settings_update(
            actor=city.admin,
            is_sharing=True,
            all_verified_organizations=False,
            organizations=[other],
        )
    _subscribe(company, city)
    with tenant_context(company.tenant):
        assert SharedMission.objects.count() == 0


def test_an_unverified_organization_cannot_be_chosen(city):
    with tenant_context(city.tenant):
        with pytest.raises(EngagementError) as error:
            sharing_settings_update(
                actor=city.admin,
                is_sharing=True,
                all_verified_organizations=False,
                organizations=[city.unverified],
            )
        assert error.value.fields == {
            "organizations": ["Only verified organizations can share their missions."]
        }
        assert SharingSettings.objects.get().all_verified_organizations is True


def test_subscribing_to_a_city_that_does_not_share_is_refused(city, company, montreal):
    with tenant_context(company.tenant):
        with pytest.raises(EngagementError) as error:
            city_subscribe(actor=company.admin, city_tenant_id=montreal.pk, radius_km=5)
        assert error.value.detail == "This city does not share its missions."
        assert CitySubscription.objects.count() == 0
    with tenant_context(montreal):
        assert SharingSubscriber.objects.count() == 0


def test_subscribing_to_a_company_or_an_unknown_tenant_is_refused(company):
    with tenant_context(company.tenant):
        for tenant_id in (company.tenant.pk, 999_999):
            with pytest.raises(EngagementError) as error:
                city_subscribe(actor=company.admin, city_tenant_id=tenant_id, radius_km=5)
            assert error.value.fields == {"city": ["Choose a city from the list."]}
        assert CitySubscription.objects.count() == 0


@pytest.mark.parametrize("radius", ["0", "101", "abc", ""])
def test_a_radius_out_of_bounds_is_refused(city, company, radius):
    with tenant_context(company.tenant):
        with pytest.raises(EngagementError) as error:
            city_subscribe(actor=company.admin, city_tenant_id=city.tenant.pk, radius_km=radius)
        assert error.value.fields == {"radius_km": ["Enter a distance from 1 to 100 km."]}
        assert CitySubscription.objects.count() == 0


def test_an_employee_cannot_subscribe(city, company):
    with tenant_context(company.tenant):
        with pytest.raises(EngagementError):
            city_subscribe(actor=company.employee, city_tenant_id=city.tenant.pk, radius_km=5)
        assert CitySubscription.objects.count() == 0


def test_chosen_sites_limit_the_mirror(city, company):
    with tenant_context(company.tenant):
        subscription = city_subscribe(
            actor=company.admin,
            city_tenant_id=city.tenant.pk,
            radius_km=50,
            all_sites=False,
            sites=[company.lyon],
        )
        assert shared_missions_refresh(subscription_id=subscription.pk) == 0
        assert SharedMission.objects.count() == 0


def test_a_company_that_is_not_subscribed_sees_nothing(city, company):
    with tenant_context(company.tenant):
        assert list(selectors.shared_mission_list()) == []


def test_joining_creates_the_city_participation_and_the_company_copy(city, company):
    _subscribe(company, city)
    with tenant_context(company.tenant):
        shared_mission = SharedMission.objects.get()
        shared = shared_participation_join(
            volunteer=company.employee, shared_mission=shared_mission, slot_id=city.slot.pk
        )
        assert (shared.status, shared.city_name, shared.mission_title) == (
            "confirmed",
            city.tenant.name,
            "Distribution de repas",
        )
        shared_mission.refresh_from_db()
        assert shared_mission.slots[0]["seats_left"] == 0
        assert _actions(company.tenant)[-1] == "sharing.participation_joined"
    with tenant_context(city.tenant):
        participation = Participation.objects.select_related("volunteer").get(
            pk=shared.source_participation_id
        )
        guest = participation.volunteer
        assert (participation.status, participation.slot_id) == ("confirmed", city.slot.pk)
        assert participation.message == (
            f"Employee of {company.tenant.name} (missions shared with companies)"
        )
        assert guest.display_name == "Léa Martin"
        assert guest.email == f"acme-{company.employee.pk}@guests.invalid"
        assert guest.has_usable_password() is False
        assert guest.company_guest.company_name == company.tenant.name
        city.slot.refresh_from_db()
        assert city.slot.confirmed_count == 1
        assert selectors.company_guest_participations()[0]["company"] == company.tenant.name
    assert "sharing.participation_joined" in _actions(city.tenant)


def test_a_full_city_slot_waitlists_the_next_employee(city, company):
    _subscribe(company, city)
    with tenant_context(company.tenant):
        shared_mission = SharedMission.objects.get()
        first = shared_participation_join(
            volunteer=company.employee, shared_mission=shared_mission, slot_id=city.slot.pk
        )
        second = shared_participation_join(
            volunteer=company.colleague, shared_mission=shared_mission, slot_id=city.slot.pk
        )
        assert (first.status, second.status) == ("confirmed", "waitlisted")
        with pytest.raises(EngagementError) as error:
            shared_participation_join(
                volunteer=company.employee, shared_mission=shared_mission, slot_id=city.slot.pk
            )
        assert error.value.detail == "You are already registered for this date."
        assert SharedParticipation.objects.count() == 2
    with tenant_context(city.tenant):
        assert CompanyGuest.objects.count() == 2
        city.slot.refresh_from_db()
        assert city.slot.confirmed_count == 1


def test_joining_a_slot_of_another_mission_is_refused(city, company):
    _subscribe(company, city, radius_km=30)
    with tenant_context(city.tenant):
        far_slot = city.far.slots.get()
    with tenant_context(company.tenant):
        shared_mission = SharedMission.objects.get(source_mission_id=city.near.pk)
        with pytest.raises(EngagementError) as error:
            shared_participation_join(
                volunteer=company.employee, shared_mission=shared_mission, slot_id=far_slot.pk
            )
        assert error.value.fields == {"slot": ["Choose one of this mission's dates."]}
        assert SharedParticipation.objects.count() == 0
    with tenant_context(city.tenant):
        assert Participation.objects.filter(slot=far_slot).count() == 0


def test_a_stale_mirror_row_cannot_join_a_mission_no_longer_shared(city, company):
    _subscribe(company, city)
    with tenant_context(city.tenant):
        city.organization.verification_status = "pending"
        city.organization.save(update_fields=["verification_status"])
    with tenant_context(company.tenant):
        shared_mission = SharedMission.objects.get()
        with pytest.raises(EngagementError) as error:
            shared_participation_join(
                volunteer=company.employee, shared_mission=shared_mission, slot_id=city.slot.pk
            )
        assert error.value.detail == "This mission is no longer shared with you."
        assert SharedParticipation.objects.count() == 0
    with tenant_context(city.tenant):
        assert CompanyGuest.objects.count() == 0


def test_cancelling_from_the_company_frees_the_city_seat(city, company):
    _subscribe(company, city)
    with tenant_context(company.tenant):
        shared_mission = SharedMission.objects.get()
        first = shared_participation_join(
            volunteer=company.employee, shared_mission=shared_mission, slot_id=city.slot.pk
        )
        second = shared_participation_join(
            volunteer=company.colleague, shared_mission=shared_mission, slot_id=city.slot.pk
        )
        with pytest.raises(EngagementError):
            shared_participation_cancel(volunteer=company.colleague, shared_participation=first)
        shared_participation_cancel(volunteer=company.employee, shared_participation=first)
        first.refresh_from_db()
        assert first.status == "cancelled"
    with tenant_context(city.tenant):
        statuses = dict(
            Participation.objects.values_list("pk", "status").filter(
                pk__in=[first.source_participation_id, second.source_participation_id]
            )
        )
        assert statuses == {
            first.source_participation_id: "cancelled",
            second.source_participation_id: "confirmed",
        }
    with tenant_context(company.tenant):
        assert shared_participations_sync() == 1
        second.refresh_from_db()
        assert second.status == "confirmed"


def test_hours_recorded_by_the_city_reach_the_company(city, company):
    _subscribe(company, city)
    with tenant_context(company.tenant):
        shared = shared_participation_join(
            volunteer=company.employee,
            shared_mission=SharedMission.objects.get(),
            slot_id=city.slot.pk,
        )
    with tenant_context(city.tenant):
        org_admin = MembershipFactory(organization=city.organization).user
        participation = Participation.objects.get(pk=shared.source_participation_id)
        city.slot.starts_at = timezone.now() - timezone.timedelta(hours=3)
        city.slot.ends_at = timezone.now() - timezone.timedelta(hours=1)
        city.slot.save(update_fields=["starts_at", "ends_at"])
        participation_mark_attended(participation=participation, actor=org_admin, hours="2")
    with tenant_context(company.tenant):
        SharedParticipation.objects.filter(pk=shared.pk).update(starts_at=city.slot.starts_at)
        assert shared_participations_sync() == 1
        shared.refresh_from_db()
        assert (shared.status, shared.hours) == ("attended", Decimal("2.00"))
        assert selectors.shared_hours() == Decimal("2.00")
        assert selectors.shared_hours(volunteers=[company.colleague]) == Decimal("0")
        assert selectors.shared_hours_by_volunteer() == {company.employee.pk: Decimal("2.00")}
        today = timezone.localdate()
        assert selectors.shared_hours(starts_on=today + timezone.timedelta(days=1)) == 0


def test_the_sync_ignores_participations_that_are_not_the_companys(city, company):
    _subscribe(company, city)
    with tenant_context(city.tenant):
        stranger = ParticipationFactory(slot=city.other_slot)
    with tenant_context(company.tenant):
        SharedParticipation.objects.create(
            volunteer=company.employee,
            city_tenant_id=city.tenant.pk,
            city_name="Paris",
            source_participation_id=stranger.pk,
            source_mission_id=city.near.pk,
            source_slot_id=city.other_slot.pk,
            mission_title="x",
            organization_name="y",
            status="requested",
            synced_at=timezone.now(),
        )
        assert shared_participations_sync() == 0


def test_the_company_stops_both_sides_and_participations_stay(city, company):
    subscription = _subscribe(company, city)
    with tenant_context(company.tenant):
        shared = shared_participation_join(
            volunteer=company.employee,
            shared_mission=SharedMission.objects.get(),
            slot_id=city.slot.pk,
        )
        city_subscription_stop(actor=company.admin, subscription=subscription)
        assert subscription.is_active is False
        assert SharedMission.objects.count() == 0
        assert list(selectors.shared_mission_list()) == []
        assert SharedParticipation.objects.get().status == "confirmed"
    with tenant_context(city.tenant):
        assert SharingSubscriber.objects.get().is_active is False
        assert Participation.objects.get(pk=shared.source_participation_id).status == "confirmed"
    assert _actions(city.tenant)[-1] == "sharing.stopped"
    assert _actions(company.tenant)[-1] == "sharing.stopped"


def test_the_city_stops_one_company(city, company):
    _subscribe(company, city)
    with tenant_context(city.tenant):
        sharing_subscriber_stop(actor=city.admin, subscriber=SharingSubscriber.objects.get())
    with tenant_context(company.tenant):
        assert CitySubscription.objects.get().is_active is False
        assert SharedMission.objects.count() == 0
        event = AuditEvent.objects.get(action="sharing.stopped")
        assert (event.actor_id, event.data["by_tenant"]) == (None, "paris")


def test_turning_sharing_off_stops_every_company_and_the_mirror_refresh_finds_nothing(
    city, company
):
    subscription = _subscribe(company, city)
    with tenant_context(city.tenant):
        sharing_settings_update(actor=city.admin, is_sharing=False, all_verified_organizations=True)
    with tenant_context(company.tenant):
        assert CitySubscription.objects.get().is_active is False
        assert shared_missions_refresh(subscription_id=subscription.pk) == 0
        with tenant_context(company.tenant):
            assert sharing_cities() == []


def test_a_refresh_after_the_city_stopped_empties_the_mirror(city, company):
    subscription = _subscribe(company, city)
    with tenant_context(city.tenant):
        # The city's side alone (as if the company's side had not been reached).
        SharingSubscriber.objects.update(is_active=False)
    with tenant_context(company.tenant):
        assert SharedMission.objects.count() == 1
        assert shared_missions_refresh(subscription_id=subscription.pk) == 0
        assert SharedMission.objects.count() == 0


def test_the_fan_out_schedules_each_active_subscription(city, company):
    _subscribe(company, city)
    assert services.sharing_refresh_everywhere() == 1


def test_another_companys_employee_is_out_of_reach(city, company):
    """A participation of another company's guest, named by a forged company-side row: the sync
    does not read it and cancelling does not touch it."""
    _subscribe(company, city)
    with tenant_context(city.tenant):
        other_guest = UserFactory(first_name="Autre", last_name="Salarié")
        CompanyGuest.objects.create(
            user=other_guest, company_tenant_id=999_999, company_name="Globex", company_user_id=1
        )
        theirs = ParticipationFactory(slot=city.other_slot, volunteer=other_guest)
    with tenant_context(company.tenant):
        forged = SharedParticipation.objects.create(
            volunteer=company.employee,
            city_tenant_id=city.tenant.pk,
            city_name="Paris",
            source_participation_id=theirs.pk,
            source_mission_id=city.near.pk,
            source_slot_id=city.other_slot.pk,
            mission_title="x",
            organization_name="y",
            status="requested",
            synced_at=timezone.now(),
        )
        assert shared_participations_sync() == 0
        shared_participation_cancel(volunteer=company.employee, shared_participation=forged)
    with tenant_context(city.tenant):
        assert Participation.objects.get(pk=theirs.pk).status == "confirmed"


def test_a_refresh_costs_the_same_queries_for_1_and_4_missions(city, company):
    subscription = _subscribe(company, city)
    with tenant_context(company.tenant), CaptureQueriesContext(connection) as one:
        assert shared_missions_refresh(subscription_id=subscription.pk) == 1
    with tenant_context(city.tenant):
        for number in range(3):
            SlotFactory(mission=MissionFactory(organization=city.organization, title=f"M{number}"))
    with tenant_context(company.tenant), CaptureQueriesContext(connection) as four:
        assert shared_missions_refresh(subscription_id=subscription.pk) == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_forgetting_an_employee_erases_the_city_guest_and_keeps_the_counts(city, company):
    _subscribe(company, city)
    with tenant_context(company.tenant):
        shared = shared_participation_join(
            volunteer=company.employee,
            shared_mission=SharedMission.objects.get(),
            slot_id=city.slot.pk,
        )
        assert selectors.shared_participations_export(user=company.employee)[0]["city"] == (
            city.tenant.name
        )
        assert services.shared_guest_forget(employee=company.employee) == 1
        assert SharedParticipation.objects.get().status == "cancelled"
    with tenant_context(city.tenant):
        participation = Participation.objects.get(pk=shared.source_participation_id)
        assert (participation.volunteer_id, participation.is_anonymised) == (None, True)
        assert participation.status == "cancelled"
        assert CompanyGuest.objects.count() == 0
        city.slot.refresh_from_db()
        assert city.slot.confirmed_count == 0
        assert AuditEvent.objects.filter(action="sharing.guest_forgotten").count() == 1


def test_deleting_the_employees_account_erases_the_city_guest_and_exports_it_first(city, company):
    _subscribe(company, city)
    with tenant_context(company.tenant):
        shared = shared_participation_join(
            volunteer=company.employee,
            shared_mission=SharedMission.objects.get(),
            slot_id=city.slot.pk,
        )
        exported = user_export_data(user=company.employee)["shared_city_participations"]
        assert [row["city"] for row in exported] == [city.tenant.name]
        user_delete_account(user=company.employee, actor=company.employee)
        assert SharedParticipation.objects.filter(volunteer__isnull=False).count() == 0
    with tenant_context(city.tenant):
        participation = Participation.objects.get(pk=shared.source_participation_id)
        assert (participation.volunteer_id, participation.is_anonymised) == (None, True)
        assert CompanyGuest.objects.count() == 0

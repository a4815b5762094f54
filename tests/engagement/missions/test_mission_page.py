"""A mission page's data read once and shared (engagement/missions/mission_page.py): a published
mission from the tenant's cache, renewed by every write its page shows, never another tenant's;
its dates and seats read on every view; any other mission read for its viewer each time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone

from engagement.missions.mission_page import (
    MISSION_DATA_SECONDS,
    _mission_data_key,
    viewable_mission,
)
from engagement.missions.models import Mission, Slot
from engagement.missions.views import MISSION_PAGE_SECONDS
from engagement.taxonomy.models import Cause
from tenants.context import tenant_context
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    ModeratorFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _request(user=None):  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    return request


def _in_days(days: float):  # type: ignore[no-untyped-def]
    return timezone.now() + timedelta(days=days)


def test_a_published_mission_is_read_once_then_from_the_cache(in_paris, django_assert_num_queries):
    mission = MissionFactory(causes=["solidarite"])
    SlotFactory(mission=mission, starts_at=_in_days(2), ends_at=_in_days(2.1))
    SlotFactory(mission=mission, starts_at=_in_days(1), ends_at=_in_days(1.1))

    volunteer = UserFactory()

    first = viewable_mission(_request(), mission.pk)
    with django_assert_num_queries(1):  # the dates, read on every view
        again = viewable_mission(_request(volunteer), str(mission.pk))
        # What the page reads: the organization, causes, skills and dates, no query more.
        assert again.organization.name == mission.organization.name
        assert [cause.slug for cause in again.causes.all()] == ["solidarite"]
        assert list(again.skills.all()) == []
        assert [slot.starts_at for slot in again.upcoming_slots] == [
            slot.starts_at for slot in first.upcoming_slots
        ]
        assert all(slot.mission is again for slot in again.upcoming_slots)

    assert again is not first  # a copy, not this process's object
    assert again.pk == mission.pk and again.title == mission.title
    assert again.location == mission.location


@pytest.mark.parametrize(
    "change",
    ["title", "seats", "new date", "cause", "organization"],
)
def test_a_write_the_page_shows_is_seen_on_the_next_read(in_paris, change):
    mission = MissionFactory()
    slot = SlotFactory(mission=mission, starts_at=_in_days(2), ends_at=_in_days(2.1), capacity=5)
    viewable_mission(_request(), mission.pk)

    if change == "title":
        mission.title = "Nouveau titre"
        mission.save()
    elif change == "seats":  # a participation confirmed: the slot's counter only
        slot.confirmed_count = 3
        slot.save(update_fields=["confirmed_count"])
    elif change == "new date":
        SlotFactory(mission=mission, starts_at=_in_days(1), ends_at=_in_days(1.1))
    elif change == "cause":
        mission.causes.add(Cause.objects.get(slug="solidarite"))
    else:
        mission.organization.name = "Nouveau nom"
        mission.organization.save()

    found = viewable_mission(_request(), mission.pk)

    if change == "title":
        assert found.title == "Nouveau titre"
    elif change == "seats":
        assert found.upcoming_slots[0].confirmed_count == 3
    elif change == "new date":
        assert len(found.upcoming_slots) == 2
    elif change == "cause":
        assert [cause.slug for cause in found.causes.all()] == ["solidarite"]
    else:
        assert found.organization.name == "Nouveau nom"


def test_a_mission_no_longer_published_is_a_404_at_once(in_paris):
    mission = MissionFactory()
    viewable_mission(_request(), mission.pk)

    mission.status = Mission.Status.CLOSED
    mission.save()

    with pytest.raises(Http404):
        viewable_mission(_request(), mission.pk)


def test_another_mission_is_read_for_its_viewer_each_time(in_paris, django_assert_num_queries):
    """A draft is its organizers' and the moderators': never stored, so a visitor who may not
    see it is never served a copy one who may see it made."""
    draft = MissionFactory(status=Mission.Status.DRAFT)
    editor = UserFactory()
    MembershipFactory(user=editor, organization=draft.organization)

    assert viewable_mission(_request(editor), draft.pk).pk == draft.pk
    assert viewable_mission(_request(ModeratorFactory()), draft.pk).pk == draft.pk
    with pytest.raises(Http404):
        viewable_mission(_request(), draft.pk)
    with pytest.raises(Http404):
        viewable_mission(_request(UserFactory()), draft.pk)
    # The mission as published (none), then with the viewer's ties; causes and skills; dates.
    with django_assert_num_queries(4):
        viewable_mission(_request(editor), draft.pk)


def test_the_dates_are_read_on_every_view(in_paris):
    """A date that starts is no longer offered, and the seats are the row's, even when nothing
    announced the change (time passing, a bulk update): the copy holds no date."""
    mission = MissionFactory()
    first = SlotFactory(mission=mission, starts_at=_in_days(1), ends_at=_in_days(1.1))
    later = SlotFactory(mission=mission, starts_at=_in_days(2), ends_at=_in_days(2.1))
    assert [s.pk for s in viewable_mission(_request(), mission.pk).upcoming_slots] == [
        first.pk,
        later.pk,
    ]

    Slot.objects.filter(pk=first.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    Slot.objects.filter(pk=later.pk).update(confirmed_count=2)

    (offered,) = viewable_mission(_request(), mission.pk).upcoming_slots
    assert offered.pk == later.pk and offered.confirmed_count == 2


def test_a_copy_lives_the_anonymous_pages_lifetime_at_most(in_paris):
    mission = MissionFactory()
    viewable_mission(_request(), mission.pk)

    client = cache._cache.get_client()
    key = cache.make_key(_mission_data_key(mission.pk))
    assert (
        MISSION_DATA_SECONDS - 5 <= client.ttl(key) <= MISSION_DATA_SECONDS == MISSION_PAGE_SECONDS
    )


def test_another_tenants_mission_of_the_same_id_is_its_own(paris, montreal):
    with tenant_context(paris):
        here = MissionFactory(title="À Paris")
        viewable_mission(_request(), here.pk)
    with tenant_context(montreal):
        with pytest.raises(Http404):
            viewable_mission(_request(), here.pk)
        MissionFactory(pk=here.pk, title="À Montréal")
        assert viewable_mission(_request(), here.pk).title == "À Montréal"
    with tenant_context(paris):
        assert viewable_mission(_request(), here.pk).title == "À Paris"


@pytest.mark.parametrize("value", ["0", "-3", "abc", "99999999999999999999"])
def test_an_id_that_names_no_mission_is_a_404(in_paris, value):
    with pytest.raises(Http404):
        viewable_mission(_request(), value)

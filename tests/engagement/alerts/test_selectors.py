"""The alerts' matching statement finds exactly what the search finds: for many saved searches
with every kind of filter, saved_search_new_matches gives the missions that mission_search gives
with the search's filters, bounded to the missions published since the last check."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from engagement.alerts.models import SavedSearch
from engagement.alerts.selectors import saved_search_filters, saved_search_new_matches
from engagement.alerts.services import saved_search_create
from engagement.missions.models import Mission, Slot
from engagement.missions.search import MissionSearchFilters, mission_search
from tests.engagement.factories import (
    PARIS_CENTRE,
    CauseFactory,
    MissionFactory,
    SkillFactory,
    SlotFactory,
    UserFactory,
    paris_point,
)

pytestmark = pytest.mark.django_db

LNG, LAT = PARIS_CENTRE
CAUSES = ("solidarite", "culture", "sante")
SKILLS = ("cuisine", "bricolage")
TITLES = ("Distribution de repas", "Jardin partagé", "Aide aux devoirs", "Food bank helpers")
WEEKEND = sum(1 << bit for bit in range(15, 21))
MORNINGS = sum(1 << (day * 3) for day in range(7))


def _missions(rng: random.Random) -> None:
    now = timezone.now()
    for index in range(40):
        remote = rng.random() < 0.15
        mission = MissionFactory(
            title=f"{rng.choice(TITLES)} {index}",
            location=None
            if remote
            else paris_point(LNG + rng.uniform(-0.15, 0.15), LAT + rng.uniform(-0.1, 0.1)),
            is_remote=remote,
            is_step_free=rng.random() < 0.4,
            is_open_to_minors=rng.random() < 0.4,
            is_beginner_friendly=rng.random() < 0.6,
            published_at=now - timedelta(hours=rng.uniform(0.5, 60)),
            status=Mission.Status.PUBLISHED if rng.random() < 0.9 else Mission.Status.CLOSED,
            causes=rng.sample(CAUSES, rng.choice((0, 1, 2))),
            skills=rng.sample(SKILLS, rng.choice((0, 0, 1))),
        )
        kind = rng.random()
        if kind < 0.2:
            SlotFactory(mission=mission, ongoing=True)
        elif kind < 0.3:
            # Only a slot that has started: not joinable.
            SlotFactory(
                mission=mission,
                starts_at=now - timedelta(hours=2),
                ends_at=now + timedelta(hours=1),
            )
        else:
            for _ in range(rng.choice((1, 2))):
                starts = (now + timedelta(days=rng.randint(1, 20))).replace(
                    hour=rng.choice((7, 9, 14, 19)), minute=0
                )
                SlotFactory(
                    mission=mission,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    status=Slot.Status.OPEN if rng.random() < 0.9 else Slot.Status.CANCELLED,
                )


def _filters(rng: random.Random) -> MissionSearchFilters:
    values: dict = {}
    if rng.random() < 0.6:
        values.update(
            lat=LAT + rng.uniform(-0.05, 0.05),
            lng=LNG + rng.uniform(-0.05, 0.05),
            radius_km=rng.choice((None, 2, 5, 10)),
        )
    if rng.random() < 0.5:
        values["causes"] = tuple(rng.sample(CAUSES, rng.choice((1, 2))))
    if rng.random() < 0.25:
        values["skills"] = (rng.choice(SKILLS),)
    if rng.random() < 0.35:
        values["availability"] = rng.choice((WEEKEND, MORNINGS, 0))
    if rng.random() < 0.25:
        values["q"] = rng.choice(("repas", "jardin", "food", "devoirs aide"))
    for flag in ("remote", "step_free", "open_to_minors", "beginner_friendly"):
        if rng.random() < 0.15:
            values[flag] = rng.random() < 0.5 if flag == "remote" else True
    return MissionSearchFilters(**values)


def test_the_matching_statement_finds_what_the_search_finds(in_paris):
    rng = random.Random(14)
    for slug in CAUSES:
        CauseFactory(slug=slug)
    for slug in SKILLS:
        SkillFactory(slug=slug)
    _missions(rng)
    now = timezone.now()
    cutoff = now - timedelta(minutes=10)
    searches = []
    for index in range(60):
        saved = saved_search_create(
            user=UserFactory(), name=f"s{index}", frequency="daily", filters=_filters(rng)
        )
        SavedSearch.objects.filter(pk=saved.pk).update(
            last_checked_at=now - timedelta(hours=rng.uniform(1, 50))
        )
        saved.refresh_from_db()
        searches.append(saved)

    found = saved_search_new_matches(
        saved_search_ids=[search.pk for search in searches], cutoff=cutoff, now=now
    )

    expected = set()
    for search in searches:
        ids = (
            mission_search(filters=saved_search_filters(search))
            .filter(published_at__gt=search.last_checked_at, published_at__lte=cutoff)
            .values_list("pk", flat=True)
        )
        expected |= {(search.pk, mission_id) for mission_id in ids}
    assert set(found) == expected
    assert len(found) == len(expected)
    # The data exercises the filters: some searches find missions, others none.
    per_search = {search.pk: 0 for search in searches}
    for saved_search_id, _mission_id in found:
        per_search[saved_search_id] += 1
    assert 10 <= sum(1 for count in per_search.values() if count) <= 55

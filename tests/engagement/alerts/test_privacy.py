"""A person's saved searches are part of their data: exported (without the unsubscribe token)
and deleted with the account."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from engagement.alerts.models import SavedSearch, SavedSearchAlert
from engagement.alerts.services import saved_search_alerts_evaluate, saved_search_create
from engagement.missions.search import MissionSearchFilters
from engagement.volunteers.privacy import user_delete_account, user_export_data
from tests.engagement.factories import PARIS_CENTRE, MissionFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db

LNG, LAT = PARIS_CENTRE


def test_the_export_lists_my_saved_searches_without_their_token(in_paris):
    user = UserFactory()
    saved = saved_search_create(
        user=user,
        name="Repas",
        frequency="daily",
        filters=MissionSearchFilters(lat=LAT, lng=LNG, radius_km=3, q="repas"),
        place_label="Hôtel de Ville",
    )
    saved_search_create(
        user=UserFactory(), name="Not mine", frequency="daily", filters=MissionSearchFilters()
    )

    data = user_export_data(user=user)

    [exported] = data["saved_searches"]
    assert exported["name"] == "Repas"
    assert exported["place"] == {"lat": LAT, "lng": LNG, "label": "Hôtel de Ville"}
    assert (exported["radius_km"], exported["query"], exported["frequency"]) == (
        3,
        "repas",
        "daily",
    )
    assert saved.unsubscribe_token not in json.dumps(data, default=str)


def test_deleting_the_account_deletes_its_saved_searches_and_matches(in_paris):
    user = UserFactory()
    saved = saved_search_create(
        user=user, name="Tout", frequency="daily", filters=MissionSearchFilters()
    )
    other = saved_search_create(
        user=UserFactory(), name="Tout", frequency="daily", filters=MissionSearchFilters()
    )
    SavedSearch.objects.update(last_checked_at=saved.last_checked_at.replace(year=2020))
    SlotFactory(mission=MissionFactory(published_at=timezone.now() - timedelta(hours=1)))
    saved_search_alerts_evaluate()
    assert SavedSearchAlert.objects.filter(saved_search=saved).count() == 1

    user_delete_account(user=user, actor=user)

    assert not SavedSearch.objects.filter(pk=saved.pk).exists()
    assert not SavedSearchAlert.objects.filter(saved_search_id=saved.pk).exists()
    assert SavedSearchAlert.objects.filter(saved_search=other).count() == 1

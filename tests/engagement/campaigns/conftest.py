"""Campaign fixtures: the programme's company (tests/engagement/programmes/conftest.py) with a
running campaign featuring its mission."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from engagement.campaigns.models import Campaign
from tests.engagement.programmes.conftest import company  # noqa: F401 - the fixture


@pytest.fixture
def campaign(company):  # type: ignore[no-untyped-def]  # noqa: F811
    today = timezone.localdate()
    running = Campaign.objects.create(
        title="Décembre solidaire",
        slug="decembre-solidaire",
        description="<p>Tout le mois, on s'engage.</p>",
        starts_on=today - timedelta(days=7),
        ends_on=today + timedelta(days=21),
        goal_kind=Campaign.GoalKind.HOURS,
        goal_value=20,
        is_published=True,
        created_by=company.admin,
    )
    running.featured_missions.add(company.mission)
    return running

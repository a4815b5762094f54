"""Mission sharing's tasks: the beat entry, the fan-out in the public schema, and each company's
refresh and sync run inside the company's schema."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from config.celery import app
from engagement.sharing.models import SharedMission
from engagement.sharing.services import city_subscribe
from engagement.sharing.tasks import (
    sharing_participations_sync,
    sharing_refresh_everywhere,
    sharing_subscription_refresh,
)


def test_the_beat_runs_the_fan_out_every_30_minutes_as_a_platform_task(city, company):
    with tenant_context(company.tenant):
        city_subscribe(actor=company.admin, city_tenant_id=city.tenant.pk, radius_km=5)
    assert settings.CELERY_BEAT_SCHEDULE["sharing-refresh"] == {
        "task": "engagement.sharing_refresh_everywhere",
        "schedule": 1800,
    }
    assert {
        "engagement.sharing_refresh_everywhere",
        "engagement.sharing_subscription_refresh",
        "engagement.sharing_participations_sync",
    } <= set(app.tasks)
    assert sharing_refresh_everywhere.delay().get() == 1
    assert connection.schema_name == "public"


def test_the_refresh_and_the_sync_run_in_the_company(city, company):
    with tenant_context(company.tenant):
        subscription = city_subscribe(
            actor=company.admin, city_tenant_id=city.tenant.pk, radius_km=5
        )
        assert sharing_subscription_refresh.delay(subscription.pk).get() == 1
        assert sharing_participations_sync.delay().get() == 0
        assert SharedMission.objects.count() == 1
